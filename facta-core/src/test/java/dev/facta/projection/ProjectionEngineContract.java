package dev.facta.projection;

import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What the {@link ProjectionEngine} promises on every store: catch-up then live processing, exactly
 * once and in stream order under concurrent appenders, checkpoints that commit with the read model
 * (an engine that dies mid-batch applies nothing twice), retries and dead letters, operator flags,
 * rebuilds, blue-green switches and segments shared by several engines. The read model is a document
 * collection, so these tests also prove that documents commit with the checkpoint.
 *
 * <p>Each store module extends it. Tests wait with bounded polling and never assert durations.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class ProjectionEngineContract {

    /** The event store and projection store of one process on the database under test. */
    protected record Process(EventStore events, ProjectionStore store) {
    }

    /** An event store on a fresh, empty database. */
    protected abstract EventStore newEventStore() throws Exception;

    /**
     * A projection store on the database of {@code events} (where the store keeps read models next to
     * events, the same database). Called once per process handle; the in-memory test returns one
     * store per event store instance.
     */
    protected abstract ProjectionStore newProjectionStore(EventStore events) throws Exception;

    /**
     * A second event store on the database of {@code events}, as another process would open it. The
     * default returns the same instance (enough where a database lives in one process's memory).
     */
    protected EventStore anotherEventStore(EventStore events) throws Exception {
        return events;
    }

    /** Closes what the test opened; called for each projection store, newest first, then each event store. */
    protected void closeProjectionStore(ProjectionStore store) throws Exception {
        if (store instanceof AutoCloseable c) c.close();
    }

    protected void closeEventStore(EventStore events) throws Exception {
        events.close();
    }

    /** Called last, after everything was closed: drop the test's database or schema. */
    protected void dropDatabase() throws Exception {
    }

    /** How long workers wait for new events without a wake-up. */
    protected Duration pollInterval() {
        return Duration.ofMillis(50);
    }

    /** The lease lifetime engines use in these tests. */
    protected Duration leaseTtl() {
        return Duration.ofSeconds(1);
    }

    /** The longest a test waits for something to happen. */
    protected Duration patience() {
        return Duration.ofSeconds(20);
    }

    private final List<ProjectionEngine> engines = new ArrayList<>();
    private final List<ProjectionStore> projectionStores = new ArrayList<>();
    private final List<EventStore> eventStores = new ArrayList<>();
    /** The process every test starts with. */
    protected Process process;
    /** Every ordering problem any projection instance saw. */
    protected final Queue<String> violations = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void openProcess() throws Exception {
        EventStore events = newEventStore();
        eventStores.add(events);
        process = new Process(events, trackStore(newProjectionStore(events)));
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (ProjectionEngine e : engines.reversed()) e.close();
        for (ProjectionStore s : projectionStores.reversed()) closeProjectionStore(s);
        for (EventStore e : eventStores.reversed()) closeEventStore(e);
        dropDatabase();
    }

    private ProjectionStore trackStore(ProjectionStore s) {
        if (!projectionStores.contains(s)) projectionStores.add(s);
        return s;
    }

    /** Another process on the same database: its own event store and projection store handles. */
    protected Process anotherProcess() throws Exception {
        EventStore events = anotherEventStore(process.events());
        if (!eventStores.contains(events)) eventStores.add(events);
        return new Process(events, trackStore(newProjectionStore(events)));
    }

    /** An engine builder for a process, with the test's poll interval and lease lifetime. */
    protected ProjectionEngine.Builder engine(Process p, String instanceId) {
        return ProjectionEngine.builder(p.events(), p.store()).instanceId(instanceId)
                .pollInterval(pollInterval()).leaseTtl(leaseTtl());
    }

    /** Starts an engine and closes it after the test. */
    protected ProjectionEngine start(ProjectionEngine.Builder builder) {
        ProjectionEngine e = builder.build();
        engines.add(e);
        return e.start();
    }

    protected void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    protected void awaitCaughtUp(ProjectionEngine engine, String name) {
        assertThat(engine.awaitCaughtUp(name, patience())).as(name + " caught up").isTrue();
    }

    // ------------------------------------------------------------------ the test projection

    /** Per stream: how many events were applied, the last version seen, and which projection version wrote it. */
    protected record Tally(long count, long last, int version) {
    }

    protected static final DocumentCodec<Tally> TALLY = new DocumentCodec<>() {
        @Override
        public String encode(Tally t) {
            return "{\"count\":" + t.count() + ",\"last\":" + t.last() + ",\"version\":" + t.version() + "}";
        }

        @Override
        public Tally decode(String json) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(json, 8, "tally");
            return new Tally(Long.parseLong(m.get("count").toString()), Long.parseLong(m.get("last").toString()),
                    Integer.parseInt(m.get("version").toString()));
        }
    };

    /**
     * Counts the events of every stream into the collection {@code streams}, one document per stream,
     * and fails loudly when a stream's events come out of order or twice. Events of type
     * {@code Poison} fail until {@link #heal()}; a gate can hold the projection at one position.
     */
    protected class Counting implements Projection {
        private final String name;
        private final int version;
        private final AtomicBoolean healed = new AtomicBoolean();
        final AtomicInteger poisonAttempts = new AtomicInteger();
        private volatile long gateAt = -1;
        private final CountDownLatch gateReached = new CountDownLatch(1);
        private final CountDownLatch gateOpened = new CountDownLatch(1);

        protected Counting(String name, int version) {
            this.name = name;
            this.version = version;
        }

        public Counting gateAt(long position) {
            this.gateAt = position;
            return this;
        }

        public void awaitGate() throws InterruptedException {
            if (!gateReached.await(patience().toMillis(), TimeUnit.MILLISECONDS)) fail("the gate was never reached");
        }

        public void openGate() {
            gateOpened.countDown();
        }

        public void heal() {
            healed.set(true);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int version() {
            return version;
        }

        @Override
        public Set<String> collections() {
            return Set.of("streams");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext context) throws Exception {
            if (e.position() == gateAt) {
                gateReached.countDown();
                gateOpened.await(patience().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (e.type().equals("Poison") && !healed.get()) {
                poisonAttempts.incrementAndGet();
                throw new IllegalStateException("cannot digest " + e.stream());
            }
            DocumentCollection<Tally> streams = context.collection("streams", TALLY);
            Tally t = streams.get(e.stream().value()).orElse(null);
            long expected = t == null ? 0 : t.last() + 1;
            if (e.version() != expected) {
                String v = name + " v" + version + " segment " + context.segment() + ": " + e.stream() + " version "
                        + e.version() + " after " + (t == null ? "nothing" : t.last());
                violations.add(v);
                throw new IllegalStateException(v);
            }
            streams.put(e.stream().value(), new Tally(t == null ? 1 : t.count() + 1, e.version(), version));
        }
    }

    protected void append(EventStore events, String stream, int n) {
        List<EventData> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) batch.add(EventData.of("Counted", "{\"i\":" + i + "}"));
        events.append(StreamId.of(stream), ExpectedVersion.any(), batch);
    }

    protected void poison(EventStore events, String stream) {
        events.append(StreamId.of(stream), ExpectedVersion.any(), EventData.of("Poison", "{}"));
    }

    /** The number of events of each stream in the log (poisoned streams left out). */
    protected Map<String, Long> expectedCounts(EventStore events) {
        Map<String, Long> counts = new HashMap<>();
        long from = 1;
        while (true) {
            var slice = events.readAll(from, 1000, EventFilter.eventTypes("Counted"));
            for (RecordedEvent e : slice.events()) counts.merge(e.stream().value(), 1L, Long::sum);
            if (slice.endOfLog()) return counts;
            from = slice.next();
        }
    }

    protected Map<String, Long> actualCounts(ProjectionStore store, ProjectionKey key, Set<String> streams) {
        DocumentCollection<Tally> c = store.readModels().collection(key.collection("streams"), TALLY);
        Map<String, Long> out = new HashMap<>();
        for (var e : c.getMany(streams).entrySet()) out.put(e.getKey(), e.getValue().count());
        return out;
    }

    protected void assertExactlyOnce(Process p, ProjectionKey key) {
        Map<String, Long> expected = expectedCounts(p.events());
        assertThat(actualCounts(p.store(), key, expected.keySet())).isEqualTo(expected);
        assertThat(violations).isEmpty();
    }

    protected static final ProjectionKey COUNTS = new ProjectionKey("counts", 1);
    protected static final ProjectionKey COUNTS_V2 = new ProjectionKey("counts", 2);

    protected static ProjectionOptions segments(int n) {
        return ProjectionOptions.builder().segments(n).batchSize(50).build();
    }

    protected static ProjectionOptions failing(OnFailure onFailure, int attempts) {
        return ProjectionOptions.builder().batchSize(20).maxAttempts(attempts)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(20)).onFailure(onFailure).build();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void existing_events_are_caught_up_then_new_ones_applied_live() throws Exception {
        EventStore events = process.events();
        for (int s = 0; s < 5; s++) append(events, "order-" + s, 30);
        ProjectionEngine engine = start(engine(process, "a").register(new Counting("counts", 1), segments(1)));
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);

        for (int s = 3; s < 8; s++) append(events, "order-" + s, 7);
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);

        ProjectionStatus status = engine.status("counts").orElseThrow();
        assertThat(status.state()).isEqualTo(ProjectionState.ACTIVE);
        assertThat(status.position()).isEqualTo(events.headPosition());
        assertThat(status.lagEvents()).isZero();
        assertThat(status.lagSeconds()).isZero();
        assertThat(status.segments()).singleElement().satisfies(s -> assertThat(s.owner()).isEqualTo("a"));
        assertThat(ProjectionStatus.list(events, process.store())).extracting(ProjectionStatus::key).containsExactly(COUNTS);
    }

    @Test
    void concurrent_appenders_are_applied_exactly_once_in_stream_order() throws Exception {
        EventStore events = process.events();
        ProjectionEngine engine = start(engine(process, "a").register(new Counting("counts", 1), segments(3)));
        try (ExecutorService writers = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                fs.add(writers.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        append(events, "order-" + (writer * 3 + i % 3), 1 + i % 3);
                        append(events, "shared-" + (i % 5), 1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        }
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);
        assertThat(process.store().find(COUNTS).orElseThrow().checkpoints())
                .allSatisfy(c -> assertThat(c).isEqualTo(events.headPosition()));
    }

    @Test
    void an_engine_that_dies_mid_batch_leaves_nothing_applied_twice() throws Exception {
        EventStore events = process.events();
        for (int s = 0; s < 4; s++) append(events, "order-" + s, 25);
        Counting gated = new Counting("counts", 1).gateAt(60);
        ProjectionEngine doomed = start(engine(process, "doomed").register(gated, segments(1)));
        gated.awaitGate();
        Thread halting = Thread.ofVirtual().start(doomed::halt);
        await("the engine is halted", doomed::halted);
        gated.openGate(); // the batch goes on, but its transaction must not commit
        halting.join(patience().toMillis());
        long checkpoint = process.store().find(COUNTS).orElseThrow().position();
        assertThat(checkpoint).isLessThan(60);

        Process next = anotherProcess();
        ProjectionEngine survivor = start(engine(next, "survivor").register(new Counting("counts", 1), segments(1)));
        awaitCaughtUp(survivor, "counts");
        assertExactlyOnce(next, COUNTS);
    }

    @Test
    void a_failing_event_is_retried_then_parked_and_skipped_under_SKIP() throws Exception {
        EventStore events = process.events();
        append(events, "order-1", 10);
        poison(events, "poison-1");
        append(events, "order-2", 10);
        append(events, "order-1", 3);
        Counting counting = new Counting("counts", 1);
        ProjectionEngine engine = start(engine(process, "a").register(counting, failing(OnFailure.SKIP, 3)));
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);

        List<DeadLetter> letters = engine.deadLetters("counts");
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.key()).isEqualTo(COUNTS);
            assertThat(d.position()).isEqualTo(11);
            assertThat(d.stream()).isEqualTo("poison-1");
            assertThat(d.eventType()).isEqualTo("Poison");
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(d.error()).contains("cannot digest poison-1");
        });
        assertThat(counting.poisonAttempts.get()).isGreaterThanOrEqualTo(3);
        ProjectionStatus status = engine.status("counts").orElseThrow();
        assertThat(status.parked()).isEqualTo(1);
        assertThat(status.stopped()).isFalse();
        assertThat(status.lastError()).contains("cannot digest poison-1");
        assertThat(status.lastErrorAt()).isNotNull();
        assertThat(status.lagEvents()).isZero();
    }

    @Test
    void under_STOP_a_failing_event_stops_the_projection_until_it_is_resumed() throws Exception {
        EventStore events = process.events();
        append(events, "order-1", 10);
        poison(events, "poison-1");
        append(events, "order-2", 10);
        Counting counting = new Counting("counts", 1);
        ProjectionEngine engine = start(engine(process, "a").register(counting, failing(OnFailure.STOP, 2)));
        await("the projection stops", () -> process.store().find(COUNTS).orElseThrow().stopped());
        ProjectionRecord stopped = process.store().find(COUNTS).orElseThrow();
        assertThat(stopped.position()).as("stopped in front of the failing event").isEqualTo(10);
        assertThat(stopped.parked()).isEqualTo(1);
        Thread.sleep(200); // a moment in which a wrongly running projection would go on
        assertThat(process.store().find(COUNTS).orElseThrow().position()).isEqualTo(10);
        assertThat(actualCounts(process.store(), COUNTS, Set.of("order-1", "order-2"))).isEqualTo(Map.of("order-1", 10L));

        counting.heal();
        engine.resume("counts");
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);
        ProjectionRecord resumed = process.store().find(COUNTS).orElseThrow();
        assertThat(resumed.stopped()).isFalse();
        assertThat(engine.deadLetters("counts")).as("applied after all: no longer parked").isEmpty();
        assertThat(actualCounts(process.store(), COUNTS, Set.of("poison-1"))).isEqualTo(Map.of("poison-1", 1L));
    }

    @Test
    void a_dead_letter_parked_under_STOP_can_be_discarded_and_the_projection_goes_on() throws Exception {
        EventStore events = process.events();
        append(events, "order-1", 5);
        poison(events, "poison-1");
        append(events, "order-1", 5);
        ProjectionEngine engine = start(engine(process, "a").register(new Counting("counts", 1), failing(OnFailure.STOP, 1)));
        await("the projection stops", () -> process.store().find(COUNTS).orElseThrow().stopped());
        DeadLetter letter = engine.deadLetters("counts").getFirst();
        assertThat(engine.discardDeadLetter(letter.id())).isTrue();
        assertThat(engine.discardDeadLetter(letter.id())).isFalse();
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);
        assertThat(actualCounts(process.store(), COUNTS, Set.of("poison-1"))).isEmpty();
        assertThat(engine.deadLetters("counts")).isEmpty();
        assertThat(process.store().find(COUNTS).orElseThrow().stopped()).isFalse();
    }

    @Test
    void dead_letters_can_be_retried_and_discarded() throws Exception {
        EventStore events = process.events();
        append(events, "order-1", 5);
        poison(events, "poison-1");
        poison(events, "poison-2");
        append(events, "order-1", 5);
        Counting counting = new Counting("counts", 1);
        ProjectionEngine engine = start(engine(process, "a").register(counting, failing(OnFailure.SKIP, 2)));
        awaitCaughtUp(engine, "counts");
        List<DeadLetter> letters = engine.deadLetters("counts");
        assertThat(letters).extracting(DeadLetter::stream).containsExactly("poison-1", "poison-2");

        Optional<DeadLetter> failedAgain = engine.retryDeadLetter(letters.get(0).id());
        assertThat(failedAgain).get().satisfies(d -> {
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(d.position()).isEqualTo(letters.get(0).position());
            assertThat(d.error()).contains("cannot digest poison-1");
        });
        assertThat(engine.deadLetters("counts")).hasSize(2);

        counting.heal();
        assertThat(engine.retryDeadLetter(failedAgain.get().id())).isEmpty();
        assertThat(engine.discardDeadLetter(letters.get(1).id())).isTrue();
        assertThat(engine.deadLetters("counts")).isEmpty();
        assertThat(actualCounts(process.store(), COUNTS, Set.of("poison-1", "poison-2"))).isEqualTo(Map.of("poison-1", 1L));
        assertExactlyOnce(process, COUNTS);
    }

    @Test
    void a_paused_projection_idles_until_resumed_whoever_sets_the_flag() throws Exception {
        EventStore events = process.events();
        append(events, "order-1", 5);
        ProjectionEngine engine = start(engine(process, "a").register(new Counting("counts", 1), segments(2)));
        awaitCaughtUp(engine, "counts");

        engine.pause("counts");
        append(events, "order-2", 5);
        Thread.sleep(300); // a moment in which a wrongly running projection would apply them
        assertThat(actualCounts(process.store(), COUNTS, Set.of("order-2"))).isEmpty();
        assertThat(engine.status("counts").orElseThrow().paused()).isTrue();
        assertThat(engine.status("counts").orElseThrow().segments()).allSatisfy(s -> assertThat(s.owner()).isEqualTo("a"));

        engine.resume("counts");
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);

        assertThat(process.store().setPaused("counts", true)).isTrue(); // as the CLI does, from another process
        await("the engine sees the flag", () -> engine.status("counts").orElseThrow().paused());
        Thread.sleep(2 * pollInterval().toMillis() + 100);
        append(events, "order-3", 5);
        Thread.sleep(300);
        assertThat(actualCounts(process.store(), COUNTS, Set.of("order-3"))).isEmpty();
        assertThat(process.store().resume("counts")).isTrue();
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);
    }

    @Test
    void a_rebuild_clears_the_read_model_and_applies_every_event_again() throws Exception {
        EventStore events = process.events();
        for (int s = 0; s < 4; s++) append(events, "order-" + s, 20);
        ProjectionEngine engine = start(engine(process, "a").register(new Counting("counts", 1), segments(2)));
        awaitCaughtUp(engine, "counts");
        tamper(process.store());

        assertThat(process.store().requestRebuild("counts")).isTrue(); // as the CLI does
        await("the rebuild starts", () -> !process.store().find(COUNTS).orElseThrow().rebuildRequested());
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);

        assertThat(actualCounts(process.store(), COUNTS, Set.of("order-zombie"))).isEmpty();

        tamper(process.store());
        engine.rebuild("counts");
        append(events, "order-9", 3);
        awaitCaughtUp(engine, "counts");
        assertExactlyOnce(process, COUNTS);
        assertThat(actualCounts(process.store(), COUNTS, Set.of("order-zombie"))).isEmpty();
    }

    private static void tamper(ProjectionStore store) {
        store.inTransaction(tx -> {
            tx.collection(COUNTS.collection("streams"), TALLY).put("order-0", new Tally(999, 19, 1));
            tx.collection(COUNTS.collection("streams"), TALLY).put("order-zombie", new Tally(1, 0, 1));
            return null;
        });
    }

    @Test
    void queries_switch_to_a_new_version_only_once_it_has_caught_up() throws Exception {
        EventStore events = process.events();
        for (int s = 0; s < 6; s++) append(events, "order-" + s, 15);
        ProjectionEngine old = start(engine(process, "old").register(new Counting("counts", 1), segments(2)));
        awaitCaughtUp(old, "counts");
        DocumentCollection<Tally> viaOld = old.readModel("counts", "streams", TALLY);
        assertThat(viaOld.get("order-0")).get().extracting(Tally::version).isEqualTo(1);

        Process second = anotherProcess();
        Counting v2 = new Counting("counts", 2).gateAt(50);
        ProjectionEngine next = start(engine(second, "next")
                .register(new Counting("counts", 1), segments(2)).register(v2, segments(3)));
        v2.awaitGate();
        assertThat(second.store().find(COUNTS_V2).orElseThrow().state()).isEqualTo(ProjectionState.BUILDING);
        DocumentCollection<Tally> viaNext = next.readModel("counts", "streams", TALLY);
        assertThat(viaNext.get("order-0")).get().extracting(Tally::version).isEqualTo(1);
        assertThat(next.status()).extracting(ProjectionStatus::key).containsExactly(COUNTS, COUNTS_V2);
        v2.openGate();

        await("queries use version 2", () -> viaNext.get("order-0").map(Tally::version).orElse(0) == 2);
        Map<String, Long> expected = expectedCounts(events);
        Map<String, Long> seen = new HashMap<>();
        for (var e : viaNext.getMany(expected.keySet()).entrySet()) seen.put(e.getKey(), e.getValue().count());
        assertThat(seen).as("complete when it became active").isEqualTo(expected);
        assertThat(process.store().find(COUNTS).orElseThrow().state()).isEqualTo(ProjectionState.RETIRED);
        assertThat(process.store().find(COUNTS_V2).orElseThrow().state()).isEqualTo(ProjectionState.ACTIVE);
        await("the other engine follows", () -> viaOld.get("order-0").map(Tally::version).orElse(0) == 2);
        await("version 1 is no longer processed", () -> process.store().leases(COUNTS).isEmpty());

        Map<String, Long> v1Before = actualCounts(process.store(), COUNTS, expected.keySet());
        append(events, "order-0", 4);
        append(events, "order-new", 2);
        awaitCaughtUp(next, "counts");
        assertExactlyOnce(process, COUNTS_V2);
        assertThat(actualCounts(process.store(), COUNTS, expected.keySet())).isEqualTo(v1Before);
        assertThat(actualCounts(process.store(), COUNTS, Set.of("order-new"))).isEmpty();
    }

    @Test
    void engines_share_segments_and_take_over_those_of_an_engine_that_died() throws Exception {
        EventStore events = process.events();
        ProjectionOptions four = segments(4);
        Process pa = process;
        Process pb = anotherProcess();
        Process pc = anotherProcess();
        ProjectionEngine a = start(engine(pa, "engine-a").register(new Counting("counts", 1), four));
        ProjectionEngine b = start(engine(pb, "engine-b").register(new Counting("counts", 1), four));
        await("a and b share the segments", () -> owners(pa.store()).equals(Map.of("engine-a", 2, "engine-b", 2)));

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        Thread writer = Thread.ofVirtual().start(() -> {
            int i = 0;
            while (writing.get() && i < 2000) {
                append(events, "order-" + (i % 16), 1 + i % 2);
                written.incrementAndGet();
                i++;
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        await("some events are written", () -> written.get() > 30);
        ProjectionEngine c = start(engine(pc, "engine-c").register(new Counting("counts", 1), four));
        Thread.sleep(leaseTtl().toMillis() / 2); // c announces itself; a and b keep their fair share
        a.halt();
        await("b and c took over every segment", () -> {
            Map<String, Integer> o = owners(pa.store());
            return o.keySet().equals(Set.of("engine-b", "engine-c")) && o.values().stream().mapToInt(Integer::intValue).sum() == 4;
        });
        await("more events are written", () -> written.get() > 150);
        writing.set(false);
        writer.join();
        awaitCaughtUp(b, "counts");
        assertExactlyOnce(pa, COUNTS);
        Set<String> owners = new HashSet<>();
        for (ProjectionStatus.SegmentStatus s : c.status("counts").orElseThrow().segments()) owners.add(s.owner());
        assertThat(owners).containsExactlyInAnyOrder("engine-b", "engine-c");
    }

    /** How many current leases of {@link #COUNTS} each owner holds. */
    private static Map<String, Integer> owners(ProjectionStore store) {
        Map<String, Integer> out = new ConcurrentHashMap<>();
        for (Lease l : store.leases(COUNTS)) out.merge(l.owner(), 1, Integer::sum);
        return out;
    }
}
