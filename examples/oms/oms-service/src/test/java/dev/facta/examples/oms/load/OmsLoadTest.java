package dev.facta.examples.oms.load;

import dev.facta.examples.oms.OmsServer;
import dev.facta.examples.oms.app.OmsApplication;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.app.StockLevel;
import dev.facta.examples.oms.orders.Checkout;
import dev.facta.examples.oms.orders.Returns;
import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.saga.SagaStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order service under load on PostgreSQL, driven from a separate process over loopback gRPC: the service runs
 * here, {@link LoadGenerator} in a child JVM places orders at a fixed rate for a fixed time and waits until each is
 * terminal. Bounded: {@code oms.load.rate} orders/s for {@code oms.load.seconds} (default 60), at most 4,000 calls in
 * flight, {@code oms.load.drain} seconds (default 120) for the last orders to finish. It proves zero errors, every
 * order terminal, no saga instance left active or with commands waiting, nothing parked as a dead letter, and stock
 * that adds up; it prints the measured rates and latencies in the benchmark format and asserts none of them.
 *
 * <p>The default rate, 300 orders/s, is what this 2-core machine completes with room to spare while it also runs
 * PostgreSQL and the generator (capacity measured at about 480 completed orders/s); {@code -Doms.load.rate=1000}
 * runs the target rate. The payment deadline is two minutes here, so that a backlog shows as latency instead
 * of turning into payment-timeout cancellations.
 */
class OmsLoadTest {
    private static final int SKUS = 500;
    private static final String RUN = "r" + Long.toString(System.nanoTime() & 0xffffff, 36);
    private static String schema;
    private static OmsServer server;

    @BeforeAll
    static void start() {
        schema = PostgresTestDatabase.newSchema("oms_load");
        server = OmsServer.start(OmsConfig.builder(PostgresTestDatabase.server().storeUrl(schema))
                        .paymentTimeout(java.time.Duration.ofMinutes(2)).build(),
                OmsServer.Settings.of(0, 0).withHost("127.0.0.1").withLogRequests(false));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }

    @Test
    void orders_placed_from_another_process_at_a_fixed_rate_all_end_terminal_without_errors() throws Exception {
        int rate = Integer.getInteger("oms.load.rate", 300);
        int seconds = Integer.getInteger("oms.load.seconds", 60);
        int drain = Integer.getInteger("oms.load.drain", 120);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-XX:+UseParallelGC",
                "-cp", System.getProperty("java.class.path"), LoadGenerator.class.getName(),
                "--target", "127.0.0.1:" + server.grpcPort(), "--rate", Integer.toString(rate), "--seconds", Integer.toString(seconds),
                "--store", "postgres", "--drain", Integer.toString(drain), "--skus", Integer.toString(SKUS), "--run", RUN));
        Process generator = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(generator.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                System.out.println("[oms-load] " + line);
                lines.add(line);
            }
        }
        assertThat(generator.waitFor(seconds + 2L * drain + 120, TimeUnit.SECONDS)).as("the generator ends within its bounds").isTrue();
        String summary = lines.stream().filter(l -> l.startsWith("oms-load ")).findFirst()
                .orElseThrow(() -> new AssertionError("no summary from the generator: " + lines));
        assertThat(generator.exitValue()).as(summary).isZero();
        assertThat(number(summary, "errors")).as(summary).isZero();
        assertThat(number(summary, "not_terminal")).as(summary).isZero();
        long placed = number(summary, "placed");
        long confirmed = number(summary, "confirmed");
        long cancelled = number(summary, "cancelled");
        assertThat(placed).as(summary).isEqualTo((long) rate * seconds);
        assertThat(confirmed + cancelled).as(summary).isEqualTo(placed);
        assertThat(cancelled).as("one order in twenty has a card that is declined").isEqualTo(placed / 20 + (placed % 20 > 7 ? 1 : 0));

        OmsApplication app = server.app();
        for (String saga : List.of(Checkout.NAME, Returns.NAME)) {
            assertThat(app.sagaRuntime().count(saga, SagaStatus.ACTIVE)).as(saga + " instances still active").isZero();
            assertThat(app.sagaRuntime().failedCommands(saga, 10)).as(saga + " failed commands").isEmpty();
        }
        long committed = 0;
        long reserved = 0;
        for (int s = 0; s < SKUS; s++) {
            StockLevel level = app.stock("LOAD_" + RUN.toUpperCase(Locale.ROOT) + "_" + s);
            committed += level.committed();
            reserved += level.reserved();
        }
        assertThat(committed).as("one unit committed per confirmed order").isEqualTo(confirmed);
        assertThat(reserved).as("nothing left reserved").isZero();
        for (String projection : app.projectionNames()) {
            assertThat(app.projectionEngine().deadLetters(projection)).as(projection + " dead letters").isEmpty();
        }
    }

    private static long number(String summary, String field) {
        Matcher m = Pattern.compile("\\b" + field + "=(\\d+)").matcher(summary);
        if (!m.find()) throw new AssertionError("no " + field + " in " + summary);
        return Long.parseLong(m.group(1));
    }
}
