package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.examples.oms.OmsServer;
import dev.facta.examples.oms.app.OmsApplication;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.app.OrderView;
import dev.facta.examples.oms.app.PaymentDetails;
import dev.facta.examples.oms.app.PlaceOrderRequest;
import dev.facta.examples.oms.app.RequestContext;
import dev.facta.examples.oms.app.StockLevel;
import dev.facta.examples.oms.app.TimelineEntry;
import dev.facta.examples.oms.contracts.orders.OrderEvent;
import dev.facta.examples.oms.orders.OmsJson;
import dev.facta.examples.oms.orders.Order;
import dev.facta.examples.oms.orders.Orders;
import dev.facta.serialization.EventSerializer;
import dev.facta.server.FactaServer;
import dev.facta.server.StateView;
import dev.facta.store.EventStores;
import dev.facta.store.RecordedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The newcomer's first run: the order management service of {@code examples/oms} on the embedded default store.
 * One order is walked through the checkout saga (reserve stock, take payment, confirm) and printed with its
 * timeline; a repeated request shows idempotency and a declined card shows the compensation. Then the service's
 * REST and gRPC APIs and Facta's server with the admin UI run while a small traffic generator places, pays,
 * cancels and refunds orders, until Ctrl-C (or {@code --duration}). Each run uses new order ids, so it can be run
 * again and again on the same file.
 */
@Command(name = "demo",
        description = {"Run the order management service (examples/oms) with the admin UI and live traffic.",
                "Walks one order through the checkout saga, then prints where to look. Runs until Ctrl-C (or --duration)."})
final class DemoCommand implements Callable<Integer> {
    static final String PROJECTION = "order-summaries";
    /** How long the demo's saga waits for a payment before it cancels the order: short, so timeouts show up. */
    static final Duration PAYMENT_TIMEOUT = Duration.ofSeconds(5);
    static final String[][] PRODUCTS = {{"BOOK_42", "39.90"}, {"MUG_7", "9.50"}, {"PEN_3", "24.00"}, {"TEE_L", "19.99"},
            {"CARD_1", "25.00"}};
    static final String[] CUSTOMERS = {"ada", "grace", "linus", "margaret", "alan", "barbara"};
    /** Stock is topped up to this whenever a SKU runs low, so the traffic keeps flowing. */
    static final int STOCK_TARGET = 200;

    @Mixin
    StoreOption store;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + ServeCommand.DEFAULT_PORT,
            description = "Port of Facta's server (HTTP API and admin UI); 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "8080",
            description = "Port of the order service's REST API; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--grpc-port", paramLabel = "N", defaultValue = "9090",
            description = "Port of the order service's gRPC API; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int grpcPort;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "2",
            description = "About how many actions (place, pay, cancel, refund an order) per second the traffic makes. Default: ${DEFAULT-VALUE}.")
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
        checkPort("port", port);
        checkPort("http-port", httpPort);
        checkPort("grpc-port", grpcPort);

        Running running = Running.start(store.url, port, httpPort, grpcPort, rate);
        try {
            out.println("Facta demo: the order management service (examples/oms) on " + running.oms.app().eventStore().describe());
            out.println();
            String order = walkthrough(running.oms.app());
            printWhereToLook(running, order);
            running.startTraffic();
            running.awaitStop(runFor);
        } finally {
            running.stop(out);
        }
        return Main.OK;
    }

    private static void checkPort(String name, int value) {
        if (value < 0 || value > 65_535) throw new InvalidInputException(name, "--" + name + " must be 0..65535, got " + value);
    }

    // ------------------------------------------------------------------ the walkthrough

    /** Steps 1-3: one order through the saga, a repeated request, a declined card. Returns the first order's id. */
    private String walkthrough(OmsApplication oms) {
        String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        topUp(oms, run);
        String orderId = "demo-" + run;
        StockLevel before = oms.stock("BOOK_42");

        step(1, "A customer orders 2 x BOOK_42 and 1 x MUG_7 and pays with a test card. The checkout saga reserves");
        say("the stock (inventory module), takes the payment (payment module) and confirms the order; the modules");
        say("talk only through commands and events:");
        PlaceOrderRequest request = new PlaceOrderRequest(orderId, "ada", "EUR", List.of(
                new PlaceOrderRequest.Line("BOOK_42", 2, new BigDecimal("39.90")),
                new PlaceOrderRequest.Line("MUG_7", 1, new BigDecimal("9.50"))),
                new PaymentDetails("card", "tok_visa"));
        RequestContext ctx = new RequestContext("demo-place-" + orderId, null, null);
        long started = System.nanoTime();
        oms.placeOrder(request, ctx);
        OrderView done = oms.awaitTerminal(orderId, Duration.ofSeconds(30));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        say("-> order " + orderId + " is " + done.status() + " after " + millis + " ms, total " + done.total() + " " + done.currency()
                + "; its timeline (the order stream's events):");
        List<TimelineEntry> timeline = oms.timeline(orderId);
        out.printf("     %-3s %-9s %-26s %s%n", "V", "POSITION", "TYPE", "CAUSED BY (command id)");
        for (TimelineEntry e : timeline) {
            out.printf("     %-3d %-9d %-26s %s%n", e.version(), e.position(), e.type(), e.causationId());
        }
        StockLevel after = oms.stock("BOOK_42");
        say("stock of BOOK_42: available " + before.available() + " -> " + after.available()
                + ", committed " + before.committed() + " -> " + after.committed());
        out.println();

        step(2, "The client did not see the answer and sends the same request again, with the same idempotency key:");
        OrderView again = oms.placeOrder(request, ctx);
        say("-> the first request's order (" + again.orderId() + "), nothing written twice: the stream still has "
                + oms.timeline(orderId).size() + " events");
        out.println();

        step(3, "Another order, paid with a card that is declined (tok_decline). The saga compensates: it releases");
        say("the stock it reserved and cancels the order:");
        String declinedId = "demo-" + run + "-declined";
        int mugBefore = oms.stock("MUG_7").available();
        oms.placeOrder(new PlaceOrderRequest(declinedId, "grace", "EUR",
                        List.of(new PlaceOrderRequest.Line("MUG_7", 3, new BigDecimal("9.50"))),
                        new PaymentDetails("card", PaymentDetails.DECLINE)),
                new RequestContext("demo-place-" + declinedId, null, null));
        OrderView declined = oms.awaitTerminal(declinedId, Duration.ofSeconds(30));
        say("-> " + declinedId + " is " + declined.status() + " (" + declined.reason() + "); stock of MUG_7 available "
                + mugBefore + " -> " + oms.stock("MUG_7").available() + " (reserved, then released)");
        say("   events: " + String.join(", ", oms.timeline(declinedId).stream().map(TimelineEntry::type).toList()));
        out.println();
        return orderId;
    }

    /** Brings every demo SKU up to {@link #STOCK_TARGET} available units. */
    static void topUp(OmsApplication oms, String run) {
        for (String[] p : PRODUCTS) {
            int available = oms.stock(p[0]).available();
            if (available < STOCK_TARGET / 4) {
                oms.restock(p[0], STOCK_TARGET - available, new RequestContext("demo-restock-" + p[0] + "-" + run + "-" + available, null, null));
            }
        }
    }

    // ------------------------------------------------------------------ where to look

    private void printWhereToLook(Running running, String order) {
        String api = running.oms.httpUrl();
        String facta = running.facta.url();
        String storeFlag = ServeCommand.storeFlag(store.url);
        step(4, "The service is up, with orders being placed, paid, cancelled and refunded (about " + fmt(rate)
                + " actions a second):");
        out.println();
        out.println("  Admin UI:  " + running.facta.adminUrl());
        out.println("  HTTP API:  " + facta + "   (Facta's event store API)");
        out.println("  Orders:    " + api + "   (the order service's REST API)");
        out.println("  gRPC:      " + running.oms.grpcTarget() + "   (facta.oms.v1.OrderService)");
        out.println("  Metrics:   " + api + "/metrics   (saga counters: oms_saga_*)");
        out.println();
        out.println("Try, while it runs:");
        out.println("  curl -s " + api + "/orders/" + order);
        out.println("  curl -s " + api + "/orders/" + order + "/timeline");
        out.println("  curl -s -X POST " + api + "/orders -H 'Idempotency-Key: try-1' -H 'Content-Type: application/json' \\");
        out.println("       -d '{\"customerId\":\"you\",\"currency\":\"EUR\",\"lines\":[{\"sku\":\"PEN_3\",\"quantity\":1,\"unitPrice\":\"24.00\"}],"
                + "\"payment\":{\"method\":\"card\",\"token\":\"tok_visa\"}}'");
        out.println("  curl -s " + api + "/customers/ada/orders");
        out.println("  curl -s " + api + "/stock/BOOK_42");
        out.println("  curl -s " + facta + "/streams/order-" + order);
        out.println("In the admin UI: open order-" + order + " and time-travel through it, follow the live log, watch the");
        out.println("projections' lag (" + PROJECTION + ", the checkout saga) and their dead letters.");
        out.println("And with the CLI (in another terminal):");
        out.println("  ./facta stream show order-" + order + storeFlag);
        out.println("  ./facta projection status " + PROJECTION + storeFlag);
        if (Stores.isSqlite(store.url)) {
            out.println("Your events live in " + Stores.sqlitePath(store.url).toAbsolutePath().normalize()
                    + " (one SQLite file; delete it to start over).");
        } else if (Stores.isMemory(store.url)) {
            out.println("Your events live in memory: they are gone when the demo stops; run without --store to keep them in a file.");
        } else {
            out.println("Your events live in " + EventStores.redact(store.url) + ".");
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
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.startsWith("pt")) d = Duration.parse(t.toUpperCase(Locale.ROOT));
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

    /** The order service, Facta's server and the traffic, stopped together exactly once. */
    private static final class Running {
        final OmsServer oms;
        final FactaServer facta;
        final Traffic traffic;
        Thread trafficThread;
        final CountDownLatch stopped = new CountDownLatch(1);
        final AtomicBoolean stopping = new AtomicBoolean();
        Thread hook;

        private Running(OmsServer oms, FactaServer facta, double rate) {
            this.oms = oms;
            this.facta = facta;
            this.traffic = new Traffic(oms.app(), rate);
        }

        static Running start(String url, int port, int httpPort, int grpcPort, double rate) {
            OmsConfig config = OmsConfig.builder(url).paymentTimeout(PAYMENT_TIMEOUT).build();
            OmsServer oms;
            try {
                oms = OmsServer.start(config, OmsServer.Settings.of(httpPort, grpcPort).withHost("127.0.0.1"));
            } catch (RuntimeException e) {
                throw portError(e, "--http-port " + httpPort + " or --grpc-port " + grpcPort);
            }
            try {
                OmsApplication app = oms.app();
                FactaServer facta = ServeCommand.start(FactaServer.builder(app.eventStore()).port(port).host("127.0.0.1")
                        .projections(app.projectionStore()).projectionEngine(app.projectionEngine())
                        .stateView(new OrderStateView()), "127.0.0.1", port);
                return new Running(oms, facta, rate);
            } catch (RuntimeException e) {
                oms.close();
                throw e;
            }
        }

        /** A port in use becomes one clear line; other failures pass unchanged. */
        private static RuntimeException portError(RuntimeException e, String ports) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.BindException) {
                    return new FactaException("cannot listen on " + ports + " (" + t.getMessage()
                            + "); is another service running there? Choose other ports with --http-port and --grpc-port");
                }
            }
            return e;
        }

        void startTraffic() {
            trafficThread = Thread.ofVirtual().name("facta-demo-traffic").start(traffic);
        }

        /** Waits for Ctrl-C, or for {@code runFor} when given. */
        void awaitStop(Duration runFor) throws InterruptedException {
            hook = new Thread(() -> stop(null), "facta-demo-shutdown");
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
                if (trafficThread != null) {
                    try {
                        trafficThread.join(Duration.ofSeconds(5));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                facta.close();
                oms.close();
                if (out != null) {
                    out.println("Demo stopped after " + traffic.placed.get() + " orders of live traffic ("
                            + traffic.actions.get() + " actions).");
                    out.flush();
                }
            } finally {
                stopped.countDown();
            }
        }
    }

    // ------------------------------------------------------------------ the admin UI's time travel

    /** The admin UI's time travel for {@code order-*} streams: the order aggregate's own fold, as JSON. */
    static final class OrderStateView implements StateView {
        private final EventSerializer serializer = OmsJson.serializer();

        @Override
        public String category() {
            return "order";
        }

        @Override
        public String render(List<RecordedEvent> events) {
            Order.State state = Order.DECIDER.initialState();
            for (RecordedEvent e : events) {
                if (!Orders.EVENT_TYPES.contains(e.type())) continue; // not the order service's: another application's event
                state = Order.DECIDER.evolve(state, serializer.deserialize(e.type(), e.data(), OrderEvent.class));
            }
            return EventJson.MAPPER.writeValueAsString(state);
        }
    }

    // ------------------------------------------------------------------ live traffic

    /**
     * Live traffic through the service's use cases, as a shop front would send them: customers place orders (most
     * paying at once with a test card, a few with a card that is declined or never answers, some paying later),
     * pay their reserved orders, now and then cancel one (before or after paying) or get a confirmed one refunded.
     * Every request carries its own idempotency key. Stock is topped up when it runs low.
     */
    static final class Traffic implements Runnable {
        private static final System.Logger LOG = System.getLogger(DemoCommand.class.getName());

        private final OmsApplication oms;
        private final long pauseMillis;
        private final List<String> recent = new ArrayList<>();
        /** Orders placed without a payment: the customer pays them later (or cancels). */
        private final java.util.Set<String> unpaid = new java.util.HashSet<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        private long sequence;
        final AtomicLong placed = new AtomicLong();
        final AtomicLong actions = new AtomicLong();

        Traffic(OmsApplication oms, double actionsPerSecond) {
            this.oms = oms;
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
                    actions.incrementAndGet();
                } catch (DomainRuleViolation e) {
                    // the order moved on meanwhile (the saga cancelled or confirmed it): a shop sees this too
                } catch (RuntimeException e) {
                    if (stop.get()) return;
                    LOG.log(System.Logger.Level.WARNING, "demo traffic: " + e.getMessage());
                }
            }
        }

        private RequestContext next(String what) {
            return new RequestContext("demo-" + run + "-" + (++sequence) + "-" + what, UUID.randomUUID().toString(), null);
        }

        private void act(ThreadLocalRandom random) {
            if (sequence % 50 == 0) topUp(oms, run + "-" + sequence);
            double dice = random.nextDouble();
            if (recent.size() < 3 || dice < 0.55) {
                place(random);
                return;
            }
            String orderId = recent.get(random.nextInt(recent.size()));
            OrderView order = oms.getOrder(orderId);
            switch (order.status()) {
                case RESERVED -> {
                    if (!unpaid.remove(orderId)) return; // its payment is on its way
                    if (dice < 0.9) oms.payOrder(orderId, new PaymentDetails("card", "tok_visa"), next("pay"));
                    else oms.cancelOrder(orderId, "changed their mind", next("cancel"));
                }
                case CONFIRMED -> {
                    if (dice < 0.8) oms.refundOrder(orderId, "damaged in transit", next("refund"));
                    else oms.cancelOrder(orderId, "ordered twice", next("cancel"));
                    recent.remove(orderId);
                }
                case CANCELLED, REFUNDED -> {
                    recent.remove(orderId);
                    unpaid.remove(orderId);
                }
                default -> {
                    // still on its way through the saga: leave it be
                }
            }
        }

        private void place(ThreadLocalRandom random) {
            String orderId = run + "-" + Long.toString(sequence + 1, 36);
            List<PlaceOrderRequest.Line> lines = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int i = 0; i < count; i++) {
                String[] p = PRODUCTS[random.nextInt(PRODUCTS.length)];
                if (lines.stream().noneMatch(l -> l.sku().equals(p[0]))) {
                    lines.add(new PlaceOrderRequest.Line(p[0], 1 + random.nextInt(3), new BigDecimal(p[1])));
                }
            }
            double card = random.nextDouble();
            PaymentDetails payment = card < 0.55 ? new PaymentDetails("card", "tok_visa")
                    : card < 0.62 ? new PaymentDetails("card", PaymentDetails.DECLINE)
                    : card < 0.66 ? new PaymentDetails("card", PaymentDetails.TIMEOUT)
                    : null;
            oms.placeOrder(new PlaceOrderRequest(orderId, CUSTOMERS[random.nextInt(CUSTOMERS.length)], "EUR", lines, payment),
                    next("place"));
            placed.incrementAndGet();
            recent.add(orderId);
            if (payment == null) unpaid.add(orderId);
            if (recent.size() > 40) unpaid.remove(recent.removeFirst());
        }
    }
}
