package dev.facta.examples.oms.app;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.aggregate.RetryPolicy;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.command.CommandMiddleware;
import dev.facta.command.CorrelationMiddleware;
import dev.facta.command.IdempotencyMiddleware;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.InMemoryIdempotencyStore;
import dev.facta.command.LoggingMiddleware;
import dev.facta.command.ResultCodec;
import dev.facta.command.RetryMiddleware;
import dev.facta.command.ValidationMiddleware;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand;
import dev.facta.examples.oms.contracts.orders.OrderCommand;
import dev.facta.examples.oms.contracts.orders.OrderEvent;
import dev.facta.examples.oms.contracts.orders.OrderLine;
import dev.facta.examples.oms.contracts.orders.PaymentMethod;
import dev.facta.examples.oms.inventory.Inventory;
import dev.facta.examples.oms.inventory.StockLevelView;
import dev.facta.examples.oms.orders.Checkout;
import dev.facta.examples.oms.orders.OmsJson;
import dev.facta.examples.oms.orders.Order;
import dev.facta.examples.oms.orders.OrderQueries;
import dev.facta.examples.oms.orders.OrderSummaries;
import dev.facta.examples.oms.orders.OrderSummary;
import dev.facta.examples.oms.orders.Orders;
import dev.facta.examples.oms.orders.Returns;
import dev.facta.examples.oms.payment.Payments;
import dev.facta.examples.oms.payment.SimulatedCardGateway;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.kafka.KafkaPublisher;
import dev.facta.observability.MeteredProjection;
import dev.facta.observability.MetricsMiddleware;
import dev.facta.observability.StoreHealth;
import dev.facta.observability.TracingMiddleware;
import dev.facta.outbox.OutboxRelay;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresIdempotencyStore;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStatus;
import dev.facta.projection.ProjectionStore;
import dev.facta.query.QueryBus;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.SagaInstance;
import dev.facta.saga.SagaRuntime;
import dev.facta.saga.SagaStatus;
import dev.facta.server.FactaServer;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteIdempotencyStore;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The order management service in one process: the orders, inventory and payment contexts on one Facta
 * store, wired through a command bus, the checkout and returns process managers, and the order read
 * models. Start it with {@link #start(OmsConfig)}; the APIs call it through {@link OrderManagement}.
 *
 * <p>The command bus runs logging, correlation, (metrics, tracing,) validation, idempotency and retry
 * around every handler. Idempotency keys are kept in the store's own database for the customers'
 * requests (place, pay, cancel, refund, restock) and for returning sold stock; the saga's other commands
 * are idempotent by the aggregates' state (a reservation is keyed by its order, a payment exists once per
 * order, an order ignores a status it has passed), so a redelivered saga command changes nothing without
 * a round trip to the idempotency table.
 */
public final class OmsApplication implements OrderManagement, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OmsApplication.class.getName());
    private static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final int MAX_LINES = 100;
    private static final int MAX_TEXT = 200;
    private static final String CUSTOMER_REASON = "customer_request";
    /** Commands whose repeats the idempotency store catches: the customers' requests, and returning sold stock. */
    private static final Set<Class<?>> KEYED = Set.of(OrderCommand.PlaceOrder.class, OrderCommand.RequestPayment.class,
            OrderCommand.RequestCancellation.class, OrderCommand.RequestRefund.class, InventoryCommand.Restock.class,
            InventoryCommand.ReturnStock.class);

    private final OmsConfig config;
    private final EventStore store;
    private final ProjectionStore projections;
    private final IdempotencyStore idempotency;
    private final JacksonEventSerializer serializer;
    private final Orders orders;
    private final Inventory inventory;
    private final Payments payments;
    private final SimulatedCardGateway gateway;
    private final CommandBus commands;
    private final QueryBus queries;
    private final ProcessManager<Checkout.State> checkout;
    private final ProcessManager<Returns.State> returns;
    private final SagaRuntime sagas;
    private final ProjectionEngine engine;
    private final OutboxRelay relay;
    private final KafkaPublisher publisher;
    private final StoreHealth storeHealth;
    private volatile boolean closed;

    private OmsApplication(OmsConfig config, EventStore store) {
        this.config = config;
        this.store = store;
        ProjectionStore ps = FactaServer.projectionStoreFor(store);
        if (ps == null) throw new InvalidInputException("storeUrl", "the store " + store.describe() + " has no projection store");
        this.projections = ps;
        this.idempotency = idempotencyStoreFor(store);
        this.serializer = OmsJson.serializer();
        this.orders = new Orders(store, serializer);
        this.inventory = new Inventory(store, serializer);
        this.gateway = new SimulatedCardGateway(config.gatewayLatency());
        this.payments = new Payments(store, serializer, gateway);
        this.storeHealth = new StoreHealth(store, Duration.ofSeconds(2));

        CommandBus.Builder bus = CommandBus.builder().use(new LoggingMiddleware(), new CorrelationMiddleware());
        if (config.meterRegistry() != null) bus.use(new MetricsMiddleware(config.meterRegistry()));
        if (config.openTelemetry() != null) bus.use(new TracingMiddleware(config.openTelemetry()));
        IdempotencyMiddleware keys = new IdempotencyMiddleware(idempotency, Duration.ofDays(1));
        CommandMiddleware keyed = (command, next) -> KEYED.contains(command.payload().getClass())
                ? keys.handle(command, next) : next.proceed(command);
        bus.use(new ValidationMiddleware(), keyed, new RetryMiddleware(RetryPolicy.DEFAULT));
        orders.register(bus);
        inventory.register(bus);
        payments.register(bus);
        this.commands = bus.build();

        this.checkout = Checkout.definition(serializer, config.paymentTimeout());
        this.returns = Returns.definition(serializer);
        ProjectionOptions sagaOptions = SagaRuntime.Builder.defaultOptions().toBuilder()
                .segments(config.sagaSegments()).batchSize(config.sagaBatchSize()).build();
        SagaRuntime.Builder sb = SagaRuntime.builder(store, projections, commands)
                .commandCodec(OmsJson.commandCodec(serializer))
                .register(checkout, sagaOptions)
                .register(returns, SagaRuntime.Builder.defaultOptions().toBuilder().batchSize(config.sagaBatchSize()).build())
                .pollInterval(config.pollInterval())
                .concurrency(128)
                .dispatchers(config.sagaDispatchers());
        if (config.instanceId() != null) sb.instanceId(config.instanceId() + "-sagas");
        this.sagas = sb.build();

        OrderSummaries.createIndexes(projections.readModels(), 1);
        Projection summaries = new OrderSummaries(serializer);
        if (config.meterRegistry() != null) summaries = MeteredProjection.wrap(config.meterRegistry(), summaries);
        ProjectionEngine.Builder eb = ProjectionEngine.builder(store, projections).register(summaries,
                ProjectionOptions.builder().segments(1).batchSize(1000).maxAttempts(10)
                        .backoff(Duration.ofMillis(100), Duration.ofSeconds(10)).onFailure(OnFailure.STOP).build());
        if (config.instanceId() != null) eb.instanceId(config.instanceId() + "-projections");
        if (config.kafkaBootstrap() != null) {
            String topic = config.kafkaTopic();
            this.publisher = KafkaPublisher.builder(config.kafkaBootstrap()).topics(m -> topic).build();
            this.relay = OutboxRelay.builder("oms-kafka", publisher).filter(EventFilter.categories(Orders.CATEGORY)).build();
            relay.prepare(projections);
            relay.registerOn(eb);
        } else {
            this.publisher = null;
            this.relay = null;
        }
        this.engine = eb.build();
        this.queries = new OrderQueries(engine).register(QueryBus.builder()).build();
    }

    /** Opens the store and starts the process managers and projections. */
    public static OmsApplication start(OmsConfig config) {
        Objects.requireNonNull(config, "config");
        EventStore store = EventStores.open(config.storeUrl());
        OmsApplication app;
        try {
            app = new OmsApplication(config, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            app.sagas.start();
            app.engine.start();
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "order management service started on {0}", store.describe());
        return app;
    }

    private static IdempotencyStore idempotencyStoreFor(EventStore store) {
        EventStore s = store;
        while (s instanceof ForwardingEventStore f) s = f.underlying();
        return switch (s) {
            case SqliteEventStore sqlite -> new SqliteIdempotencyStore(sqlite, ResultCodec.scalars());
            case PostgresEventStore pg -> new PostgresIdempotencyStore(pg, ResultCodec.scalars());
            default -> new InMemoryIdempotencyStore();
        };
    }

    // ------------------------------------------------------------------ use cases

    @Override
    public OrderView placeOrder(PlaceOrderRequest request, RequestContext context) {
        Metadata metadata = check(context);
        if (request == null) throw new InvalidInputException("request", "an order is required");
        String orderId = request.orderId() == null ? UUID.randomUUID().toString() : checkOrderId(request.orderId());
        String customerId = text("customerId", request.customerId());
        String currency = request.currency();
        if (currency == null || !CURRENCY.matcher(currency).matches()) {
            throw new InvalidInputException("currency", "currency must be an ISO 4217 code of three capital letters, got " + currency);
        }
        List<PlaceOrderRequest.Line> lines = request.lines();
        if (lines == null || lines.isEmpty()) throw new InvalidInputException("lines", "an order needs at least one line");
        if (lines.size() > MAX_LINES) throw new InvalidInputException("lines", "an order has at most " + MAX_LINES + " lines");
        List<OrderLine> checked = new ArrayList<>(lines.size());
        Set<String> skus = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            PlaceOrderRequest.Line l = lines.get(i);
            String at = "lines[" + i + "]";
            if (l == null) throw new InvalidInputException(at, at + " is empty");
            String sku = Inventory.checkSku(at + ".sku", l.sku());
            if (!skus.add(sku)) throw new InvalidInputException(at + ".sku", "SKU " + sku + " is on two lines; put its quantity on one");
            if (l.quantity() <= 0) throw new InvalidInputException(at + ".quantity", at + ".quantity must be positive, got " + l.quantity());
            if (l.quantity() > 1_000_000) throw new InvalidInputException(at + ".quantity", at + ".quantity is at most 1000000");
            if (l.unitPrice() == null) throw new InvalidInputException(at + ".unitPrice", at + ".unitPrice is required");
            if (l.unitPrice().signum() < 0) throw new InvalidInputException(at + ".unitPrice", at + ".unitPrice must not be negative");
            if (l.unitPrice().scale() > 4) throw new InvalidInputException(at + ".unitPrice", at + ".unitPrice has more than 4 decimals");
            checked.add(new OrderLine(sku, l.quantity(), l.unitPrice()));
        }
        PaymentMethod payment = request.payment() == null ? null : payment("payment", request.payment());
        if (payment != null && checked.stream().map(OrderLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add).signum() <= 0) {
            throw new InvalidInputException("payment", "an order of total 0 cannot be paid by card");
        }
        String id = dispatch(new OrderCommand.PlaceOrder(orderId, customerId, currency, checked, payment), context, metadata);
        return view(id).orElseThrow(() -> new OrderNotFoundException(id));
    }

    @Override
    public OrderView payOrder(String orderId, PaymentDetails payment, RequestContext context) {
        Metadata metadata = check(context);
        String id = checkOrderId(orderId);
        PaymentMethod method = payment("payment", payment);
        return mutate(id, new OrderCommand.RequestPayment(id, method), context, metadata);
    }

    @Override
    public OrderView cancelOrder(String orderId, String reason, RequestContext context) {
        Metadata metadata = check(context);
        String id = checkOrderId(orderId);
        return mutate(id, new OrderCommand.RequestCancellation(id, reason(reason)), context, metadata);
    }

    @Override
    public OrderView refundOrder(String orderId, String reason, RequestContext context) {
        Metadata metadata = check(context);
        String id = checkOrderId(orderId);
        return mutate(id, new OrderCommand.RequestRefund(id, reason(reason)), context, metadata);
    }

    @Override
    public OrderView getOrder(String orderId) {
        String id = checkOrderId(orderId);
        Optional<OrderSummary> s = queries.query(new OrderQueries.FindOrder(id));
        if (s.isPresent()) return view(s.get());
        // the read model may not have the order yet right after it was placed
        return view(id).orElseThrow(() -> new OrderNotFoundException(id));
    }

    @Override
    public List<TimelineEntry> timeline(String orderId) {
        String id = checkOrderId(orderId);
        List<RecordedEvent> events = events(orders.repository().streamOf(id));
        if (events.isEmpty()) throw new OrderNotFoundException(id);
        List<TimelineEntry> out = new ArrayList<>(events.size());
        for (RecordedEvent e : events) {
            out.add(new TimelineEntry(e.version(), e.position(), e.type(), e.recordedAt(), e.dataAsString(),
                    e.metadata().correlationId(), e.metadata().causationId()));
        }
        return out;
    }

    @Override
    public CustomerOrders ordersOf(String customerId, int limit, String after) {
        String customer = text("customerId", customerId);
        if (limit < 1 || limit > 1000) throw new InvalidInputException("limit", "limit must be 1-1000, got " + limit);
        Long before = null;
        if (after != null && !after.isBlank()) {
            try {
                before = Long.parseLong(after);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("after", "after must be the 'next' of a previous page, got " + after);
            }
            if (before < 0) throw new InvalidInputException("after", "after must be the 'next' of a previous page, got " + after);
        }
        OrderQueries.CustomerPage page = queries.query(new OrderQueries.OrdersOfCustomer(customer, limit, before));
        List<OrderView> views = new ArrayList<>(page.orders().size());
        for (OrderSummary s : page.orders()) views.add(view(s));
        return new CustomerOrders(customer, views, page.next() == null ? null : String.valueOf(page.next()));
    }

    @Override
    public StockLevel stock(String sku) {
        StockLevelView v = inventory.stock(Inventory.checkSku("sku", sku));
        return new StockLevel(v.sku(), v.available(), v.reserved(), v.committed());
    }

    @Override
    public StockLevel restock(String sku, int quantity, RequestContext context) {
        Metadata metadata = check(context);
        String s = Inventory.checkSku("sku", sku);
        if (quantity <= 0) throw new InvalidInputException("quantity", "quantity must be positive, got " + quantity);
        if (quantity > 1_000_000_000) throw new InvalidInputException("quantity", "quantity is at most 1000000000");
        dispatch(new InventoryCommand.Restock(s, quantity), context, metadata);
        return stock(s);
    }

    @Override
    public HealthReport health() {
        Map<String, String> checks = new LinkedHashMap<>();
        StoreHealth.Health h = storeHealth.check();
        checks.put("store", h.status() == StoreHealth.Status.UP ? "up" : "down");
        boolean running = !closed;
        checks.put("projections", running && engine.status().stream().noneMatch(ProjectionStatus::stopped) ? "up" : "down");
        checks.put("sagas", running && sagas.engine() != null && sagas.engine().status().stream().noneMatch(ProjectionStatus::stopped)
                ? "up" : "down");
        boolean ready = checks.values().stream().allMatch("up"::equals);
        return new HealthReport(ready, checks);
    }

    // ------------------------------------------------------------------ for tests and operations

    /**
     * Waits until the order reaches a terminal state ({@code CONFIRMED}, {@code CANCELLED}, {@code REFUNDED})
     * in the read model and its process managers have nothing left to do, or until the timeout.
     *
     * @return the order's view at that point (terminal unless the time ran out)
     */
    public OrderView awaitTerminal(String orderId, Duration timeout) {
        return await(orderId, timeout, v -> v.status().terminal() && sagasIdle(orderId));
    }

    /** Waits until the order's read model shows the status, or until the timeout; returns the view then. */
    public OrderView awaitStatus(String orderId, OrderView.Status status, Duration timeout) {
        return await(orderId, timeout, v -> v.status() == status);
    }

    private OrderView await(String orderId, Duration timeout, java.util.function.Predicate<OrderView> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            OrderView v = getOrder(orderId);
            if (done.test(v) || System.nanoTime() >= deadline) return v;
            sleep(10);
        }
    }

    /** Whether no process manager instance of the order is active or has commands waiting. */
    public boolean sagasIdle(String orderId) {
        for (String pm : List.of(Checkout.NAME, Returns.NAME)) {
            Optional<SagaInstance<?>> i = sagas.instance(pm, orderId);
            if (i.isPresent() && i.get().status() != SagaStatus.ENDED) return false;
            if (!sagas.commands(pm, orderId).isEmpty()) return false;
        }
        return true;
    }

    public OmsConfig config() {
        return config;
    }

    public EventStore eventStore() {
        return store;
    }

    public ProjectionStore projectionStore() {
        return projections;
    }

    /** The engine of the order read models (and the Kafka relay); the saga runtime has its own ({@code sagaRuntime().engine()}). */
    public ProjectionEngine projectionEngine() {
        return engine;
    }

    public SagaRuntime sagaRuntime() {
        return sagas;
    }

    public CommandBus commandBus() {
        return commands;
    }

    public QueryBus queryBus() {
        return queries;
    }

    public IdempotencyStore idempotencyStore() {
        return idempotency;
    }

    public ProcessManager<Checkout.State> checkout() {
        return checkout;
    }

    public ProcessManager<Returns.State> returns() {
        return returns;
    }

    public SimulatedCardGateway gateway() {
        return gateway;
    }

    /** The outbox relay publishing order events to Kafka, when configured. */
    public Optional<OutboxRelay> kafkaRelay() {
        return Optional.ofNullable(relay);
    }

    /** The projection names this application runs (read models, relay, process managers). */
    public List<String> projectionNames() {
        List<String> names = new ArrayList<>();
        names.add(OrderSummaries.NAME);
        if (relay != null) names.add(relay.name());
        names.add(Checkout.NAME);
        names.add(Returns.NAME);
        return names;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            engine.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the projection engine failed: " + e, e);
        }
        try {
            sagas.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the saga runtime failed: " + e, e);
        }
        commands.close();
        queries.close();
        if (publisher != null) publisher.close();
        store.close();
    }

    // ------------------------------------------------------------------ helpers

    private OrderView mutate(String orderId, OrderCommand command, RequestContext context, Metadata metadata) {
        dispatch(command, context, metadata);
        return view(orderId).orElseThrow(() -> new OrderNotFoundException(orderId));
    }

    private <R> R dispatch(Object command, RequestContext context, Metadata metadata) {
        try {
            return commands.dispatch(CommandMessage.of(command).withMetadata(metadata).withIdempotencyKey(context.idempotencyKey()));
        } catch (Order.NotFound e) {
            throw new OrderNotFoundException(e.orderId());
        }
    }

    /** The order right now, folded from its stream (the read model may lag). */
    private Optional<OrderView> view(String orderId) {
        List<RecordedEvent> events = events(StreamId.of(Orders.CATEGORY, orderId));
        if (events.isEmpty()) return Optional.empty();
        Order.State s = Order.State.EMPTY;
        for (RecordedEvent e : events) s = Order.DECIDER.evolve(s, serializer.deserialize(e.type(), e.data(), OrderEvent.class));
        RecordedEvent last = events.getLast();
        return Optional.of(new OrderView(s.orderId(), s.customerId(), OrderView.Status.valueOf(s.status().name()), s.currency(),
                lines(s.lines()), s.total(), s.paymentId(), s.refunded(), s.reason(), last.version(),
                events.getFirst().recordedAt(), last.recordedAt()));
    }

    private List<RecordedEvent> events(StreamId stream) {
        try {
            return store.readStream(stream);
        } catch (StreamNotFoundException e) {
            return List.of();
        }
    }

    private static OrderView view(OrderSummary s) {
        return new OrderView(s.orderId(), s.customerId(), OrderView.Status.valueOf(s.status()), s.currency(), lines(s.lines()),
                s.total(), s.paymentId(), s.refunded(), s.reason(), s.version(), s.createdAt(), s.updatedAt());
    }

    private static List<PlaceOrderRequest.Line> lines(List<OrderLine> lines) {
        return lines.stream().map(l -> new PlaceOrderRequest.Line(l.sku(), l.quantity(), l.unitPrice())).toList();
    }

    private static Metadata check(RequestContext context) {
        if (context == null) throw new InvalidInputException("idempotencyKey", "a request context with an idempotency key is required");
        String key = context.idempotencyKey();
        if (key == null || key.isBlank() || key.length() > MAX_TEXT) {
            throw new InvalidInputException("idempotencyKey", "an idempotency key of 1-" + MAX_TEXT + " characters is required");
        }
        Metadata m = Metadata.empty();
        if (context.correlationId() != null && !context.correlationId().isBlank()) {
            if (context.correlationId().length() > MAX_TEXT) {
                throw new InvalidInputException("correlationId", "a correlation id has at most " + MAX_TEXT + " characters");
            }
            m = m.withCorrelationId(context.correlationId());
        }
        if (context.tenant() != null && !context.tenant().isBlank()) m = m.withTenant(context.tenant());
        return m;
    }

    private static String checkOrderId(String orderId) {
        if (orderId == null || !ORDER_ID.matcher(orderId).matches()) {
            throw new InvalidInputException("orderId", "an order id is 1-100 letters, digits, '.', '_' or '-', got " + orderId);
        }
        return orderId;
    }

    private static String text(String field, String value) {
        if (value == null || value.isBlank()) throw new InvalidInputException(field, field + " is required");
        if (value.length() > MAX_TEXT) throw new InvalidInputException(field, field + " has at most " + MAX_TEXT + " characters");
        return value;
    }

    private static PaymentMethod payment(String field, PaymentDetails p) {
        if (p == null) throw new InvalidInputException(field, "payment details are required");
        String method = p.method() == null || p.method().isBlank() ? "card" : text(field + ".method", p.method());
        return new PaymentMethod(method, text(field + ".token", p.token()));
    }

    private static String reason(String reason) {
        if (reason == null || reason.isBlank()) return CUSTOMER_REASON;
        if (reason.length() > MAX_TEXT) throw new InvalidInputException("reason", "a reason has at most " + MAX_TEXT + " characters");
        return reason;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FactaException("interrupted", e);
        }
    }
}
