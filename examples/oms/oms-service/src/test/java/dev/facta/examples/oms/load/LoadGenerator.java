package dev.facta.examples.oms.load;

import dev.facta.examples.oms.api.grpc.v1.CreateOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.GetOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.Order;
import dev.facta.examples.oms.api.grpc.v1.OrderLine;
import dev.facta.examples.oms.api.grpc.v1.OrderServiceGrpc;
import dev.facta.examples.oms.api.grpc.v1.OrderStatus;
import dev.facta.examples.oms.api.grpc.v1.Payment;
import dev.facta.examples.oms.api.grpc.v1.RestockRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The order service's load generator, run as a process of its own against the service's gRPC API: it places
 * orders at a fixed rate (open loop: each order has its planned send time, and its latency counts from then, so a
 * slow service cannot hide its queueing), each with one line and a test card (most succeed, one in twenty is
 * declined so compensations run too), then waits until every placed order has reached a terminal state.
 *
 * <p>Output on stdout: one line per measurement in the benchmark format ({@code scenario=oms-place ...} for the
 * CreateOrder calls, {@code scenario=oms-complete ...} for placement to terminal state through the saga) and a
 * summary line {@code oms-load placed=... confirmed=... cancelled=... errors=... not_terminal=...} that the test
 * reads. Exit code 0 when every order was placed without error and ended terminal, else 1.
 *
 * <pre>
 * java -cp ... dev.facta.examples.oms.load.LoadGenerator --target 127.0.0.1:9090 --rate 1000 --seconds 60 \
 *     [--skus 500] [--max-in-flight 4000] [--drain 120] [--store postgres] [--run ID]
 * </pre>
 */
public final class LoadGenerator {
    static final Metadata.Key<String> IDEMPOTENCY_KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    static final CallOptions.Key<String> KEY = CallOptions.Key.create("idempotency-key");

    private final OrderServiceGrpc.OrderServiceStub stub;
    private final int rate;
    private final int seconds;
    private final int skus;
    private final int maxInFlight;
    private final int drainSeconds;
    private final String store;
    private final String run;

    private final AtomicInteger errors = new AtomicInteger();
    private final Map<String, Integer> errorKinds = new ConcurrentHashMap<>();

    LoadGenerator(Channel channel, Map<String, String> args) {
        this.stub = OrderServiceGrpc.newStub(ClientInterceptors.intercept(channel, new IdempotencyHeader()));
        this.rate = positive(args, "rate", 1000);
        this.seconds = positive(args, "seconds", 60);
        this.skus = positive(args, "skus", 500);
        this.maxInFlight = positive(args, "max-in-flight", 4000);
        this.drainSeconds = positive(args, "drain", 120);
        this.store = args.getOrDefault("store", "unknown");
        this.run = args.getOrDefault("run", Long.toString(ThreadLocalRandom.current().nextLong() & 0xffffffL, 36));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        String target = args.get("target");
        if (target == null) {
            System.err.println("usage: LoadGenerator --target HOST:PORT [--rate N] [--seconds N] [--skus N] [--max-in-flight N] [--drain N] [--store NAME] [--run ID]");
            System.exit(2);
        }
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024).build();
        int exit;
        try {
            exit = new LoadGenerator(channel, args).runAll();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        System.exit(exit);
    }

    int runAll() throws InterruptedException {
        restock();
        long total = (long) rate * seconds;
        String[] ids = new String[(int) total];
        long[] placeLatency = new long[(int) total];
        Arrays.fill(placeLatency, -1);
        Semaphore inFlight = new Semaphore(maxInFlight);
        CountDownLatch done = new CountDownLatch((int) total);
        AtomicLong throttled = new AtomicLong();
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long planned = start + i * period;
            long wait = planned - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            if (!inFlight.tryAcquire()) {
                throttled.incrementAndGet();
                inFlight.acquire();
            }
            int n = i;
            String orderId = run + "-" + Integer.toString(n, 36);
            ids[n] = orderId;
            CreateOrderRequest request = CreateOrderRequest.newBuilder()
                    .setOrderId(orderId)
                    .setCustomerId("customer-" + (n % 5000))
                    .setCurrency("EUR")
                    .addLines(OrderLine.newBuilder().setSku(sku(n)).setQuantity(1).setUnitPrice("12.50"))
                    .setPayment(Payment.newBuilder().setMethod("card").setToken(n % 20 == 7 ? "tok_decline" : "tok_visa"))
                    .build();
            stub.withOption(KEY, "place-" + orderId).createOrder(request, new StreamObserver<>() {
                @Override
                public void onNext(Order value) {
                    placeLatency[n] = System.nanoTime() - planned;
                }

                @Override
                public void onError(Throwable t) {
                    error("CreateOrder", t);
                    inFlight.release();
                    done.countDown();
                }

                @Override
                public void onCompleted() {
                    inFlight.release();
                    done.countDown();
                }
            });
        }
        long placingEnded = System.nanoTime();
        if (!done.await(drainSeconds, TimeUnit.SECONDS)) {
            System.err.println("oms-load: " + done.getCount() + " CreateOrder calls had no answer " + drainSeconds + " s after the last was sent");
        }
        double placingSeconds = (placingEnded - start) / 1e9;

        List<String> placed = new ArrayList<>();
        List<Long> placedLatencies = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            if (placeLatency[i] >= 0) {
                placed.add(ids[i]);
                placedLatencies.add(placeLatency[i]);
            }
        }
        Map<String, Order> finals = awaitTerminal(placed);
        long confirmed = finals.values().stream().filter(o -> o.getStatus() == OrderStatus.ORDER_STATUS_CONFIRMED).count();
        long cancelled = finals.values().stream().filter(o -> o.getStatus() == OrderStatus.ORDER_STATUS_CANCELLED).count();
        long notTerminal = placed.size() - finals.size();

        Instant first = null;
        Instant last = null;
        List<Long> completion = new ArrayList<>(finals.size());
        for (Order o : finals.values()) {
            Instant created = Instant.parse(o.getCreatedAt());
            Instant updated = Instant.parse(o.getUpdatedAt());
            completion.add(java.time.Duration.between(created, updated).toNanos());
            if (first == null || created.isBefore(first)) first = created;
            if (last == null || updated.isAfter(last)) last = updated;
        }
        double completeSeconds = first == null ? 0 : java.time.Duration.between(first, last).toNanos() / 1e9;

        System.out.println(line("oms-place", placed.size(), placingSeconds, placedLatencies));
        System.out.println(line("oms-complete", finals.size(), completeSeconds, completion));
        System.out.printf(Locale.ROOT, "oms-load rate=%d seconds=%d placed=%d confirmed=%d cancelled=%d errors=%d not_terminal=%d throttled=%d%s%n",
                rate, seconds, placed.size(), confirmed, cancelled, errors.get(), notTerminal, throttled.get(),
                errorKinds.isEmpty() ? "" : " error_kinds=" + errorKinds);
        return errors.get() == 0 && notTerminal == 0 && placed.size() == total ? 0 : 1;
    }

    /** Every SKU gets far more stock than the run can order, so no order is short by accident. */
    private void restock() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(skus);
        Semaphore window = new Semaphore(64);
        for (int s = 0; s < skus; s++) {
            window.acquire();
            stub.withOption(KEY, "restock-" + run + "-" + s).restock(RestockRequest.newBuilder().setSku(sku(s)).setQuantity(1_000_000).build(),
                    new Observer<>(v -> { }, t -> error("Restock", t), () -> {
                        window.release();
                        done.countDown();
                    }));
        }
        if (!done.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("restocking did not finish in 60 s");
        if (errors.get() > 0) throw new IllegalStateException("restocking failed: " + errorKinds);
    }

    private String sku(int n) {
        return "LOAD_" + run.toUpperCase(Locale.ROOT) + "_" + (n % skus);
    }

    /** Reads every order until it is terminal, in rounds, a bounded number of reads in flight. */
    private Map<String, Order> awaitTerminal(List<String> ids) throws InterruptedException {
        Map<String, Order> finals = new ConcurrentHashMap<>();
        List<String> pending = new ArrayList<>(ids);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            Semaphore window = new Semaphore(256);
            CountDownLatch round = new CountDownLatch(pending.size());
            for (String id : pending) {
                window.acquire();
                stub.getOrder(GetOrderRequest.newBuilder().setOrderId(id).build(), new Observer<>(o -> {
                    if (o.getStatus() == OrderStatus.ORDER_STATUS_CONFIRMED || o.getStatus() == OrderStatus.ORDER_STATUS_CANCELLED
                            || o.getStatus() == OrderStatus.ORDER_STATUS_REFUNDED) {
                        finals.put(id, o);
                    }
                }, t -> {
                    // an order the read model has not seen yet is NOT_FOUND for a moment: read it again next round
                }, () -> {
                    window.release();
                    round.countDown();
                }));
            }
            round.await();
            pending.removeIf(finals::containsKey);
            if (!pending.isEmpty()) Thread.sleep(250);
        }
        if (!pending.isEmpty()) {
            System.err.println("oms-load: " + pending.size() + " orders not terminal after " + drainSeconds + " s, e.g. "
                    + pending.subList(0, Math.min(5, pending.size())));
        }
        return new HashMap<>(finals);
    }

    private void error(String call, Throwable t) {
        errors.incrementAndGet();
        String kind = call + ":" + io.grpc.Status.fromThrowable(t).getCode();
        if (errorKinds.merge(kind, 1, Integer::sum) == 1) {
            System.err.println("oms-load: " + call + " failed: " + t);
        }
    }

    private String line(String scenario, int count, double seconds, List<Long> latenciesNanos) {
        long[] sorted = latenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format(Locale.ROOT, "scenario=%s impl=facta store=%s events=%d seconds=%.3f events_per_s=%d p50_ms=%.3f p99_ms=%.3f",
                scenario, store, count, seconds, seconds <= 0 ? 0 : Math.round(count / seconds),
                percentile(sorted, 0.50) / 1e6, percentile(sorted, 0.99) / 1e6);
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) throw new IllegalArgumentException("expected --name value, got " + argv[i]);
            args.put(argv[i].substring(2), argv[++i]);
        }
        return args;
    }

    private static int positive(Map<String, String> args, String name, int otherwise) {
        String v = args.get(name);
        if (v == null) return otherwise;
        int n = Integer.parseInt(v);
        if (n <= 0) throw new IllegalArgumentException("--" + name + " must be positive, got " + v);
        return n;
    }

    /** Puts each call's idempotency key (a call option) into its request headers. */
    private static final class IdempotencyHeader implements ClientInterceptor {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            String key = options.getOption(KEY);
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    if (key != null) headers.put(IDEMPOTENCY_KEY, key);
                    super.start(listener, headers);
                }
            };
        }
    }

    private record Observer<T>(java.util.function.Consumer<T> next, java.util.function.Consumer<Throwable> failed,
                               Runnable finished) implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
            next.accept(value);
        }

        @Override
        public void onError(Throwable t) {
            try {
                failed.accept(t);
            } finally {
                finished.run();
            }
        }

        @Override
        public void onCompleted() {
            finished.run();
        }
    }
}
