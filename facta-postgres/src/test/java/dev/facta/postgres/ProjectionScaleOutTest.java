package dev.facta.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.facta.projection.Lease;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.AllSlice;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * One projection of 8 segments shared by engines in separate "processes" (each its own event store,
 * projection store, engine and connection pool): two start, a third joins while events flow, then
 * one of the first two is killed without grace (its pool closed: no lease released, no renewal, no
 * goodbye). Its segments must move to the live engines once its leases expire, and every event must
 * still be applied exactly once, in stream order.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProjectionScaleOutTest {

    private static final ProjectionKey KEY = new ProjectionKey("scale", 1);
    private static final int SEGMENTS = 8;
    private static final Duration TTL = Duration.ofSeconds(1);

    private String schema;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void schema() {
        schema = PostgresTestDatabase.newSchema("facta_scale");
    }

    @AfterEach
    void cleanUp() {
        for (AutoCloseable c : opened.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the killed process's pool is gone already
            }
        }
        PostgresTestDatabase.dropSchema(schema);
    }

    private <T extends AutoCloseable> T open(T c) {
        opened.add(c);
        return c;
    }

    /** One application instance: its own pool, stores and engine. */
    private record Process(String id, HikariDataSource pool, ProjectionEngine engine, StreamTally tally) {
    }

    private Process process(String id) {
        HikariDataSource pool = TestPools.pool("scale-" + id, 8, schema);
        opened.add(pool);
        PostgresEventStore events = open(PostgresEventStore.builder().dataSource(pool).schema(schema).build());
        StreamTally tally = new StreamTally(KEY.name(), (batch, context) -> {
        });
        ProjectionEngine engine = open(ProjectionEngine.builder(events, new PostgresProjectionStore(pool, schema))
                .instanceId(id).pollInterval(Duration.ofMillis(50)).leaseTtl(TTL)
                .register(tally, ProjectionOptions.builder().segments(SEGMENTS).batchSize(100).build()).build().start());
        return new Process(id, pool, engine, tally);
    }

    private static void await(String what, Duration patience, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void segments_move_to_live_engines_and_every_event_is_applied_exactly_once() throws Exception {
        PostgresEventStore writerA = open(PostgresTestDatabase.storeBuilder(schema).poolSize(4).build());
        PostgresEventStore writerB = open(PostgresTestDatabase.storeBuilder(schema).poolSize(4).build());
        HikariDataSource observerPool = TestPools.pool("scale-observer", 3, schema);
        opened.add(observerPool);
        PostgresProjectionStore observer = new PostgresProjectionStore(observerPool, schema);

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger appends = new AtomicInteger();
        Queue<Throwable> writeFailures = new ConcurrentLinkedQueue<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            PostgresEventStore store = w % 2 == 0 ? writerA : writerB;
            writers.add(Thread.ofPlatform().name("scale-writer-" + w).start(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (writing.get()) {
                    int n = 1 + r.nextInt(3);
                    List<EventData> batch = new ArrayList<>();
                    for (int i = 0; i < n; i++) batch.add(StreamTally.event(i));
                    try {
                        store.append(StreamId.of("acct-" + r.nextInt(400)), ExpectedVersion.any(), batch);
                        appends.incrementAndGet();
                    } catch (RuntimeException e) {
                        writeFailures.add(e);
                    }
                }
            }));
        }

        Process a = process("engine-a");
        Process b = process("engine-b");
        await("engines a and b hold every segment", Duration.ofSeconds(20),
                () -> owners(observer).size() == SEGMENTS && Set.of("engine-a", "engine-b").containsAll(owners(observer).values()));
        Thread.sleep(1_500);

        Process c = process("engine-c");
        await("engine c joins and takes segments over", Duration.ofSeconds(20),
                () -> owners(observer).containsValue("engine-c"));
        Thread.sleep(1_500);

        Map<Integer, String> before = owners(observer);
        System.out.println("[scale-out] segments before the kill: " + before);
        // kill a: its pool closes under it; its leases stay until they expire
        a.pool().close();
        long killedAt = System.nanoTime();
        await("every segment is held by a live engine", Duration.ofSeconds(30), () -> {
            Map<Integer, String> now = owners(observer);
            return now.size() == SEGMENTS && !now.containsValue("engine-a");
        });
        long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.println("[scale-out] engine-a held " + before.values().stream().filter("engine-a"::equals).count()
                + " segments; all were held by live engines " + takeoverMs + " ms after it was killed (lease ttl "
                + TTL.toMillis() + " ms)");

        Thread.sleep(1_500);
        writing.set(false);
        for (Thread t : writers) t.join(30_000);
        assertThat(b.engine().awaitCaughtUp(KEY.name(), Duration.ofSeconds(40))).as("caught up").isTrue();

        // ---- every event exactly once, in stream order
        Map<String, Long> inLog = new HashMap<>();
        Map<String, Long> lastInLog = new HashMap<>();
        long from = 1;
        while (true) {
            AllSlice slice = writerA.readAll(from, 5_000, null);
            for (RecordedEvent e : slice.events()) {
                inLog.merge(e.stream().value(), 1L, Long::sum);
                lastInLog.merge(e.stream().value(), e.version(), Math::max);
            }
            if (slice.endOfLog()) break;
            from = slice.next();
        }
        Map<String, Long> applied = new HashMap<>();
        Map<String, Long> lastApplied = new HashMap<>();
        for (var e : observer.readModels().collection(KEY.collection(StreamTally.COLLECTION), DocumentCodec.json())
                .getMany(inLog.keySet()).entrySet()) {
            StreamTally.Tally t = StreamTally.parse(e.getValue());
            applied.put(e.getKey(), t.count());
            lastApplied.put(e.getKey(), t.last());
        }
        System.out.println("[scale-out] " + appends.get() + " appends, " + inLog.values().stream().mapToLong(Long::longValue).sum()
                + " events over " + inLog.size() + " streams");
        assertThat(writeFailures).isEmpty();
        assertThat(applied).as("every event applied exactly once").isEqualTo(inLog);
        assertThat(lastApplied).isEqualTo(lastInLog);
        for (Process p : List.of(a, b, c)) assertThat(p.tally().violations).as(p.id() + " saw streams in order, once").isEmpty();
        assertThat(observer.deadLetters(KEY, 0, 10)).isEmpty();

        // ---- the lease table: each segment held by one live instance
        List<Lease> leases = observer.leases(KEY);
        assertThat(leases).extracting(Lease::segment).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(leases).extracting(Lease::owner).allMatch(o -> o.equals("engine-b") || o.equals("engine-c"));
        System.out.println("[scale-out] segments at the end: " + owners(observer));
        assertThat(observer.find(KEY).orElseThrow().checkpoints()).allMatch(cp -> cp == writerA.headPosition());
    }

    /** Segment to owner, of the unexpired leases. */
    private static Map<Integer, String> owners(PostgresProjectionStore store) {
        Map<Integer, String> out = new TreeMap<>();
        for (Lease l : store.leases(KEY)) out.put(l.segment(), l.owner());
        return out;
    }
}
