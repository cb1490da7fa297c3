package dev.facta.saga;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.command.CommandMiddleware;
import dev.facta.command.IdempotencyMiddleware;
import dev.facta.command.InMemoryIdempotencyStore;
import dev.facta.internal.Json;
import dev.facta.store.EventData;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Process managers, a saga, commands and helpers the saga tests share. */
public final class TestDomain {
    private TestDomain() {
    }

    // ------------------------------------------------------------------ commands

    public record RequestPayment(String orderId, long amount) {
    }

    public record ShipOrder(String orderId) {
    }

    public record RefundPayment(String orderId, long amount) {
    }

    public record CancelOrder(String orderId, String reason) {
    }

    public record Ack(String key, long n) {
    }

    public record Reserve(String orderId) {
    }

    public record Release(String orderId) {
    }

    public record Charge(String orderId) {
    }

    public record Refund(String orderId) {
    }

    public record Confirm(String orderId) {
    }

    // ------------------------------------------------------------------ states

    /** The order fulfilment state: status is awaiting-payment, paid, cancelled, delivered or attention. */
    public record Fulfilment(String orderId, String status, long amount, long paid, String invoice) {
        Fulfilment with(String s, long p) {
            return new Fulfilment(orderId, s, amount, p, invoice);
        }
    }

    public record Tally(String key, long count) {
    }

    public record Checkout(String orderId, List<String> log) {
        Checkout plus(String entry) {
            List<String> l = new ArrayList<>(log);
            l.add(entry);
            return new Checkout(orderId, List.copyOf(l));
        }
    }

    public static final RecordJson JSON = new RecordJson(RequestPayment.class, ShipOrder.class, RefundPayment.class,
            CancelOrder.class, Ack.class, Reserve.class, Release.class, Charge.class, Refund.class, Confirm.class,
            Fulfilment.class, Tally.class, Checkout.class);

    public static final CommandCodec COMMANDS = JSON.commands();

    public static final List<Class<?>> COMMAND_TYPES = List.of(RequestPayment.class, ShipOrder.class, RefundPayment.class,
            CancelOrder.class, Ack.class, Reserve.class, Release.class, Charge.class, Refund.class, Confirm.class);

    // ------------------------------------------------------------------ events

    public static EventData event(String type, String json) {
        return EventData.of(type, json);
    }

    public static EventData event(String type, String json, Metadata metadata) {
        return EventData.of(type, json, metadata);
    }

    public static EventData placed(String orderId, long amount, String invoice) {
        return event("OrderPlaced", "{\"orderId\":\"" + orderId + "\",\"amount\":" + amount + ",\"invoice\":\"" + invoice + "\"}");
    }

    public static EventData payment(String orderId, long amount) {
        return event("PaymentReceived", "{\"orderId\":\"" + orderId + "\",\"amount\":" + amount + "}");
    }

    public static EventData invoicePaid(String invoice, long amount) {
        return event("InvoicePaid", "{\"invoice\":\"" + invoice + "\",\"amount\":" + amount + "}");
    }

    public static EventData delivered(String orderId) {
        return event("OrderDelivered", "{\"orderId\":\"" + orderId + "\"}");
    }

    /** A string field of the event's JSON object. */
    public static String field(RecordedEvent e, String name) {
        Object v = ((Map<?, ?>) Json.parseStrict(e.dataAsString(), 16, "data")).get(name);
        return v == null ? null : v instanceof BigDecimal d ? d.toPlainString() : v.toString();
    }

    public static long number(RecordedEvent e, String name) {
        return Long.parseLong(field(e, name));
    }

    // ------------------------------------------------------------------ definitions

    public static final Duration PAYMENT_TIMEOUT = Duration.ofMinutes(10);

    /** The order fulfilment process manager. */
    public static ProcessManager<Fulfilment> fulfilment() {
        return fulfilment("order-fulfilment");
    }

    public static ProcessManager<Fulfilment> fulfilment(String name) {
        return fulfilment(name, Duration.ZERO, new AtomicInteger());
    }

    /**
     * The order fulfilment process manager whose payment timeout takes {@code deadlineDelay} to
     * handle and counts its runs in {@code timeouts}.
     */
    public static ProcessManager<Fulfilment> fulfilment(String name, Duration deadlineDelay, AtomicInteger timeouts) {
        return ProcessManager.builder(name, JSON.codec(Fulfilment.class))
                .startedBy("OrderPlaced", e -> field(e, "orderId"), (e, ctx) -> {
                    String id = field(e, "orderId");
                    long amount = number(e, "amount");
                    ctx.send(new RequestPayment(id, amount));
                    ctx.schedule("payment-timeout", PAYMENT_TIMEOUT);
                    ctx.associateWith("invoice", field(e, "invoice"));
                    return new Fulfilment(id, "awaiting-payment", amount, 0, field(e, "invoice"));
                })
                .on("PaymentReceived", e -> field(e, "orderId"), (s, e, ctx) -> paid(s, number(e, "amount"), ctx))
                .on("InvoicePaid", "invoice", e -> field(e, "invoice"), (s, e, ctx) -> paid(s, number(e, "amount"), ctx))
                .on("OrderDelivered", e -> field(e, "orderId"), (s, e, ctx) -> {
                    ctx.end();
                    return s.with("delivered", s.paid());
                })
                .onDeadline("payment-timeout", (s, d, ctx) -> {
                    timeouts.incrementAndGet();
                    if (!deadlineDelay.isZero()) Thread.sleep(deadlineDelay.toMillis());
                    ctx.send(new CancelOrder(s.orderId(), "payment timeout"));
                    ctx.end();
                    return s.with("cancelled", s.paid());
                })
                .onCommandFailed((s, failed, ctx) -> s.with("attention", s.paid()))
                .commandRetry(Retry.of(3, Duration.ofMillis(10), Duration.ofMillis(40)))
                .build();
    }

    private static Fulfilment paid(Fulfilment s, long amount, ProcessContext ctx) {
        if (!s.status().equals("awaiting-payment")) {
            ctx.send(new RefundPayment(s.orderId(), amount));
            return s;
        }
        long paid = s.paid() + amount;
        if (paid >= s.amount()) {
            ctx.cancel("payment-timeout");
            ctx.send(new ShipOrder(s.orderId()));
            return s.with("paid", paid);
        }
        return s.with("awaiting-payment", paid);
    }

    /** Counts "Tick" events per key, acknowledging each. */
    public static ProcessManager<Tally> tally() {
        return ProcessManager.builder("tally", JSON.codec(Tally.class))
                .startedBy("Opened", e -> field(e, "key"), (e, ctx) -> new Tally(field(e, "key"), 0))
                .on("Tick", e -> field(e, "key"), (s, e, ctx) -> {
                    ctx.send(new Ack(s.key(), number(e, "n")));
                    return new Tally(s.key(), s.count() + 1);
                })
                .build();
    }

    /** How the checkout saga's steps behave: failures left per "step" or "step:compensation". */
    public static final class Behaviour {
        final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<Instant> times = Collections.synchronizedList(new ArrayList<>());

        public Behaviour fail(String what, int times) {
            failures.put(what, new AtomicInteger(times));
            return this;
        }

        void maybeFail(String what, Instant now) {
            calls.add(what);
            times.add(now);
            AtomicInteger left = failures.get(what);
            if (left != null && left.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
                throw new IllegalStateException(what + " failed on purpose");
            }
        }

        public List<String> calls() {
            return List.copyOf(calls);
        }
    }

    /** reserve (release) -> charge (refund) -> notify (nothing to undo) -> confirm. */
    public static Saga<Checkout> checkout(Behaviour b, Retry retry, Retry compensationRetry) {
        return Saga.builder("checkout", JSON.codec(Checkout.class))
                .startedBy("CheckoutRequested", e -> field(e, "orderId"), e -> new Checkout(field(e, "orderId"), List.of()))
                .step("reserve", (c, ctx) -> {
                    b.maybeFail("reserve", ctx.now());
                    ctx.dispatch(new Reserve(c.orderId()));
                    return c.plus("reserved");
                }, (c, ctx) -> {
                    b.maybeFail("reserve:compensation", ctx.now());
                    ctx.dispatch(new Release(c.orderId()));
                    return c.plus("released");
                })
                .step("charge", (c, ctx) -> {
                    b.maybeFail("charge", ctx.now());
                    ctx.dispatch(new Charge(c.orderId()));
                    return c.plus("charged");
                }, (c, ctx) -> {
                    b.maybeFail("charge:compensation", ctx.now());
                    ctx.dispatch(new Refund(c.orderId()));
                    return c.plus("refunded");
                })
                .step("notify", (c, ctx) -> {
                    b.maybeFail("notify", ctx.now());
                    return c.plus("notified");
                })
                .step("confirm", (c, ctx) -> {
                    b.maybeFail("confirm", ctx.now());
                    ctx.dispatch(new Confirm(c.orderId()));
                    return c.plus("confirmed");
                })
                .retry(retry)
                .compensationRetry(compensationRetry)
                .stepTimeout(Duration.ofMinutes(1))
                .build();
    }

    // ------------------------------------------------------------------ bus and clock

    /**
     * A command bus that records what reaches it: every dispatch (outermost) and every handler run
     * (after the idempotency middleware). Command types listed in {@link #failures} fail that many
     * handler runs.
     */
    public static final class Recorder {
        public final List<CommandMessage<?>> dispatched = Collections.synchronizedList(new ArrayList<>());
        public final List<CommandMessage<?>> handled = Collections.synchronizedList(new ArrayList<>());
        public final Map<Class<?>, AtomicInteger> failures = new ConcurrentHashMap<>();
        public final InMemoryIdempotencyStore keys;

        public Recorder() {
            this(new InMemoryIdempotencyStore());
        }

        /** Shares the idempotency store of another recorder: the same "database" of keys. */
        public Recorder(InMemoryIdempotencyStore keys) {
            this.keys = keys;
        }

        public CommandBus bus(CommandMiddleware... outer) {
            return bus(true, outer);
        }

        public CommandBus bus(boolean idempotent, CommandMiddleware... outer) {
            CommandBus.Builder b = CommandBus.builder();
            b.use((m, next) -> {
                dispatched.add(m);
                return next.proceed(m);
            });
            b.use(outer);
            if (idempotent) b.use(new IdempotencyMiddleware(keys, Duration.ofHours(1)));
            for (Class<?> type : COMMAND_TYPES) register(b, type);
            return b.build();
        }

        private <C> void register(CommandBus.Builder b, Class<C> type) {
            b.register(type, m -> {
                AtomicInteger left = failures.get(type);
                if (left != null && left.getAndUpdate(n -> n > 0 ? n - 1 : n) > 0) {
                    throw new IllegalStateException(type.getSimpleName() + " refused on purpose");
                }
                handled.add(m);
                return "ok:" + m.idempotencyKey();
            });
        }

        public List<Object> handledPayloads() {
            synchronized (handled) {
                return handled.stream().map(m -> (Object) m.payload()).toList();
            }
        }

        public List<String> handledKeys() {
            synchronized (handled) {
                return handled.stream().map(CommandMessage::idempotencyKey).toList();
            }
        }

        public <C> List<C> handled(Class<C> type) {
            synchronized (handled) {
                return handled.stream().map(CommandMessage::payload).filter(type::isInstance).map(type::cast).toList();
            }
        }
    }

    /** A clock tests move by hand. */
    public static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;

        public ManualClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        public ManualClock() {
            this(Instant.parse("2026-01-01T00:00:00Z"));
        }

        public void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    static <T, R> List<R> map(List<T> list, Function<T, R> f) {
        return list.stream().map(f).toList();
    }
}
