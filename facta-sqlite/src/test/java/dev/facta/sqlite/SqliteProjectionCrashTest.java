package dev.facta.sqlite;

import dev.facta.projection.Lease;
import dev.facta.projection.OnFailure;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionRecord;
import dev.facta.projection.Segments;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.AllSlice;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Projections on one SQLite file survive their process being killed (SIGKILL, in a second JVM, mid
 * batch) and are shared by engines in several processes: after every scenario the read model holds
 * every event exactly once, and the documents always match the checkpoints.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SqliteProjectionCrashTest {

    /** The lease lifetime of every engine here: a killed engine's segments are free after it. */
    static final Duration LEASE = Duration.ofSeconds(1);
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        for (AutoCloseable c : opened.reversed()) c.close();
    }

    private Path file() {
        return dir.resolve("facta.db");
    }

    private SqliteEventStore open() {
        SqliteEventStore s = SqliteEventStore.open(file());
        opened.add(s);
        return s;
    }

    private ProjectionEngine engine(SqliteEventStore events, String instance, int segments, long sleepMillis) {
        ProjectionEngine e = ProjectionEngine.builder(events, SqliteProjectionStore.on(events)).instanceId(instance)
                .pollInterval(Duration.ofMillis(20)).leaseTtl(LEASE)
                .register(new StreamCounter(sleepMillis), ProjectionOptions.builder().segments(segments).batchSize(20)
                        .onFailure(OnFailure.STOP).maxAttempts(1).build())
                .build();
        opened.add(e);
        return e.start();
    }

    /** Starts {@link OtherProcessProjector} in another JVM and waits until its engine runs. */
    private Process child(String instance, int segments, long sleepMillis) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OtherProcessProjector.class.getName(), file().toString(), instance, Integer.toString(segments),
                Long.toString(sleepMillis))
                .redirectError(dir.resolve(instance + ".err").toFile()).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
        assertThat(out.readLine()).as("%s started: %s", instance, Files.exists(dir.resolve(instance + ".err"))
                ? Files.readString(dir.resolve(instance + ".err")) : "").isEqualTo("ready");
        return p;
    }

    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback, no lease release
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    private static void append(SqliteEventStore events, String stream, int n) {
        List<EventData> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) batch.add(EventData.of("Counted", "{\"i\":" + i + "}"));
        events.append(StreamId.of(stream), ExpectedVersion.any(), batch);
    }

    private static List<RecordedEvent> log(SqliteEventStore events) {
        List<RecordedEvent> out = new ArrayList<>();
        long from = 1;
        while (true) {
            AllSlice slice = events.readAll(from, 1000, null);
            out.addAll(slice.events());
            if (slice.endOfLog()) return out;
            from = slice.next();
        }
    }

    /**
     * The documents are exactly what the checkpoints promise: each stream counted with the events of
     * its segment at or below that segment's checkpoint, no more, no fewer. Call it while nothing
     * else writes.
     */
    private static void assertDocumentsMatchCheckpoints(SqliteEventStore events) {
        SqliteProjectionStore store = SqliteProjectionStore.on(events);
        ProjectionRecord r = store.find(StreamCounter.KEY).orElseThrow();
        assertThat(r.parked()).as("no event was refused (out of order or twice)").isZero();
        assertThat(r.lastError()).isNull();
        Map<String, Long> expected = new TreeMap<>();
        for (RecordedEvent e : log(events)) {
            long checkpoint = r.checkpoints().get(Segments.of(e.stream(), r.segments()));
            if (e.position() <= checkpoint) expected.merge(e.stream().value(), 1L, Long::sum);
        }
        List<String> streams = new ArrayList<>();
        for (RecordedEvent e : log(events)) if (!streams.contains(e.stream().value())) streams.add(e.stream().value());
        Map<String, Long> actual = new TreeMap<>();
        for (var e : store.readModels().collection(StreamCounter.KEY.collection(StreamCounter.COLLECTION), DocumentCodec.json())
                .getMany(streams).entrySet()) {
            actual.put(e.getKey(), StreamCounter.field(e.getValue(), "count"));
            assertThat(StreamCounter.field(e.getValue(), "last")).isEqualTo(StreamCounter.field(e.getValue(), "count") - 1);
        }
        assertThat(actual).isEqualTo(expected);
    }

    private static void assertEveryEventOnce(SqliteEventStore events) {
        ProjectionRecord r = SqliteProjectionStore.on(events).find(StreamCounter.KEY).orElseThrow();
        assertThat(r.checkpoints()).allSatisfy(c -> assertThat(c).isEqualTo(events.headPosition()));
        assertDocumentsMatchCheckpoints(events);
    }

    private static Map<String, Integer> owners(SqliteEventStore events) {
        Map<String, Integer> out = new HashMap<>();
        for (Lease l : SqliteProjectionStore.on(events).leases(StreamCounter.KEY)) out.merge(l.owner(), 1, Integer::sum);
        return out;
    }

    @Test
    void a_process_killed_mid_catch_up_leaves_documents_that_match_its_checkpoint_and_a_restart_completes_them()
            throws Exception {
        SqliteEventStore events = open();
        for (int i = 0; i < 150; i++) append(events, "order-" + i % 15, 10);
        long head = events.headPosition();
        SqliteProjectionStore store = SqliteProjectionStore.on(events);

        Process doomed = child("doomed", 1, 2); // 2 ms per event: the catch-up takes seconds
        await("the other process is well into the catch-up",
                () -> store.find(StreamCounter.KEY).map(ProjectionRecord::position).orElse(0L) >= 300);
        kill(doomed);
        long checkpoint = store.find(StreamCounter.KEY).orElseThrow().position();
        assertThat(checkpoint).as("killed mid-way").isLessThan(head);
        assertDocumentsMatchCheckpoints(events);

        ProjectionEngine restarted = engine(events, "restarted", 1, 0);
        assertThat(restarted.awaitCaughtUp(StreamCounter.KEY.name(), PATIENCE)).isTrue();
        assertEveryEventOnce(events);

        append(events, "order-3", 5); // and it goes on live
        assertThat(restarted.awaitCaughtUp(StreamCounter.KEY.name(), PATIENCE)).isTrue();
        assertEveryEventOnce(events);
    }

    @Test
    void two_processes_share_four_segments_and_the_survivor_takes_over_when_the_other_is_killed() throws Exception {
        SqliteEventStore events = open();
        ProjectionEngine mine = engine(events, "parent", 4, 0);
        Process other = child("child", 4, 1);
        await("the two processes hold two segments each", () -> owners(events).equals(Map.of("parent", 2, "child", 2)));

        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; writing.get() && i < 5000; i++) {
                append(events, "order-" + i % 16, 1 + i % 3);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        SqliteProjectionStore store = SqliteProjectionStore.on(events);
        await("the other process has applied events", () -> {
            ProjectionRecord r = store.find(StreamCounter.KEY).orElseThrow();
            for (Lease l : store.leases(StreamCounter.KEY)) {
                if (l.owner().equals("child") && r.checkpoints().get(l.segment()) > 50) return true;
            }
            return false;
        });
        kill(other);
        await("the survivor holds every segment", () -> owners(events).equals(Map.of("parent", 4)));
        Thread.sleep(200); // events appended after the takeover, too
        writing.set(false);
        writer.join();
        assertThat(mine.awaitCaughtUp(StreamCounter.KEY.name(), PATIENCE)).isTrue();
        assertEveryEventOnce(events);
    }

    @Test
    void two_stores_on_one_file_each_appending_and_projecting_apply_every_event_once() throws Exception {
        SqliteEventStore first = open();
        SqliteEventStore second = open();
        ProjectionEngine a = engine(first, "engine-a", 4, 0);
        ProjectionEngine b = engine(second, "engine-b", 4, 0);
        await("each holds two segments", () -> owners(first).equals(Map.of("engine-a", 2, "engine-b", 2)));

        List<Thread> writers = new ArrayList<>();
        for (SqliteEventStore s : List.of(first, second)) {
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 300; i++) {
                    append(s, "order-" + i % 12, 1 + i % 2);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (Thread t : writers) t.join();
        assertThat(a.awaitCaughtUp(StreamCounter.KEY.name(), PATIENCE)).isTrue();
        assertThat(b.awaitCaughtUp(StreamCounter.KEY.name(), PATIENCE)).isTrue();
        assertEveryEventOnce(first);
        assertThat(owners(second)).isEqualTo(Map.of("engine-a", 2, "engine-b", 2));
    }
}
