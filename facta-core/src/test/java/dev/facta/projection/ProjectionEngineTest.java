package dev.facta.projection;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Query;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StoreLimits;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** The engine's own rules, on the in-memory stores (the shared behaviour is in {@link ProjectionEngineContract}). */
class ProjectionEngineTest {
    private final EventStore events = new InMemoryEventStore();
    private final InMemoryProjectionStore store = new InMemoryProjectionStore();
    private final List<ProjectionEngine> engines = new ArrayList<>();

    @AfterEach
    void closeEngines() {
        engines.forEach(ProjectionEngine::close);
    }

    private ProjectionEngine.Builder engine(String id) {
        return ProjectionEngine.builder(events, store).instanceId(id).pollInterval(Duration.ofMillis(20))
                .leaseTtl(Duration.ofSeconds(30));
    }

    private ProjectionEngine start(ProjectionEngine.Builder b) {
        ProjectionEngine e = b.build();
        engines.add(e);
        return e.start();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    private void append(String stream, String type, int n) {
        List<EventData> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) batch.add(EventData.of(type, "{}"));
        events.append(StreamId.of(stream), ExpectedVersion.any(), batch);
    }

    /** Counts events per stream into {@code streams}; fails on type {@code Poison}; counts its calls. */
    private static final class Counter implements Projection {
        final String name;
        final int version;
        final EventFilter filter;
        final AtomicInteger applied = new AtomicInteger();
        volatile boolean healed;

        Counter(String name, int version, EventFilter filter) {
            this.name = name;
            this.version = version;
            this.filter = filter;
        }

        Counter(String name) {
            this(name, 1, EventFilter.all());
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
        public EventFilter filter() {
            return filter;
        }

        @Override
        public Set<String> collections() {
            return Set.of("streams");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext context) {
            applied.incrementAndGet();
            if (e.type().equals("Poison") && !healed) throw new IllegalStateException("poison at " + e.position());
            context.collection("streams", DocumentCodec.json()).update(e.stream().value(), old -> {
                long n = old == null ? 0 : Long.parseLong(old.replaceAll("\\D", ""));
                return "{\"n\":" + (n + 1) + "}";
            });
        }
    }

    @Test
    void the_builder_refuses_bad_configuration() {
        assertThatThrownBy(() -> engine("a").build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("a").register(new Counter("c")).register(new Counter("c")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("a").register(new Counter("Bad Name"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("a").group("no spaces")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("").build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("a").leaseTtl(Duration.ofMillis(1))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("a").pollInterval(Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> engine("a").register(new Projection() {
            @Override
            public String name() {
                return "odd";
            }

            @Override
            public Set<String> collections() {
                return Set.of("Not-A-Name");
            }

            @Override
            public void apply(RecordedEvent event, ProjectionContext context) {
            }
        })).isInstanceOf(InvalidInputException.class);

        ProjectionEngine e = start(engine("a").register(new Counter("c")));
        assertThatThrownBy(e::start).isInstanceOf(FactaException.class);
        assertThat(e.instanceId()).isEqualTo("a");
        assertThat(e.group()).isEqualTo("default");
        assertThat(e.projections()).containsExactly(new ProjectionKey("c", 1));
        store.register(new ProjectionKey("d", 1), 2);
        assertThatThrownBy(() -> start(engine("b").register(new Counter("d"), ProjectionOptions.builder().segments(3).build())))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("segments");
    }

    @Test
    void the_checkpoint_moves_past_events_the_filter_leaves_out() throws Exception {
        append("order-1", "Placed", 5);
        append("invoice-1", "Billed", 20);
        Counter orders = new Counter("orders", 1, EventFilter.categories("order"));
        ProjectionEngine e = start(engine("a").register(orders, ProjectionOptions.builder().segments(2).batchSize(3).build()));
        assertThat(e.awaitCaughtUp("orders", Duration.ofSeconds(20))).isTrue();
        assertThat(store.find(new ProjectionKey("orders", 1)).orElseThrow().checkpoints()).containsExactly(25L, 25L);
        assertThat(orders.applied.get()).isEqualTo(5);
        assertThat(e.status("orders").orElseThrow().lagEvents()).isZero();
    }

    @Test
    void a_failing_batch_is_split_in_halves_so_the_work_stays_linear_in_its_size() throws Exception {
        append("order-1", "Placed", 299);
        append("poison-1", "Poison", 1);
        append("order-2", "Placed", 212);
        Counter c = new Counter("counts");
        ProjectionOptions options = ProjectionOptions.builder().batchSize(512).maxAttempts(1).onFailure(OnFailure.SKIP).build();
        ProjectionEngine e = start(engine("a").register(c, options));
        assertThat(e.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        DocumentCollection<String> streams = e.readModel("counts", "streams", DocumentCodec.json());
        assertThat(streams.get("order-1")).contains("{\"n\":299}");
        assertThat(streams.get("order-2")).contains("{\"n\":212}");
        assertThat(e.deadLetters("counts")).singleElement().extracting(DeadLetter::position).isEqualTo(300L);
        // one-by-one retries of a 512-event batch would apply about 512 * 300 / 2 events; halving about 3 * 512
        assertThat(c.applied.get()).isLessThan(4 * 512);
    }

    @Test
    void retrying_the_dead_letter_a_STOP_waits_on_applies_it_in_order_and_resumes() throws Exception {
        append("order-1", "Placed", 3);
        append("poison-1", "Poison", 1);
        append("order-1", "Placed", 2);
        Counter c = new Counter("counts");
        ProjectionKey key = new ProjectionKey("counts", 1);
        ProjectionEngine e = start(engine("a").register(c, ProjectionOptions.builder().maxAttempts(1).build()));
        await("stopped", () -> store.find(key).orElseThrow().stopped());
        DeadLetter letter = e.deadLetters("counts").getFirst();
        assertThat(letter.attempts()).isEqualTo(1);

        DeadLetter again = e.retryDeadLetter(letter.id()).orElseThrow();
        assertThat(again.id()).isNotEqualTo(letter.id());
        assertThat(again.attempts()).isEqualTo(2);
        assertThat(store.find(key).orElseThrow().stopped()).isTrue();
        assertThat(store.find(key).orElseThrow().position()).isEqualTo(3);

        c.healed = true;
        assertThat(e.retryDeadLetter(again.id())).isEmpty();
        assertThat(e.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        DocumentCollection<String> streams = e.readModel("counts", "streams", DocumentCodec.json());
        assertThat(streams.get("order-1")).contains("{\"n\":5}");
        assertThat(streams.get("poison-1")).contains("{\"n\":1}");
        assertThat(store.find(key).orElseThrow().stopped()).isFalse();
        assertThat(e.deadLetters("counts")).isEmpty();
        assertThatThrownBy(() -> e.retryDeadLetter(again.id())).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void read_model_handles_share_one_lookup_of_the_active_version_per_poll_interval() throws Exception {
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        ProjectionStore counting = (ProjectionStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{ProjectionStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("active")) lookups.incrementAndGet();
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                });
        append("order-1", "Placed", 3);
        ProjectionEngine e = start(ProjectionEngine.builder(events, counting).instanceId("a").pollInterval(Duration.ofSeconds(30))
                .register(new Counter("counts")));
        assertThat(e.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        lookups.set(0);
        // applications often take a new handle for every query
        for (int i = 0; i < 200; i++) {
            assertThat(e.readModel("counts", "streams", DocumentCodec.json()).get("order-1")).contains("{\"n\":3}");
        }
        assertThat(lookups.get()).isEqualTo(1);
    }

    @Test
    void read_models_are_read_only_and_follow_the_active_version() throws Exception {
        append("order-1", "Placed", 3);
        ProjectionEngine e = start(engine("a").register(new Counter("counts")));
        assertThat(e.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        DocumentCollection<String> streams = e.readModel("counts", "streams", DocumentCodec.json());
        assertThat(streams.name()).isEqualTo("streams_v1");
        assertThat(streams.get("order-1")).contains("{\"n\":3}");
        assertThat(streams.getMany(List.of("order-1", "order-9"))).containsOnlyKeys("order-1");
        assertThat(streams.count(Query.all())).isEqualTo(1);
        assertThat(streams.find(Query.all()).items()).hasSize(1);
        assertThatThrownBy(() -> streams.put("x", "{}")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> streams.putMany(Map.of("x", "{}"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> streams.delete("order-1")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> streams.update("order-1", s -> s)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(streams::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> e.readModel("counts", "undeclared", DocumentCodec.json())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> e.readModel("counts", "Bad-Name", DocumentCodec.json())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> e.readModel("unknown", "streams", DocumentCodec.json()).get("x"))
                .isInstanceOf(InvalidInputException.class);

        store.register(new ProjectionKey("counts", 2), 1);
        store.activate(new ProjectionKey("counts", 2)); // activated elsewhere: seen within a poll interval
        await("the read model follows", () -> streams.name().equals("streams_v2"));
        assertThat(streams.get("order-1")).isEmpty();
    }

    @Test
    void closing_releases_leases_and_leaves_so_another_engine_takes_over_at_once() throws Exception {
        append("order-1", "Placed", 3);
        ProjectionOptions four = ProjectionOptions.builder().segments(4).build();
        ProjectionEngine first = start(engine("first").register(new Counter("counts"), four));
        ProjectionKey key = new ProjectionKey("counts", 1);
        await("first holds every segment", () -> store.leases(key).size() == 4);
        first.close();
        assertThat(store.leases(key)).isEmpty();
        assertThat(store.heartbeat("default:counts:v1", "probe", Duration.ofMillis(1))).as("first left").containsExactly("probe");
        Thread.sleep(20); // the probe is gone before the next engine counts the members
        ProjectionEngine second = start(engine("second").register(new Counter("counts"), four));
        await("second holds every segment", () -> store.leases(key).size() == 4); // long before the 30 s lease lifetime
        assertThat(store.leases(key)).extracting(Lease::owner).containsOnly("second");
        append("order-1", "Placed", 2);
        assertThat(second.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        assertThat(store.readModels().collection("streams_v1", DocumentCodec.json()).get("order-1")).contains("{\"n\":5}");
        first.close(); // idempotent
    }

    @Test
    void an_older_version_is_not_built_beside_a_newer_active_one() throws Exception {
        append("order-1", "Placed", 3);
        ProjectionEngine newer = start(engine("newer").register(new Counter("counts", 2, EventFilter.all())));
        assertThat(newer.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        ProjectionEngine older = start(engine("older").register(new Counter("counts", 1, EventFilter.all())));
        ProjectionKey v1 = new ProjectionKey("counts", 1);
        assertThat(store.find(v1).orElseThrow().state()).isEqualTo(ProjectionState.BUILDING);
        Thread.sleep(200); // a moment in which a wrongly running engine would take it up
        assertThat(store.leases(v1)).isEmpty();
        assertThat(store.find(v1).orElseThrow().position()).isZero();
        assertThat(store.active("counts").orElseThrow().key().version()).isEqualTo(2);
        assertThat(older.status()).extracting(ProjectionStatus::key)
                .containsExactly(v1, new ProjectionKey("counts", 2));
    }

    @Test
    void awaiting_a_paused_projection_gives_up_and_operations_refuse_unknown_names() throws Exception {
        ProjectionEngine e = start(engine("a").register(new Counter("counts")));
        assertThat(e.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        e.pause("counts");
        append("order-1", "Placed", 1);
        assertThat(e.awaitCaughtUp("counts", Duration.ofMillis(100))).isFalse();
        e.resume("counts");
        assertThat(e.awaitCaughtUp("counts", Duration.ofSeconds(20))).isTrue();
        assertThat(e.awaitCaughtUp("unknown", Duration.ofMillis(10))).isFalse();

        assertThatThrownBy(() -> e.pause("unknown")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> e.resume("unknown")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> e.rebuild("unknown")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> e.retryDeadLetter(12345)).isInstanceOf(InvalidInputException.class);
        assertThat(e.discardDeadLetter(12345)).isFalse();
        assertThat(e.deadLetters("counts")).isEmpty();
        store.register(new ProjectionKey("other", 1), 1);
        assertThatThrownBy(() -> e.rebuild("other")).isInstanceOf(InvalidInputException.class).hasMessageContaining("not registered");
    }

    @Test
    void status_measures_lag_from_the_first_unhandled_event() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        EventStore timed = new InMemoryEventStore(StoreLimits.DEFAULT, clock);
        timed.append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("A", "{}"), EventData.of("B", "{}"));
        clock.advance(Duration.ofSeconds(3));
        timed.append(StreamId.of("order-1"), ExpectedVersion.any(), EventData.of("C", "{}"));
        ProjectionKey key = new ProjectionKey("counts", 1);
        store.register(key, 2);
        store.inTransaction(tx -> {
            tx.saveCheckpoint(key, 0, 1);
            tx.saveCheckpoint(key, 1, 3);
            return null;
        });
        Lease lease = store.acquire(key, 1, "owner-x", Duration.ofMinutes(1)).orElseThrow();
        clock.advance(Duration.ofSeconds(7));
        ProjectionStatus s = ProjectionStatus.of(store.find(key).orElseThrow(), timed, store.leases(key), clock);
        assertThat(s.position()).isEqualTo(1);
        assertThat(s.headPosition()).isEqualTo(3);
        assertThat(s.lagEvents()).isEqualTo(2);
        assertThat(s.lagSeconds()).as("event 2 was recorded 10 s ago").isEqualTo(10.0);
        assertThat(s.caughtUp()).isFalse();
        assertThat(s.segments()).containsExactly(new ProjectionStatus.SegmentStatus(0, 1, null, null),
                new ProjectionStatus.SegmentStatus(1, 3, "owner-x", lease.expiresAt()));
        store.inTransaction(tx -> {
            tx.saveCheckpoint(key, 0, 3);
            return null;
        });
        ProjectionStatus caughtUp = ProjectionStatus.list(timed, store).getFirst();
        assertThat(caughtUp.lagEvents()).isZero();
        assertThat(caughtUp.lagSeconds()).isZero();
        assertThat(caughtUp.caughtUp()).isTrue();
    }

    @Test
    void the_in_memory_store_times_leases_and_memberships_by_its_clock() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryProjectionStore timed = new InMemoryProjectionStore(clock);
        ProjectionKey key = new ProjectionKey("counts", 1);
        timed.register(key, 1);
        Lease a = timed.acquire(key, 0, "a", Duration.ofSeconds(10)).orElseThrow();
        assertThat(a.expiresAt()).isEqualTo(Instant.parse("2026-01-01T00:00:10Z"));
        assertThat(timed.heartbeat("g", "a", Duration.ofSeconds(10))).containsExactly("a");
        clock.advance(Duration.ofSeconds(9));
        assertThat(timed.acquire(key, 0, "b", Duration.ofSeconds(10))).isEmpty();
        assertThat(timed.heartbeat("g", "b", Duration.ofSeconds(10))).containsExactly("a", "b");
        clock.advance(Duration.ofSeconds(2));
        assertThat(timed.leases(key)).isEmpty();
        assertThat(timed.heartbeat("g", "b", Duration.ofSeconds(10))).containsExactly("b");
        Lease b = timed.acquire(key, 0, "b", Duration.ofSeconds(10)).orElseThrow();
        assertThat(b.token()).isGreaterThan(a.token());
        assertThatThrownBy(() -> timed.inTransaction(tx -> {
            tx.fence(a);
            return null;
        })).isInstanceOf(FencedOutException.class);
        assertThatThrownBy(() -> timed.inTransaction(tx -> tx.unwrap(java.sql.Connection.class)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> timed.acquire(key, 1, "b", Duration.ofSeconds(1))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> timed.acquire(new ProjectionKey("nope", 1), 0, "b", Duration.ofSeconds(1)))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> timed.deadLetters(key, 0, 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> timed.activate(new ProjectionKey("nope", 1))).isInstanceOf(InvalidInputException.class);
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
