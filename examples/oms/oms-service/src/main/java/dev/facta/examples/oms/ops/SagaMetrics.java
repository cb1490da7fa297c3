package dev.facta.examples.oms.ops;

import dev.facta.examples.oms.orders.Checkout;
import dev.facta.examples.oms.orders.Orders;
import dev.facta.saga.IssuedCommand;
import dev.facta.saga.SagaRuntime;
import dev.facta.saga.SagaStatus;
import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;
import dev.facta.subscription.EventSubscription;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The checkout saga's counters, derived from what was committed, so a transition that rolled back never counts:
 *
 * <ul>
 *   <li>{@code oms_saga_started_total}: {@code OrderPlaced} events (each order starts one checkout);</li>
 *   <li>{@code oms_saga_completed_total}: {@code OrderConfirmed} events (paid and stock committed);</li>
 *   <li>{@code oms_saga_compensated_total{reason}}: {@code OrderCancelled} events of checkouts that did not complete
 *       (stock released, a taken payment voided or refunded), tagged {@code out_of_stock}, {@code payment_declined},
 *       {@code payment_timeout} or {@code customer}; a cancellation after confirmation is the returns process, not a
 *       checkout compensation, and counts in {@code oms_returns_total{kind="cancel"}};</li>
 *   <li>{@code oms_saga_failed_total{saga}}: commands the process managers gave up on after their retries (parked
 *       for an operator, {@link SagaRuntime#failedCommands}); found by polling the runtime's committed state;</li>
 *   <li>{@code oms_order_events_total{type}}: every order event, by type;</li>
 *   <li>{@code oms_returns_total{kind}}: refunds and cancellations after confirmation, completed;</li>
 *   <li>{@code oms_saga_active{saga}}: instances still active (gauge, refreshed every poll).</li>
 * </ul>
 *
 * <p>The event counters follow the {@code order} category with an {@link EventSubscription} from the log's head when
 * the service starts: they count what happened while this process ran (as Prometheus counters should; after a
 * restart they start at zero and {@code rate()} handles it). Every replica follows the whole log, so each reports
 * the same numbers: aggregate replicas with {@code max}, not {@code sum}. The failed counter likewise notes the parked
 * commands present at start without counting them.
 */
public final class SagaMetrics implements AutoCloseable {
    public static final String STARTED = "oms.saga.started";
    public static final String COMPLETED = "oms.saga.completed";
    public static final String COMPENSATED = "oms.saga.compensated";
    public static final String FAILED = "oms.saga.failed";
    public static final String ACTIVE = "oms.saga.active";
    public static final String ORDER_EVENTS = "oms.order.events";
    public static final String RETURNS = "oms.returns";

    private static final System.Logger LOG = System.getLogger(SagaMetrics.class.getName());
    private static final Set<String> KNOWN_REASONS = Set.of(Checkout.OUT_OF_STOCK, Checkout.PAYMENT_DECLINED, Checkout.PAYMENT_TIMEOUT);
    /** The tag of a cancellation the customer asked for, whatever reason they wrote. */
    private static final String CUSTOMER = "customer";
    private static final int FAILED_PAGE = 1000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final MeterRegistry registry;
    private final SagaRuntime sagas;
    private final Counter started;
    private final Counter completed;
    private final Map<String, Counter> byType = new ConcurrentHashMap<>();
    /** Orders whose cancellation after confirmation is under way (between the request and the cancel). */
    private final Set<String> returning = ConcurrentHashMap.newKeySet();
    private final Set<String> seenFailures = new HashSet<>();
    private final Map<String, AtomicLong> active = new ConcurrentHashMap<>();
    private final EventSubscription subscription;
    private final Thread poller;
    private volatile boolean closed;

    private SagaMetrics(MeterRegistry registry, EventStore events, SagaRuntime sagas, Duration pollInterval) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.sagas = Objects.requireNonNull(sagas, "sagas");
        Objects.requireNonNull(events, "events");
        this.started = Counter.builder(STARTED).description("checkout sagas started (orders placed)").register(registry);
        this.completed = Counter.builder(COMPLETED).description("checkout sagas completed (orders confirmed)").register(registry);
        for (String reason : KNOWN_REASONS) compensated(reason);
        compensated(CUSTOMER);
        for (String name : sagas.names()) {
            failedCounter(name);
            AtomicLong value = new AtomicLong();
            active.put(name, value);
            Gauge.builder(ACTIVE, value, AtomicLong::get).description("process manager instances still active")
                    .tag("saga", name).register(registry);
        }
        returns("cancel");
        returns("refund");
        pollFailures(false);
        long from = events.headPosition() + 1;
        this.subscription = EventSubscription.toCategory(events, Orders.CATEGORY, from, this::count, Duration.ofMillis(500));
        this.poller = Thread.ofVirtual().name("oms-saga-metrics").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(pollInterval);
                } catch (InterruptedException e) {
                    return;
                }
                pollFailures(true);
            }
        });
    }

    /**
     * Starts counting: order events committed from now on, and the runtime's parked commands every {@code pollInterval}.
     */
    public static SagaMetrics bind(MeterRegistry registry, EventStore events, SagaRuntime sagas, Duration pollInterval) {
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new dev.facta.InvalidInputException("pollInterval", "the poll interval must be positive: " + pollInterval);
        }
        return new SagaMetrics(registry, events, sagas, pollInterval);
    }

    /** Where the event counters have read to (the next position), for tests that wait for them. */
    public long position() {
        return subscription.position();
    }

    private void count(RecordedEvent e) {
        String type = simpleType(e.type());
        byType.computeIfAbsent(type, t -> Counter.builder(ORDER_EVENTS).description("order events committed, by type")
                .tag("type", t).register(registry)).increment();
        String orderId = e.stream().toString();
        switch (type) {
            case "OrderPlaced" -> started.increment();
            case "OrderConfirmed" -> completed.increment();
            case "OrderCancellationRequested" -> {
                if (afterConfirmation(e)) returning.add(orderId);
            }
            case "OrderCancelled" -> {
                if (returning.remove(orderId)) {
                    returns("cancel").increment();
                } else {
                    compensated(reasonTag(e)).increment();
                }
            }
            case "OrderRefunded" -> returns("refund").increment();
            default -> {
                // other events move an order along without ending its checkout
            }
        }
    }

    private static boolean afterConfirmation(RecordedEvent e) {
        JsonNode flag = data(e).get("afterConfirmation");
        return flag != null && flag.asBoolean(false);
    }

    /** The saga's own reasons as they are; whatever a customer wrote is {@code customer}, so the tag's values stay few. */
    private static String reasonTag(RecordedEvent e) {
        JsonNode reason = data(e).get("reason");
        String r = reason == null || !reason.isString() ? "" : reason.stringValue();
        return KNOWN_REASONS.contains(r) ? r : CUSTOMER;
    }

    private static JsonNode data(RecordedEvent e) {
        try {
            return JSON.readTree(e.data());
        } catch (RuntimeException bad) {
            return JSON.createObjectNode();
        }
    }

    static String simpleType(String type) {
        int cut = Math.max(type.lastIndexOf('.'), type.lastIndexOf('$'));
        return cut < 0 ? type : type.substring(cut + 1);
    }

    private Counter compensated(String reason) {
        return Counter.builder(COMPENSATED).description("checkout sagas that ended compensated (order cancelled before confirmation)")
                .tag("reason", reason.toLowerCase(Locale.ROOT)).register(registry);
    }

    private Counter failedCounter(String saga) {
        return Counter.builder(FAILED).description("process manager commands given up after their retries (parked for an operator)")
                .tag("saga", saga).register(registry);
    }

    private Counter returns(String kind) {
        return Counter.builder(RETURNS).description("refunds and cancellations after confirmation, completed")
                .tag("kind", kind).register(registry);
    }

    /** Counts parked commands not seen before (or only notes them, at start), and refreshes the active gauges. */
    private synchronized void pollFailures(boolean count) {
        for (String name : sagas.names()) {
            try {
                for (IssuedCommand c : sagas.failedCommands(name, FAILED_PAGE)) {
                    if (seenFailures.add(name + "/" + c.instanceId() + "/" + c.sequence()) && count) {
                        failedCounter(name).increment();
                    }
                }
                AtomicLong a = active.get(name);
                if (a != null) a.set(sagas.count(name, SagaStatus.ACTIVE) + sagas.count(name, SagaStatus.RUNNING)
                        + sagas.count(name, SagaStatus.COMPENSATING));
            } catch (RuntimeException e) {
                if (!closed) LOG.log(System.Logger.Level.WARNING, "reading saga " + name + " for metrics failed; trying again later", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        poller.interrupt();
        subscription.close();
    }
}
