package dev.facta.server;

import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventStore;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sustained load from another process over loopback: {@link LoadGenerator} runs for 60 s with 16
 * clients appending and reading (and one following the log over SSE) against a server on the
 * embedded SQLite store in this JVM. It must see zero errors, every appended event must be stored and
 * delivered once, and the server's heap after a full GC at the end must not have grown past the
 * heap at 10 s by more than a generous margin: a leak check, not a performance assertion. The
 * throughput and latency it measured are printed.
 *
 * <p>{@code -Dfacta.load.seconds=N} shortens or lengthens the run (default 60), {@code -Dfacta.load.clients=N}
 * changes the number of clients (16), {@code -Dfacta.load.store=memory} measures the server without
 * the disk.
 */
class ServerLoadTest {
    static final int SECONDS = Integer.getInteger("facta.load.seconds", 60);
    static final int CLIENTS = Integer.getInteger("facta.load.clients", 16);
    static final String STORE = System.getProperty("facta.load.store", "sqlite");
    static final Pattern RESULT = Pattern.compile("requests=(\\d+) errors=(\\d+) events_appended=(\\d+) .*requests_per_s=(\\d+) "
            + "p50_ms=([\\d.]+) p99_ms=([\\d.]+) max_ms=([\\d.]+) sse_events=(\\d+)");

    @TempDir
    Path temp;

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void sixty_seconds_of_appends_and_reads_from_another_process_give_no_errors_and_a_flat_heap() throws Exception {
        try (EventStore store = STORE.equals("memory") ? new InMemoryEventStore() : SqliteEventStore.open(temp.resolve("facta.db"));
             // a short heartbeat, so the server notices soon that the generator's subscriber has gone
             FactaServer server = FactaServer.builder(store).heartbeat(java.time.Duration.ofSeconds(1)).build().start()) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process generator = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    LoadGenerator.class.getName(), server.url(), Integer.toString(SECONDS), Integer.toString(CLIENTS))
                    .redirectError(temp.resolve("generator.err").toFile()).start();
            CompletableFuture<List<String>> output = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(generator.getInputStream(), StandardCharsets.UTF_8))) {
                    return in.lines().toList();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            List<String> heapSeries = new ArrayList<>();
            Thread.sleep(Math.min(10, SECONDS / 6) * 1000L);
            long early = heapAfterGc();
            heapSeries.add(mib(early));
            long sampleEvery = Math.max(1, SECONDS / 6) * 1000L;
            while (!generator.waitFor(sampleEvery, TimeUnit.MILLISECONDS)) {
                heapSeries.add(mib(heapAfterGc()));
            }
            long late = heapAfterGc();
            heapSeries.add(mib(late));

            assertThat(generator.exitValue()).as(Files.readString(temp.resolve("generator.err"))).isZero();
            List<String> lines = output.get(30, TimeUnit.SECONDS);
            String result = lines.stream().filter(l -> l.startsWith("requests=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no result from the generator: " + lines));
            System.out.println("[load] " + result + " clients=" + CLIENTS + " store=" + STORE);
            System.out.println("[load] server heap after GC (MiB), from 10 s to the end: " + heapSeries);
            Matcher m = RESULT.matcher(result);
            assertThat(m.find()).as(result).isTrue();

            assertThat(Long.parseLong(m.group(2))).as("errors: " + lines).isZero();
            assertThat(Long.parseLong(m.group(1))).as("requests").isPositive();
            long appended = Long.parseLong(m.group(3));
            assertThat(store.headPosition()).as("every appended event is stored").isEqualTo(appended);
            assertThat(Long.parseLong(m.group(8))).as("the SSE follower saw every event").isEqualTo(appended);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.openSubscriptions() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(server.openSubscriptions()).as("the subscription ended with its client").isZero();
            assertThat(late).as("heap after GC at the end (%s) vs at 10 s (%s)", mib(late), mib(early))
                    .isLessThan(early + early / 2 + 48L * 1024 * 1024);
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f", bytes / (1024.0 * 1024.0));
    }
}
