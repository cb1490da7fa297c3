package dev.facta.cli;

import dev.facta.InvalidInputException;
import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.server.FactaServer;
import dev.facta.server.StateView;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The newcomer's first run, on the embedded default store: a short walkthrough of the event store (an
 * order's events with correlation and causation, an optimistic-concurrency conflict, the stream read
 * back, the global log by category), then the server with a small order domain loaded (a projection of
 * order summaries in a projection engine, a time-travel view of orders) and orders flowing in, until
 * Ctrl-C. Each run uses new orders, so it can be run again and again on the same file.
 */
@Command(name = "demo",
        description = {"Walk through the event store, then run the server with a small order domain and live traffic.",
                "Prints where to look: the admin UI's address and API examples. Runs until Ctrl-C (or --duration)."})
final class DemoCommand implements Callable<Integer> {
    static final String PROJECTION = "order-summaries";
    static final String COLLECTION = "order_summaries";

    @Mixin
    StoreOption store;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + ServeCommand.DEFAULT_PORT,
            description = "Port of the server; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "2",
            description = "About how many orders' actions (place, pay, ship) per second the traffic makes. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "Stop after this long (e.g. 30s, 5m) instead of waiting for Ctrl-C.")
    String duration;

    @Option(names = "--no-wait",
            description = "Start everything, print where to look, and stop at once (for scripts and CI).")
    boolean noWait;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() throws InterruptedException {
        out = spec.commandLine().getOut();
        Duration runFor = noWait ? Duration.ZERO : duration == null ? null : parseDuration(duration);
        if (rate <= 0 || rate > 1000) throw new InvalidInputException("rate", "--rate must be above 0 and at most 1000, got " + rate);
        if (port < 0 || port > 65_535) throw new InvalidInputException("port", "--port must be 0..65535, got " + port);

        EventStore es = Stores.openForWrite(store.url);
        Running running = null;
        boolean storeHandedOver = false;
        try {
            StreamId order = walkthrough(es);
            if (order == null) return Main.FAILED;
            storeHandedOver = true;
            running = Running.start(es, port, rate);
            printWhereToLook(running, order);
            running.awaitStop(runFor, out);
        } finally {
            // the running demo closes the store last, also when Ctrl-C stops it from the shutdown hook
            if (running != null) running.stop(out);
            else if (!storeHandedOver) es.close();
        }
        return Main.OK;
    }

    // ------------------------------------------------------------------ the walkthrough

    /** Steps 1-5 on one new order; the order's stream, or null when the store broke a promise. */
    private StreamId walkthrough(EventStore es) {
        String orderId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        StreamId order = StreamId.of("order", orderId);
        StreamId customer = StreamId.of("customer", "ada-" + orderId);
        String correlation = UUID.randomUUID().toString();
        String placeOrder = "cmd-PlaceOrder-" + orderId;
        String payOrder = "cmd-PayOrder-" + orderId;
        String shipOrder = "cmd-ShipOrder-" + orderId;

        out.println("Facta demo: one order's life as events, stored in " + es.describe());
        out.println();

        step(1, "A customer places an order. The command " + placeOrder + " produces three events,");
        say("appended in one atomic batch to the new stream " + order + " (expected version: no_stream).");
        Metadata placed = Metadata.empty().withCorrelationId(correlation).withCausationId(placeOrder);
        AppendResult created = es.append(order, ExpectedVersion.noStream(), List.of(
                EventData.of("OrderCreated", "{\"orderId\":\"" + orderId + "\",\"customer\":\"ada@example.com\",\"currency\":\"EUR\"}", placed),
                EventData.of("ItemAdded", "{\"sku\":\"BOOK-42\",\"title\":\"Designing Event Stores\",\"quantity\":1,\"unitPrice\":\"39.90\"}", placed),
                EventData.of("ItemAdded", "{\"sku\":\"MUG-7\",\"title\":\"Mug\",\"quantity\":2,\"unitPrice\":\"9.50\"}", placed)));
        say("-> versions 0..2 at global positions " + created.firstPosition() + ".." + created.lastPosition()
                + "; next expected version " + created.nextExpectedVersion());
        out.println();

        step(2, "Payment arrives (" + payOrder + "). It is caused by a new command but belongs to the same");
        say("conversation, so it keeps the correlation id " + correlation + ".");
        Metadata paid = Metadata.empty().withCorrelationId(correlation).withCausationId(payOrder);
        AppendResult payment = es.append(order, ExpectedVersion.exactly(created.nextExpectedVersion()),
                EventData.of("OrderPaid", "{\"amount\":\"58.90\",\"currency\":\"EUR\",\"method\":\"card\"}", paid));
        es.append(customer, ExpectedVersion.any(),
                EventData.of("LoyaltyPointsEarned", "{\"points\":59,\"orderId\":\"" + orderId + "\"}", paid));
        say("-> OrderPaid is version " + payment.nextExpectedVersion() + " of " + order
                + "; LoyaltyPointsEarned went to " + customer + " (another category)");
        out.println();

        step(3, "Optimistic concurrency. A clerk opened the order before it was paid (at version 2)");
        say("and now tries to cancel it, still expecting version 2:");
        try {
            es.append(order, ExpectedVersion.exactly(created.nextExpectedVersion()),
                    EventData.of("OrderCancelled", "{\"reason\":\"customer called\"}",
                            Metadata.empty().withCorrelationId(correlation).withCausationId("cmd-CancelOrder-" + orderId)));
            say("!! the stale cancellation was accepted; this store does not keep its promise");
            return null;
        } catch (WrongExpectedVersionException e) {
            say("-> refused: " + e.getMessage() + ". Nothing was written.");
            say("   The clerk re-reads the order, sees it is paid, and ships it at version " + e.actual() + " instead:");
        }
        AppendResult shipped = es.append(order, ExpectedVersion.exactly(payment.nextExpectedVersion()),
                EventData.of("OrderShipped", "{\"carrier\":\"DHL\",\"tracking\":\"JD0146" + orderId + "\"}",
                        Metadata.empty().withCorrelationId(correlation).withCausationId(shipOrder)));
        say("-> OrderShipped is version " + shipped.nextExpectedVersion());
        out.println();

        step(4, "Reading " + order + " back, oldest first (this is how an aggregate is rebuilt):");
        List<RecordedEvent> history = es.readStream(order);
        out.printf("     %-3s %-8s %-14s %-24s %s%n", "V", "POSITION", "TYPE", "CAUSED BY", "DATA");
        for (RecordedEvent e : history) {
            out.printf("     %-3d %-8d %-14s %-24s %s%n", e.version(), e.position(), e.type(),
                    e.metadata().causationId(), EventJson.data(e));
        }
        out.println();

        step(5, "The tail of the global log, filtered by category 'order' (what a projection of orders reads):");
        long head = es.headPosition();
        List<RecordedEvent> tail = new ArrayList<>();
        long from = Math.max(1, head - 50);
        AllSlice slice;
        do {
            slice = es.readAll(from, 1000, EventFilter.categories("order"));
            tail.addAll(slice.events());
            from = slice.next();
        } while (!slice.endOfLog());
        List<RecordedEvent> last = tail.subList(Math.max(0, tail.size() - 8), tail.size());
        for (RecordedEvent e : last) {
            out.printf("     #%-6d %-14s v%-3d %s%n", e.position(), e.stream(), e.version(), e.type());
        }
        say("(" + customer + " is not listed: its category is 'customer')");
        out.println();
        return order;
    }

    // ------------------------------------------------------------------ where to look

    private void printWhereToLook(Running running, StreamId order) {
        String url = running.server.url();
        String storeFlag = ServeCommand.storeFlag(store.url);
        step(6, "The projection '" + PROJECTION + "' folds every order into a summary document (collection "
                + COLLECTION + "),");
        say("and the server is up with new orders being placed, paid and shipped (about " + fmt(rate) + " actions a second):");
        out.println();
        out.println("  Admin UI:  " + running.server.adminUrl());
        out.println("  HTTP API:  " + url);
        out.println();
        out.println("Try, while it runs:");
        out.println("  curl -s " + url + "/streams/" + order);
        out.println("  curl -s '" + url + "/all?from=1&limit=5'");
        out.println("  curl -sN '" + url + "/subscribe/all?from=" + Math.max(1, running.events.headPosition()) + "'   (live, Ctrl-C to end)");
        out.println("  curl -s -X POST " + url + "/streams/order-mine -H 'Facta-Expected-Version: no_stream' \\");
        out.println("       -d '[{\"type\":\"OrderCreated\",\"data\":{\"customer\":\"you@example.com\",\"currency\":\"EUR\"}}]'");
        out.println("  curl -s " + url + "/metrics | grep facta_http_requests");
        out.println("In the admin UI: open a stream, follow the live log, watch " + PROJECTION
                + "'s lag, time-travel through " + order + ".");
        out.println("And with the CLI (in another terminal):");
        out.println("  ./facta stream show " + order + storeFlag);
        out.println("  ./facta projection status " + PROJECTION + storeFlag);
        if (Stores.isSqlite(store.url)) {
            out.println("Your events live in " + Stores.sqlitePath(store.url).toAbsolutePath().normalize()
                    + " (one SQLite file; delete it to start over).");
        } else if (Stores.isMemory(store.url)) {
            out.println("Your events live in memory: they are gone when the demo stops; run without --store to keep them in a file.");
        } else {
            out.println("Your events live in " + dev.facta.store.EventStores.redact(store.url) + ".");
        }
        out.println(noWait || duration != null ? "" : "Press Ctrl-C to stop.");
        out.flush();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private void step(int n, String text) {
        out.println(" " + n + ". " + text);
    }

    private void say(String text) {
        out.println("    " + text);
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or an ISO-8601 duration such as {@code PT30S}. */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            Duration d;
            if (t.startsWith("pt")) d = Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
            else if (t.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            else if (t.endsWith("s")) d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            else if (t.endsWith("m")) d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            else if (t.endsWith("h")) d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            else throw new NumberFormatException();
            if (d.isNegative()) throw new NumberFormatException();
            return d;
        } catch (RuntimeException e) {
            throw new InvalidInputException("duration", "--duration must be like 500ms, 30s, 5m or 1h, got '" + text + "'");
        }
    }

    // ------------------------------------------------------------------ the running demo

    /** The projection engine, the server and the traffic, stopped together exactly once, and then the store closed. */
    private static final class Running {
        final EventStore events;
        final ProjectionEngine engine;
        final FactaServer server;
        final Traffic traffic;
        final Thread trafficThread;
        final CountDownLatch stopped = new CountDownLatch(1);
        final AtomicBoolean stopping = new AtomicBoolean();
        Thread hook;

        private Running(EventStore events, ProjectionEngine engine, FactaServer server, Traffic traffic) {
            this.events = events;
            this.engine = engine;
            this.server = server;
            this.traffic = traffic;
            this.trafficThread = Thread.ofVirtual().name("facta-demo-traffic").start(traffic);
        }

        static Running start(EventStore es, int port, double rate) {
            ProjectionStore projections = FactaServer.projectionStoreFor(es);
            ProjectionEngine engine = ProjectionEngine.builder(es, projections).register(new OrderSummaries()).build().start();
            FactaServer server;
            try {
                server = ServeCommand.start(FactaServer.builder(es).port(port).projections(projections)
                        .projectionEngine(engine).stateView(new OrderStateView()), "127.0.0.1", port);
            } catch (RuntimeException e) {
                engine.close();
                es.close();
                throw e;
            }
            return new Running(es, engine, server, new Traffic(es, rate));
        }

        /** Waits for Ctrl-C, or for {@code runFor} when given. */
        void awaitStop(Duration runFor, PrintWriter out) throws InterruptedException {
            hook = new Thread(() -> stop(out), "facta-demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            if (runFor == null) {
                stopped.await();
            } else {
                stopped.await(runFor.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        void stop(PrintWriter out) {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            try {
                if (hook != null && Thread.currentThread() != hook) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException alreadyShuttingDown) {
                        // the hook runs this anyway
                    }
                }
                traffic.stop();
                try {
                    trafficThread.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                server.close();
                engine.close();
                events.close();
                out.println("Demo stopped after " + traffic.appended.get() + " events of live traffic.");
                out.flush();
            } finally {
                stopped.countDown();
            }
        }
    }

    // ------------------------------------------------------------------ the order domain

    /** One order as the projection keeps it and the time-travel view shows it. */
    record OrderSummary(String orderId, String customer, String currency, String status, int items, BigDecimal total,
                        String carrier, long version, String updatedAt) {

        static OrderSummary empty(String orderId) {
            return new OrderSummary(orderId, null, null, "new", 0, BigDecimal.ZERO.setScale(2), null, -1, null);
        }

        /** The summary after one more event of the order; events it does not know leave it as it is. */
        OrderSummary apply(RecordedEvent e) {
            JsonNode d = EventJson.MAPPER.readTree(e.data());
            String at = e.recordedAt().toString();
            return switch (e.type()) {
                case "OrderCreated" -> new OrderSummary(orderId, text(d, "customer", customer), text(d, "currency", currency),
                        "created", items, total, carrier, e.version(), at);
                case "ItemAdded" -> {
                    int quantity = d.path("quantity").asInt(1);
                    BigDecimal price = decimal(d.path("unitPrice"));
                    yield new OrderSummary(orderId, customer, currency, status, items + quantity,
                            total.add(price.multiply(BigDecimal.valueOf(quantity))), carrier, e.version(), at);
                }
                case "OrderPaid" -> new OrderSummary(orderId, customer, currency, "paid", items, total, carrier, e.version(), at);
                case "OrderShipped" -> new OrderSummary(orderId, customer, currency, "shipped", items, total,
                        text(d, "carrier", carrier), e.version(), at);
                case "OrderCancelled" -> new OrderSummary(orderId, customer, currency, "cancelled", items, total, carrier, e.version(), at);
                default -> new OrderSummary(orderId, customer, currency, status, items, total, carrier, e.version(), at);
            };
        }

        private static String text(JsonNode d, String field, String otherwise) {
            JsonNode v = d.get(field);
            return v == null || v.isNull() ? otherwise : v.asString();
        }

        private static BigDecimal decimal(JsonNode v) {
            try {
                return v.isMissingNode() || v.isNull() ? BigDecimal.ZERO : new BigDecimal(v.asString());
            } catch (NumberFormatException e) {
                return BigDecimal.ZERO;
            }
        }
    }

    private static String orderIdOf(StreamId stream) {
        String s = stream.value();
        int dash = s.indexOf('-');
        return dash < 0 ? s : s.substring(dash + 1);
    }

    /** Keeps one summary document per order stream, in the projection store's database. */
    static final class OrderSummaries implements Projection {
        private static final DocumentCodec<OrderSummary> CODEC = JacksonDocumentCodec.of(OrderSummary.class);

        @Override
        public String name() {
            return PROJECTION;
        }

        @Override
        public EventFilter filter() {
            return EventFilter.categories("order");
        }

        @Override
        public Set<String> collections() {
            return Set.of(COLLECTION);
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            String id = event.stream().value();
            context.collection(COLLECTION, CODEC).update(id, before ->
                    (before == null ? OrderSummary.empty(orderIdOf(event.stream())) : before).apply(event));
        }
    }

    /** The admin UI's time travel for {@code order-*} streams: the same fold as the projection. */
    static final class OrderStateView implements StateView {
        @Override
        public String category() {
            return "order";
        }

        @Override
        public String render(List<RecordedEvent> events) {
            OrderSummary state = events.isEmpty() ? OrderSummary.empty("") : OrderSummary.empty(orderIdOf(events.getFirst().stream()));
            for (RecordedEvent e : events) state = state.apply(e);
            return EventJson.MAPPER.writeValueAsString(state);
        }
    }

    /**
     * Live traffic: customers place orders (an OrderCreated and one to three ItemAdded in one append),
     * pay them, ship them, now and then cancel one; each order's events share a correlation id and name
     * the command that caused them. Every append expects the version it last wrote, like an application.
     */
    static final class Traffic implements Runnable {
        private static final System.Logger LOG = System.getLogger(DemoCommand.class.getName());
        private static final String[] CUSTOMERS = {"ada@example.com", "grace@example.com", "linus@example.com",
                "margaret@example.com", "alan@example.com", "barbara@example.com"};
        private static final String[][] PRODUCTS = {{"BOOK-42", "Designing Event Stores", "39.90"},
                {"MUG-7", "Mug", "9.50"}, {"PEN-3", "Fountain pen", "24.00"}, {"TEE-L", "T-shirt", "19.99"},
                {"CARD-1", "Gift card", "25.00"}};
        private static final String[] CARRIERS = {"DHL", "UPS", "La Poste", "PostNL"};

        private record Open(StreamId stream, long version, String status, String correlation) {
        }

        private final EventStore store;
        private final long pauseMillis;
        private final List<Open> open = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong appended = new AtomicLong();

        Traffic(EventStore store, double actionsPerSecond) {
            this.store = store;
            this.pauseMillis = Math.max(1, Math.round(1000 / actionsPerSecond));
        }

        void stop() {
            stop.set(true);
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop.get()) {
                try {
                    Thread.sleep(pauseMillis / 2 + random.nextLong(pauseMillis + 1));
                } catch (InterruptedException e) {
                    return;
                }
                if (stop.get()) return;
                try {
                    act(random);
                } catch (RuntimeException e) {
                    if (stop.get()) return;
                    LOG.log(System.Logger.Level.WARNING, "demo traffic: " + e.getMessage());
                }
            }
        }

        private void act(ThreadLocalRandom random) {
            if (open.size() < 3 || random.nextDouble() < 0.35) {
                place(random);
                return;
            }
            int i = random.nextInt(open.size());
            Open o = open.get(i);
            String orderId = orderIdOf(o.stream());
            Metadata m = Metadata.empty().withCorrelationId(o.correlation());
            if ("created".equals(o.status()) && random.nextDouble() < 0.1) {
                write(o.stream(), o.version(), EventData.of("OrderCancelled", "{\"reason\":\"changed their mind\"}",
                        m.withCausationId("cmd-CancelOrder-" + orderId)));
                open.remove(i);
            } else if ("created".equals(o.status())) {
                AppendResult r = write(o.stream(), o.version(), EventData.of("OrderPaid",
                        "{\"method\":\"" + (random.nextBoolean() ? "card" : "paypal") + "\"}", m.withCausationId("cmd-PayOrder-" + orderId)));
                open.set(i, new Open(o.stream(), r.nextExpectedVersion(), "paid", o.correlation()));
            } else {
                String carrier = CARRIERS[random.nextInt(CARRIERS.length)];
                write(o.stream(), o.version(), EventData.of("OrderShipped", "{\"carrier\":\"" + carrier + "\",\"tracking\":\""
                        + Long.toHexString(random.nextLong() & 0xffffffffL).toUpperCase(java.util.Locale.ROOT) + "\"}",
                        m.withCausationId("cmd-ShipOrder-" + orderId)));
                open.remove(i);
            }
        }

        private void place(ThreadLocalRandom random) {
            String orderId = HexFormat.of().toHexDigits(random.nextInt()).substring(2);
            StreamId stream = StreamId.of("order", orderId);
            String correlation = UUID.randomUUID().toString();
            Metadata m = Metadata.empty().withCorrelationId(correlation).withCausationId("cmd-PlaceOrder-" + orderId);
            List<EventData> events = new ArrayList<>();
            events.add(EventData.of("OrderCreated", "{\"orderId\":\"" + orderId + "\",\"customer\":\""
                    + CUSTOMERS[random.nextInt(CUSTOMERS.length)] + "\",\"currency\":\"EUR\"}", m));
            int lines = 1 + random.nextInt(3);
            for (int l = 0; l < lines; l++) {
                String[] p = PRODUCTS[random.nextInt(PRODUCTS.length)];
                events.add(EventData.of("ItemAdded", "{\"sku\":\"" + p[0] + "\",\"title\":\"" + p[1] + "\",\"quantity\":"
                        + (1 + random.nextInt(3)) + ",\"unitPrice\":\"" + p[2] + "\"}", m));
            }
            AppendResult r = store.append(stream, ExpectedVersion.noStream(), events);
            appended.addAndGet(events.size());
            open.add(new Open(stream, r.nextExpectedVersion(), "created", correlation));
            if (open.size() > 50) open.removeFirst();
        }

        private AppendResult write(StreamId stream, long version, EventData event) {
            AppendResult r = store.append(stream, ExpectedVersion.exactly(version), List.of(event));
            appended.incrementAndGet();
            return r;
        }
    }
}
