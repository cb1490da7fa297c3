package dev.facta.command;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.RetryPolicy;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandBusTest {

    record PlaceOrder(String customer, int quantity) implements Validatable {
        public void validate() {
            if (quantity <= 0) throw new InvalidInputException("quantity", "quantity must be positive");
        }
    }

    record CancelOrder(String orderId) {
    }

    @Test
    void a_command_reaches_its_one_handler_and_returns_a_typed_result_sync_or_async() throws Exception {
        try (CommandBus bus = CommandBus.builder()
                .register(PlaceOrder.class, c -> "order-for-" + c.payload().customer())
                .register(CancelOrder.class, c -> true)
                .build()) {
            String id = bus.dispatch(new PlaceOrder("ana", 1));
            assertThat(id).isEqualTo("order-for-ana");
            assertThat(bus.<Boolean>dispatchAsync(new CancelOrder("o-1")).get()).isTrue();
            assertThat(bus.handledTypes()).containsExactlyInAnyOrder(PlaceOrder.class, CancelOrder.class);
            assertThatThrownBy(() -> bus.dispatch("not a command")).isInstanceOf(NoHandlerException.class)
                    .hasMessageContaining("PlaceOrder");
        }
        assertThatThrownBy(() -> CommandBus.builder().register(CancelOrder.class, c -> 1).register(CancelOrder.class, c -> 2))
                .hasMessageContaining("already registered");
    }

    @Test
    void middleware_runs_in_the_order_it_was_added_around_the_handler() {
        List<String> trace = new ArrayList<>();
        CommandMiddleware a = (c, next) -> {
            trace.add("a>");
            Object r = next.proceed(c);
            trace.add("<a");
            return r;
        };
        CommandMiddleware b = (c, next) -> {
            trace.add("b>");
            Object r = next.proceed(c);
            trace.add("<b");
            return r;
        };
        CommandBus bus = CommandBus.builder().use(a, b).register(CancelOrder.class, c -> {
            trace.add("handler");
            return null;
        }).build();
        bus.dispatch(new CancelOrder("x"));
        assertThat(trace).containsExactly("a>", "b>", "handler", "<b", "<a");
    }

    @Test
    void an_invalid_command_never_reaches_its_handler() {
        AtomicInteger handled = new AtomicInteger();
        CommandBus bus = CommandBus.builder().use(new ValidationMiddleware())
                .register(PlaceOrder.class, c -> handled.incrementAndGet()).build();
        assertThatThrownBy(() -> bus.dispatch(new PlaceOrder("ana", 0)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("quantity"));
        assertThat(handled.get()).isZero();
        bus.dispatch(new PlaceOrder("ana", 2));
        assertThat(handled.get()).isEqualTo(1);
    }

    @Test
    void the_same_idempotency_key_from_eight_threads_at_once_runs_the_handler_exactly_once() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(new InMemoryIdempotencyStore(), Duration.ofMinutes(10)))
                .register(PlaceOrder.class, c -> {
                    runs.incrementAndGet();
                    Thread.sleep(50); // the others arrive while the first is still running
                    return "order-" + c.id();
                }).build();
        CommandMessage<PlaceOrder> msg = CommandMessage.of(new PlaceOrder("bo", 1)).withIdempotencyKey("req-42");
        Set<Object> results = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // each caller sends its own message (own id) with the same key, as retrying clients do
                CommandMessage<PlaceOrder> mine = CommandMessage.of(msg.payload()).withIdempotencyKey("req-42");
                futures.add(pool.submit(() -> {
                    start.await();
                    results.add(bus.dispatch(mine));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) f.get();
        }
        assertThat(runs.get()).isEqualTo(1);
        assertThat(results).hasSize(1);
        Object again = bus.dispatch(CommandMessage.of(new PlaceOrder("bo", 1)).withIdempotencyKey("req-42"));
        assertThat(results).containsExactly(again);
        assertThat(runs.get()).isEqualTo(1);
        bus.dispatch(CommandMessage.of(new PlaceOrder("bo", 1)).withIdempotencyKey("req-43"));
        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void a_failed_run_forgets_its_idempotency_key_so_a_retry_runs_again_and_keys_expire() {
        AtomicInteger runs = new AtomicInteger();
        java.time.Instant[] now = {java.time.Instant.parse("2026-01-01T00:00:00Z")};
        java.time.Clock clock = new java.time.Clock() {
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            public java.time.Clock withZone(java.time.ZoneId z) {
                return this;
            }

            public java.time.Instant instant() {
                return now[0];
            }
        };
        CommandBus bus = CommandBus.builder()
                .use(new IdempotencyMiddleware(new InMemoryIdempotencyStore(clock), Duration.ofMinutes(5), clock))
                .register(PlaceOrder.class, c -> {
                    if (runs.incrementAndGet() == 1) throw new IllegalStateException("payment service down");
                    return runs.get();
                }).build();
        var msg = CommandMessage.of(new PlaceOrder("cy", 1)).withIdempotencyKey("k");
        assertThatThrownBy(() -> bus.dispatch(msg)).hasMessage("payment service down");
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(2);
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(2);
        now[0] = now[0].plus(Duration.ofMinutes(6));
        assertThat((Integer) bus.dispatch(msg)).isEqualTo(3);
    }

    @Test
    void correlation_flows_from_command_to_event_metadata_and_across_async_dispatch() throws Exception {
        List<Metadata> seen = new ArrayList<>();
        try (CommandBus bus = CommandBus.builder().use(new CorrelationMiddleware())
                .register(CancelOrder.class, c -> {
                    synchronized (seen) {
                        seen.add(c.eventMetadata());
                    }
                    return c.id();
                }).build()) {
            var fresh = CommandMessage.of(new CancelOrder("o-1"));
            bus.dispatch(fresh);
            var followUp = CommandMessage.of(new CancelOrder("o-2")).withMetadata(Metadata.empty().withCorrelationId("conv-7").withTenant("acme"));
            bus.dispatchAsync(followUp).get();

            assertThat(seen.get(0).correlationId()).isEqualTo(fresh.id().toString());
            assertThat(seen.get(0).causationId()).isEqualTo(fresh.id().toString());
            assertThat(seen.get(1).correlationId()).isEqualTo("conv-7");
            assertThat(seen.get(1).causationId()).isEqualTo(followUp.id().toString());
            assertThat(seen.get(1).tenant()).isEqualTo("acme");
        }
    }

    @Test
    void a_command_without_a_tenant_is_refused_where_tenants_are_required() {
        CommandBus bus = CommandBus.builder().use(new TenantMiddleware()).register(CancelOrder.class, c -> "ok").build();
        assertThatThrownBy(() -> bus.dispatch(new CancelOrder("o"))).isInstanceOf(InvalidInputException.class);
        assertThat((String) bus.dispatch(CommandMessage.of(new CancelOrder("o")).withMetadata(Metadata.empty().withTenant("t1"))))
                .isEqualTo("ok");
    }

    @Test
    void lost_concurrency_races_are_retried_within_the_budget_and_then_reported() {
        AtomicInteger attempts = new AtomicInteger();
        var conflict = new WrongExpectedVersionException(StreamId.of("order-1"), ExpectedVersion.exactly(1), 2);
        CommandBus bus = CommandBus.builder().use(new LoggingMiddleware(), new RetryMiddleware(new RetryPolicy(3, Duration.ZERO, Duration.ZERO)))
                .register(CancelOrder.class, c -> {
                    if (attempts.incrementAndGet() < 3) throw conflict;
                    return "done after " + attempts.get();
                })
                .register(PlaceOrder.class, c -> {
                    throw conflict;
                }).build();
        assertThat((String) bus.dispatch(new CancelOrder("o"))).isEqualTo("done after 3");
        assertThatThrownBy(() -> bus.dispatch(new PlaceOrder("x", 1))).isSameAs(conflict);
    }
}
