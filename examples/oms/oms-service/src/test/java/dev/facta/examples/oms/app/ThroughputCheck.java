package dev.facta.examples.oms.app;

import dev.facta.examples.oms.orders.OrderSummaries;
import dev.facta.examples.oms.orders.OrderSummary;
import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * By hand: places orders (with payment) in-process on PostgreSQL as fast as the service takes them and
 * measures how many per second are placed and completed through the checkout saga.
 *
 * <pre>
 * ./mvnw -q -B -o verify -pl examples/oms/oms-service -Dtest=ThroughputCheck -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Doms.throughput=true [-Doms.orders=20000 -Doms.concurrency=64 -Doms.skus=50 -Doms.segments=2 -Doms.batch=500 -Doms.dispatchers=2 -Doms.progress=true]
 * </pre>
 */
@EnabledIfSystemProperty(named = "oms.throughput", matches = "true")
class ThroughputCheck {

    @Test
    void ordersPerSecond() throws Exception {
        int orders = Integer.getInteger("oms.orders", 20_000);
        int concurrency = Integer.getInteger("oms.concurrency", 64);
        int skus = Integer.getInteger("oms.skus", 50);
        String url = System.getProperty("oms.store");
        String schema = null;
        if (url == null) {
            schema = PostgresTestDatabase.newSchema("oms_perf");
            url = PostgresTestDatabase.server().storeUrl(schema);
        }
        // a deadline longer than the run: the check measures capacity, so a backlog must not turn into timeouts
        OmsConfig config = OmsConfig.builder(url)
                .paymentTimeout(Duration.ofSeconds(Integer.getInteger("oms.paymentTimeoutSeconds", 600)))
                .sagaSegments(Integer.getInteger("oms.segments", 2))
                .sagaBatchSize(Integer.getInteger("oms.batch", 500))
                .sagaDispatchers(Integer.getInteger("oms.dispatchers", 2))
                .build();
        try (OmsApplication app = OmsApplication.start(config)) {
            for (int s = 0; s < skus; s++) app.restock("SKU" + s, 10_000_000, RequestContext.of("restock-" + s));
            Semaphore inFlight = new Semaphore(concurrency);
            AtomicInteger errors = new AtomicInteger();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            CountDownLatch placed = new CountDownLatch(orders);
            AtomicLong lastPlaced = new AtomicLong();
            long start = System.nanoTime();
            for (int i = 0; i < orders; i++) {
                inFlight.acquire();
                int n = i;
                Thread.ofVirtual().start(() -> {
                    long t0 = System.nanoTime();
                    try {
                        app.placeOrder(new PlaceOrderRequest("p" + n, "cust" + (n % 1000), "EUR",
                                List.of(new PlaceOrderRequest.Line("SKU" + (n % skus), 1, new BigDecimal("5.00"))),
                                new PaymentDetails("card", "tok_visa")), RequestContext.of("place-" + n));
                        latencies.add(System.nanoTime() - t0);
                    } catch (RuntimeException e) {
                        if (errors.incrementAndGet() < 5) e.printStackTrace();
                    } finally {
                        lastPlaced.set(System.nanoTime());
                        placed.countDown();
                        inFlight.release();
                    }
                });
            }
            placed.await();
            double placeSeconds = (lastPlaced.get() - start) / 1e9;
            var summaries = app.projectionStore().readModels().collection(OrderSummaries.stored(1), OrderSummaries.CODEC);
            long confirmed = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline) {
                confirmed = summaries.count(Query.where("status", Predicate.eq("CONFIRMED")));
                if (confirmed + errors.get() >= orders) break;
                if (Boolean.getBoolean("oms.progress")) {
                    var sagaStatus = app.sagaRuntime().engine().status();
                    System.out.printf("t=%.1fs confirmed=%d sagaLag=%s summariesLag=%s%n", (System.nanoTime() - start) / 1e9,
                            confirmed,
                            sagaStatus.stream().map(x -> x.key().name() + ":" + x.lagEvents()).toList(),
                            app.projectionEngine().status().stream().map(x -> x.lagEvents()).toList());
                    Thread.sleep(900);
                }
                Thread.sleep(100);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> sorted = new ArrayList<>(latencies);
            sorted.sort(null);
            double p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6;
            double p99 = sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.99)) / 1e6;
            System.out.printf("scenario=oms-checkout impl=facta store=postgres orders=%d placed_per_s=%.0f completed_per_s=%.0f"
                            + " seconds=%.2f errors=%d place_p50_ms=%.1f place_p99_ms=%.1f%n",
                    orders, orders / placeSeconds, confirmed / seconds, seconds, errors.get(), p50, p99);
            assertThat(errors.get()).isZero();
            assertThat(confirmed).isEqualTo(orders);
        } finally {
            if (schema != null) PostgresTestDatabase.dropSchema(schema);
        }
    }
}
