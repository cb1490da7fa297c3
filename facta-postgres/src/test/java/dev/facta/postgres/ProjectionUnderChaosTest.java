package dev.facta.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionRecord;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.store.AllSlice;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An async projection on PostgreSQL under everything that goes wrong at once: writers in several
 * store instances (appends really interleave across connections), appends rolled back by a hook or
 * refused for a wrong expected version, one append transaction held open for 3 seconds, the
 * engine's process killed mid-batch (its pool closed under it: connections aborted, no lease
 * released, nothing left to commit with), an {@code Error} and a {@code StackOverflowError} thrown
 * by the projection once each, and a new engine taking over. Every committed event must be applied
 * exactly once in stream order, and a watcher checks throughout that the checkpoint never passes an
 * event the read model lacks.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProjectionUnderChaosTest {

    private static final int STREAMS = 120;
    private static final Duration WRITING = Duration.ofSeconds(9);
    private static final ProjectionKey KEY = new ProjectionKey("chaos", 1);

    private String schema;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void schema() {
        schema = PostgresTestDatabase.newSchema("facta_chaos");
    }

    @AfterEach
    void cleanUp() {
        for (AutoCloseable c : opened.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the killed engine's pool is gone already
            }
        }
        PostgresTestDatabase.dropSchema(schema);
    }

    private <T extends AutoCloseable> T open(T c) {
        opened.add(c);
        return c;
    }

    /** Trouble the projection makes or meets, shared by the engines' projection instances. */
    private static final class Trouble implements StreamTally.Chaos {
        final AtomicInteger batches = new AtomicInteger();
        final AtomicBoolean errorThrown = new AtomicBoolean();
        final AtomicBoolean stackOverflowArmed = new AtomicBoolean();
        final AtomicBoolean stackOverflowThrown = new AtomicBoolean();
        final AtomicBoolean killRequested = new AtomicBoolean();
        final CountDownLatch inBatchWhenKilled = new CountDownLatch(1);
        final CountDownLatch killed = new CountDownLatch(1);

        @Override
        public void beforeBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
            int n = batches.incrementAndGet();
            if (killRequested.compareAndSet(true, false)) {
                // hold this batch's transaction open while the process is killed under it
                inBatchWhenKilled.countDown();
                killed.await(10, TimeUnit.SECONDS);
                return;
            }
            if (n > 20 && errorThrown.compareAndSet(false, true)) throw new Error("chaos: an Error from the projection");
            if (stackOverflowArmed.get() && stackOverflowThrown.compareAndSet(false, true)) throw new StackOverflowError();
        }
    }

    @Test
    void every_committed_event_is_applied_exactly_once_in_stream_order_whatever_happens() throws Exception {
        long started = System.nanoTime();
        // ---- writers: four store instances on the schema, as four processes would have
        AtomicBoolean holdNext = new AtomicBoolean();
        CountDownLatch held = new CountDownLatch(1);
        AtomicInteger hookRollbacks = new AtomicInteger();
        PostgresEventStore plain1 = open(PostgresTestDatabase.storeBuilder(schema).poolSize(4).build());
        PostgresEventStore plain2 = open(PostgresTestDatabase.storeBuilder(schema).poolSize(4).build());
        PostgresEventStore flaky = open(PostgresTestDatabase.storeBuilder(schema).poolSize(4).beforeCommit((c, ev) -> {
            if (ThreadLocalRandom.current().nextInt(100) < 20) {
                hookRollbacks.incrementAndGet();
                throw new IllegalStateException("chaos: rolled back by the hook");
            }
        }).build());
        PostgresEventStore slow = open(PostgresTestDatabase.storeBuilder(schema).poolSize(4).beforeCommit((c, ev) -> {
            if (holdNext.compareAndSet(true, false)) {
                held.countDown();
                Thread.sleep(3_000); // the append's transaction stays open, holding the log
            }
        }).build());
        List<PostgresEventStore> writers = List.of(plain1, plain1, plain2, plain2, flaky, flaky, slow);

        // ---- engine 1, in a "process" of its own: its own pool for events and projections
        Trouble trouble = new Trouble();
        ProjectionOptions options = ProjectionOptions.builder().segments(2).batchSize(100).build();
        HikariDataSource pool1 = TestPools.pool("chaos-engine-1", 6, schema);
        opened.add(pool1);
        PostgresEventStore events1 = open(PostgresEventStore.builder().dataSource(pool1).schema(schema).build());
        StreamTally tally1 = new StreamTally(KEY.name(), trouble);
        ProjectionEngine engine1 = open(ProjectionEngine.builder(events1, new PostgresProjectionStore(pool1, schema))
                .instanceId("engine-1").pollInterval(Duration.ofMillis(50)).leaseTtl(Duration.ofSeconds(1))
                .register(tally1, options).build().start());

        // ---- the watcher: the checkpoint never passes an event the read model lacks
        HikariDataSource observerPool = TestPools.pool("chaos-observer", 3, schema);
        opened.add(observerPool);
        PostgresProjectionStore observer = new PostgresProjectionStore(observerPool, schema);
        Queue<String> watcherFindings = new ConcurrentLinkedQueue<>();
        AtomicLong checks = new AtomicLong();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofPlatform().name("chaos-watcher").start(() -> {
            DocumentCollection<String> docs = observer.readModels().collection(KEY.collection(StreamTally.COLLECTION), DocumentCodec.json());
            Map<String, Long> lastVersionUpTo = new HashMap<>();
            long read = 0;
            while (watching.get()) {
                try {
                    long cp = observer.find(KEY).map(ProjectionRecord::position).orElse(0L);
                    while (read < cp) {
                        AllSlice slice = plain1.readAll(read + 1, (int) Math.min(1000, cp - read), null);
                        for (RecordedEvent e : slice.events()) {
                            if (e.position() > cp) break;
                            lastVersionUpTo.merge(e.stream().value(), e.version(), Math::max);
                            read = e.position();
                        }
                        if (slice.events().isEmpty()) break;
                    }
                    // read after the checkpoint: it can only be newer
                    Map<String, String> now = docs.getMany(lastVersionUpTo.keySet());
                    for (var e : lastVersionUpTo.entrySet()) {
                        String doc = now.get(e.getKey());
                        long last = doc == null ? -1 : StreamTally.parse(doc).last();
                        if (last < e.getValue()) {
                            watcherFindings.add("checkpoint " + cp + " covers " + e.getKey() + " version " + e.getValue()
                                    + " but the read model has " + (doc == null ? "nothing" : "version " + last));
                        }
                    }
                    checks.incrementAndGet();
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    return;
                } catch (RuntimeException ex) {
                    watcherFindings.add("watcher failed: " + ex);
                }
            }
        });

        // ---- writing
        Map<String, Long> committed = new ConcurrentHashMap<>();
        Map<String, Long> knownVersion = new ConcurrentHashMap<>();
        AtomicInteger appended = new AtomicInteger();
        AtomicInteger wrongVersion = new AtomicInteger();
        AtomicInteger rolledBack = new AtomicInteger();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> writerThreads = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            writerThreads.add(Thread.ofPlatform().name("chaos-writer-" + w).start(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (writing.get()) {
                    PostgresEventStore store = writers.get(r.nextInt(writers.size()));
                    String stream = "s-" + r.nextInt(STREAMS);
                    int n = 1 + r.nextInt(3);
                    List<EventData> batch = new ArrayList<>();
                    for (int i = 0; i < n; i++) batch.add(StreamTally.event(i));
                    Long known = knownVersion.get(stream);
                    ExpectedVersion expected = r.nextInt(4) > 0 || known == null ? ExpectedVersion.any() : ExpectedVersion.exactly(known);
                    try {
                        var result = store.append(StreamId.of(stream), expected, batch);
                        committed.merge(stream, (long) n, Long::sum);
                        knownVersion.merge(stream, result.nextExpectedVersion(), Math::max);
                        appended.incrementAndGet();
                    } catch (WrongExpectedVersionException e) {
                        wrongVersion.incrementAndGet();
                    } catch (IllegalStateException e) {
                        if (e.getMessage() != null && e.getMessage().startsWith("chaos")) rolledBack.incrementAndGet();
                        else unexpected.add(e);
                    } catch (RuntimeException e) {
                        unexpected.add(e);
                    }
                }
            }));
        }

        Thread.sleep(1_500);
        holdNext.set(true);
        assertThat(held.await(20, TimeUnit.SECONDS)).as("an append was held open").isTrue();
        Thread.sleep(4_000);

        // ---- kill engine 1 in the middle of a batch: its pool goes away with the transaction open
        trouble.killRequested.set(true);
        assertThat(trouble.inBatchWhenKilled.await(20, TimeUnit.SECONDS)).as("engine 1 was mid-batch").isTrue();
        pool1.close();
        trouble.killed.countDown();
        long killedAt = System.nanoTime();

        // ---- engine 2, a new process, takes over once engine 1's leases expire
        trouble.stackOverflowArmed.set(true);
        HikariDataSource pool2 = TestPools.pool("chaos-engine-2", 6, schema);
        opened.add(pool2);
        PostgresEventStore events2 = open(PostgresEventStore.builder().dataSource(pool2).schema(schema).build());
        StreamTally tally2 = new StreamTally(KEY.name(), trouble);
        ProjectionEngine engine2 = open(ProjectionEngine.builder(events2, new PostgresProjectionStore(pool2, schema))
                .instanceId("engine-2").pollInterval(Duration.ofMillis(50)).leaseTtl(Duration.ofSeconds(1))
                .register(tally2, options).build().start());

        long remaining = WRITING.toNanos() - (System.nanoTime() - started);
        if (remaining > 0) Thread.sleep(remaining / 1_000_000);
        writing.set(false);
        for (Thread t : writerThreads) t.join(30_000);
        assertThat(engine2.awaitCaughtUp(KEY.name(), Duration.ofSeconds(40))).as("engine 2 caught up").isTrue();
        long caughtUpAt = System.nanoTime();
        watching.set(false);
        watcher.join(10_000);

        // ---- what was committed, and what the read model says
        Map<String, Long> inLog = new HashMap<>();
        Map<String, Long> lastInLog = new HashMap<>();
        long from = 1;
        while (true) {
            AllSlice slice = plain1.readAll(from, 5_000, null);
            for (RecordedEvent e : slice.events()) {
                inLog.merge(e.stream().value(), 1L, Long::sum);
                lastInLog.merge(e.stream().value(), e.version(), Math::max);
            }
            if (slice.endOfLog()) break;
            from = slice.next();
        }
        System.out.printf("[chaos] %d appends committed (%d events), %d rolled back by the hook (%d hook refusals),"
                        + " %d wrong expected versions; %d watcher checks; engine 2 caught up %d ms after the kill%n",
                appended.get(), inLog.values().stream().mapToLong(Long::longValue).sum(), rolledBack.get(), hookRollbacks.get(),
                wrongVersion.get(), checks.get(), (caughtUpAt - killedAt) / 1_000_000);

        assertThat(unexpected).as("appends failed only as intended").isEmpty();
        assertThat(rolledBack.get()).as("some appends were rolled back").isPositive();
        assertThat(wrongVersion.get()).as("some appends had a wrong expected version").isPositive();
        assertThat(trouble.errorThrown).as("the projection threw an Error").isTrue();
        assertThat(trouble.stackOverflowThrown).as("the projection threw a StackOverflowError").isTrue();
        assertThat(inLog).as("the log holds exactly the committed appends").isEqualTo(committed);

        DocumentCollection<String> docs = observer.readModels().collection(KEY.collection(StreamTally.COLLECTION), DocumentCodec.json());
        Map<String, String> finalDocs = docs.getMany(inLog.keySet());
        Map<String, Long> applied = new HashMap<>();
        Map<String, Long> lastApplied = new HashMap<>();
        for (var e : finalDocs.entrySet()) {
            StreamTally.Tally t = StreamTally.parse(e.getValue());
            applied.put(e.getKey(), t.count());
            lastApplied.put(e.getKey(), t.last());
        }
        assertThat(applied).as("every committed event applied exactly once").isEqualTo(inLog);
        assertThat(lastApplied).isEqualTo(lastInLog);
        assertThat(tally1.violations).as("engine 1 never saw a stream out of order or twice").isEmpty();
        assertThat(tally2.violations).as("engine 2 never saw a stream out of order or twice").isEmpty();
        assertThat(checks.get()).as("the watcher checked throughout").isGreaterThan(20);
        assertThat(watcherFindings).as("the checkpoint never ran ahead of the read model").isEmpty();
        assertThat(observer.deadLetters(KEY, 0, 10)).as("nothing was parked").isEmpty();
        engine2.close();
        engine1.close();
    }
}
