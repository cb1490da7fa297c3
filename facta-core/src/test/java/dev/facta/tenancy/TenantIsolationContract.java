package dev.facta.tenancy;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.ResultCodec;
import dev.facta.crypto.WrappedKey;
import dev.facta.projection.DeadLetter;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import dev.facta.subscription.EventSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * What every {@link MultiTenantStore} strategy promises: two tenants that use identical stream ids,
 * keys and names never see anything of each other, through any query, count, subscription,
 * projection, read model, dead letter, snapshot, data key or idempotency key, also under
 * concurrent writers; dropping one tenant leaves the other whole. Each strategy's module extends it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class TenantIsolationContract {
    protected static final String A = "acme";
    protected static final String B = "globex";

    protected MultiTenantStore tenants;

    /** A multi-tenant store on fresh, empty storage, provisioning tenants on first use. */
    protected abstract MultiTenantStore newMultiTenantStore() throws Exception;

    /** Removes whatever storage the test's store created (schemas, databases, files). */
    protected void cleanUp(MultiTenantStore store) throws Exception {
    }

    @BeforeEach
    void open() throws Exception {
        tenants = newMultiTenantStore();
    }

    @AfterEach
    void close() throws Exception {
        try {
            for (String t : tenants.tenants()) tenants.drop(t);
        } finally {
            tenants.close();
            cleanUp(tenants);
        }
    }

    private static EventData event(String type, String json) {
        return EventData.of(type, json);
    }

    @Test
    void the_same_stream_id_in_two_tenants_names_two_unrelated_streams() {
        EventStore a = tenants.forTenant(A).events();
        EventStore b = tenants.forTenant(B).events();
        StreamId order = StreamId.of("order-1");

        a.append(order, ExpectedVersion.noStream(), event("Placed", "{\"by\":\"acme\"}"), event("Paid", "{}"));
        // b's stream does not exist yet, whatever a did
        assertThatThrownBy(() -> b.readStream(order)).isInstanceOf(StreamNotFoundException.class);
        assertThat(b.streamInfo(order)).isEmpty();
        b.append(order, ExpectedVersion.noStream(), event("Placed", "{\"by\":\"globex\"}"));

        assertThat(a.readStream(order)).extracting(RecordedEvent::version).containsExactly(0L, 1L);
        assertThat(b.readStream(order)).singleElement().satisfies(e -> {
            assertThat(e.version()).isZero();
            assertThat(e.dataAsString()).contains("globex");
        });
        // expected versions are checked per tenant
        assertThatThrownBy(() -> b.append(order, ExpectedVersion.exactly(1), event("Paid", "{}")))
                .isInstanceOf(WrongExpectedVersionException.class);
        b.append(order, ExpectedVersion.exactly(0), event("Paid", "{}"));

        // each tenant has a global log of its own, dense from 1
        assertThat(a.readAll(1, 100).events()).extracting(RecordedEvent::position).containsExactly(1L, 2L);
        assertThat(b.readAll(1, 100).events()).extracting(RecordedEvent::position).containsExactly(1L, 2L);
        assertThat(b.readAll(1, 100).events()).allSatisfy(e -> assertThat(e.dataAsString()).doesNotContain("acme"));
        assertThat(a.headPosition()).isEqualTo(2);
        assertThat(b.headPosition()).isEqualTo(2);
    }

    @Test
    void listing_filtering_deleting_and_metadata_stay_within_the_tenant() {
        EventStore a = tenants.forTenant(A).events();
        EventStore b = tenants.forTenant(B).events();
        for (int i = 0; i < 5; i++) a.append(StreamId.of("cart-" + i), ExpectedVersion.any(), event("Added", "{}"));
        b.append(StreamId.of("cart-0"), ExpectedVersion.any(), event("Added", "{}"));
        b.append(StreamId.of("invoice-9"), ExpectedVersion.any(), event("Issued", "{}"));

        assertThat(b.listStreams(null, 100)).extracting(StreamInfo::stream).extracting(StreamId::value)
                .containsExactly("cart-0", "invoice-9");
        assertThat(a.listStreams(null, 100)).hasSize(5);
        assertThat(a.readAll(1, 100, EventFilter.categories("invoice")).events()).isEmpty();
        assertThat(b.readAll(1, 100, EventFilter.eventTypes("Added")).events()).hasSize(1);

        a.deleteStream(StreamId.of("cart-0"), ExpectedVersion.any());
        assertThatThrownBy(() -> a.readStream(StreamId.of("cart-0"))).isInstanceOf(StreamDeletedException.class);
        assertThat(b.readStream(StreamId.of("cart-0"))).hasSize(1);
        b.append(StreamId.of("cart-0"), ExpectedVersion.exactly(0), event("Added", "{}"));
    }

    @Test
    void subscriptions_deliver_only_the_tenants_events() throws Exception {
        EventStore a = tenants.forTenant(A).events();
        EventStore b = tenants.forTenant(B).events();
        List<RecordedEvent> seenByA = new CopyOnWriteArrayList<>();
        try (EventSubscription sub = EventSubscription.toAll(a, 1, seenByA::add)) {
            a.append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{\"t\":\"a\"}"));
            b.append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{\"t\":\"b\"}"));
            b.append(StreamId.of("order-2"), ExpectedVersion.any(), event("Placed", "{\"t\":\"b\"}"));
            a.append(StreamId.of("order-1"), ExpectedVersion.any(), event("Paid", "{\"t\":\"a\"}"));
            await("A's subscription sees A's two events", () -> seenByA.size() >= 2);
            // B's events, appended in between, never arrive; wait for anything late to show up
            b.append(StreamId.of("order-3"), ExpectedVersion.any(), event("Placed", "{\"t\":\"b\"}"));
            a.append(StreamId.of("marker"), ExpectedVersion.any(), event("Marker", "{\"t\":\"a\"}"));
            await("A's marker", () -> seenByA.stream().anyMatch(e -> e.type().equals("Marker")));
        }
        assertThat(seenByA).extracting(RecordedEvent::type).containsExactly("Placed", "Paid", "Marker");
        assertThat(seenByA).allSatisfy(e -> assertThat(e.dataAsString()).contains("\"a\""));
    }

    /** Counts events per stream into the read model; events of type Poison fail. */
    private static final class Counter implements Projection {
        @Override
        public String name() {
            return "counter";
        }

        @Override
        public Set<String> collections() {
            return Set.of("counts");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext context) {
            if (e.type().equals("Poison")) throw new IllegalStateException("poison in " + e.stream());
            DocumentCollection<String> c = context.collection("counts", DocumentCodec.json());
            long n = c.get(e.stream().value()).map(j -> Long.parseLong(j.replaceAll("\\D", ""))).orElse(0L);
            c.put(e.stream().value(), "{\"n\":" + (n + 1) + "}");
        }
    }

    private ProjectionEngine engine(TenantStore t) {
        ProjectionOptions options = ProjectionOptions.builder().batchSize(10).maxAttempts(1)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).onFailure(OnFailure.SKIP).build();
        return ProjectionEngine.builder(t.events(), t.projections()).instanceId("it-" + t.tenant())
                .register(new Counter(), options).build().start();
    }

    @Test
    void projections_read_models_and_dead_letters_are_the_tenants_own() throws Exception {
        TenantStore a = tenants.forTenant(A);
        TenantStore b = tenants.forTenant(B);
        for (int i = 0; i < 3; i++) a.events().append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{}"));
        a.events().append(StreamId.of("order-2"), ExpectedVersion.any(), event("Poison", "{}"));
        b.events().append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{}"));

        try (ProjectionEngine ea = engine(a); ProjectionEngine eb = engine(b)) {
            DocumentCollection<String> countsA = ea.readModel("counter", "counts", DocumentCodec.json());
            DocumentCollection<String> countsB = eb.readModel("counter", "counts", DocumentCodec.json());
            await("A's counts", () -> countsA.get("order-1").filter(j -> j.replace(" ", "").equals("{\"n\":3}")).isPresent());
            await("B's counts", () -> countsB.get("order-1").filter(j -> j.replace(" ", "").equals("{\"n\":1}")).isPresent());
            ProjectionKey key = new ProjectionKey("counter", 1);
            await("A's dead letter", () -> !a.projections().deadLetters(key, 0, 10).isEmpty());

            assertThat(countsA.get("order-1").map(j -> j.replace(" ", ""))).contains("{\"n\":3}");
            assertThat(countsB.get("order-1").map(j -> j.replace(" ", ""))).contains("{\"n\":1}");
            assertThat(b.projections().deadLetters(key, 0, 10)).isEmpty();
            List<DeadLetter> letters = a.projections().deadLetters(key, 0, 10);
            assertThat(letters).singleElement().satisfies(d -> assertThat(d.stream()).isEqualTo("order-2"));
            assertThat(b.projections().deadLetter(letters.getFirst().id())).isEmpty();
            assertThat(b.projections().list()).allSatisfy(r -> assertThat(r.key().name()).isEqualTo("counter"));
            // checkpoints are per tenant: A's projection read 4 events, B's 1
            await("checkpoints", () -> ea.status().stream().allMatch(s -> s.position() >= 4)
                    && eb.status().stream().allMatch(s -> s.position() >= 1));
        }
    }

    @Test
    void snapshots_keys_and_idempotency_keys_are_the_tenants_own() throws Exception {
        TenantStore a = tenants.forTenant(A);
        TenantStore b = tenants.forTenant(B);
        StreamId stream = StreamId.of("order-1");
        a.snapshots().save(new Snapshot(stream, 4, 1, "{\"secret\":\"a\"}".getBytes(), Instant.now()));
        assertThat(b.snapshots().latest(stream, Long.MAX_VALUE)).isEmpty();
        assertThat(a.snapshots().latest(stream, Long.MAX_VALUE)).isPresent();

        WrappedKey key = new WrappedKey("alice", "k1", "local", new byte[]{1, 2, 3}, Instant.now());
        a.keys().createOrGet(key);
        assertThat(b.keys().get("alice")).isEmpty();
        assertThat(b.keys().destroy("alice")).isFalse();
        assertThat(a.keys().get("alice")).isPresent();

        IdempotencyStore ia = a.idempotency(ResultCodec.scalars());
        IdempotencyStore ib = b.idempotency(ResultCodec.scalars());
        Instant until = Instant.now().plusSeconds(60);
        assertThat(ia.begin("pay-1", until)).isInstanceOf(IdempotencyStore.Reserved.class);
        ia.complete("pay-1", "done-in-a");
        // the same key is free in B, and what B records there does not change A's
        assertThat(ib.begin("pay-1", until)).isInstanceOf(IdempotencyStore.Reserved.class);
        ib.complete("pay-1", "done-in-b");
        assertThat(ia.begin("pay-1", until)).isEqualTo(new IdempotencyStore.Completed("done-in-a"));
    }

    @Test
    void the_routing_store_follows_the_tenant_context_and_refuses_work_outside_one() throws Exception {
        EventStore routing = tenants.routing();
        assertThatThrownBy(() -> routing.append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{}")))
                .isInstanceOf(MissingTenantException.class);
        assertThatThrownBy(routing::headPosition).isInstanceOf(MissingTenantException.class);

        TenantContext.run(A, () -> routing.append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{}")));
        TenantContext.run(B, () -> {
            assertThat(routing.headPosition()).isZero();
            assertThat(routing.streamInfo(StreamId.of("order-1"))).isEmpty();
        });
        long headA = TenantContext.call(A, routing::headPosition);
        assertThat(headA).isEqualTo(1);
        assertThat(TenantContext.current()).isEmpty();
    }

    @Test
    void illegal_tenant_ids_are_refused_and_nothing_is_created() {
        for (String bad : new String[]{"", "Acme", "a b", "../x", "a;drop", "x".repeat(41), "-lead"}) {
            assertThatThrownBy(() -> tenants.forTenant(bad)).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> tenants.forTenant(null)).isInstanceOf(InvalidInputException.class);
        assertThat(tenants.tenants()).isEmpty();
    }

    @Test
    void tenants_are_listed_announced_and_dropped_one_by_one() throws Exception {
        List<String> announced = new CopyOnWriteArrayList<>();
        try (AutoCloseable ignored = tenants.onTenant(announced::add)) {
            tenants.forTenant(A).events().append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{}"));
            tenants.provision(B);
            tenants.forTenant(B).events().append(StreamId.of("order-1"), ExpectedVersion.any(), event("Placed", "{}"));
        }
        assertThat(announced).containsExactly(A, B);
        assertThat(tenants.tenants()).containsExactly(A, B);
        assertThat(tenants.forTenant(A)).isSameAs(tenants.forTenant(A));

        assertThat(tenants.drop(A)).isTrue();
        assertThat(tenants.drop(A)).isFalse();
        assertThat(tenants.tenants()).containsExactly(B);
        assertThat(tenants.forTenant(B).events().readStream(StreamId.of("order-1"))).hasSize(1);
        // provisioned again, A starts empty
        assertThat(tenants.forTenant(A).events().headPosition()).isZero();
    }

    @Test
    void concurrent_writers_in_two_tenants_with_the_same_stream_ids_each_get_a_dense_complete_log() throws Exception {
        int writers = 4;
        int appends = 40;
        ExecutorService pool = Executors.newFixedThreadPool(writers * 2);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String tenant : List.of(A, B)) {
                EventStore store = tenants.forTenant(tenant).events();
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < appends; i++) {
                            store.append(StreamId.of("order-" + (i % 5)), ExpectedVersion.any(),
                                    event("Placed", "{\"tenant\":\"" + tenant + "\",\"w\":" + writer + ",\"i\":" + i + "}"));
                        }
                        return null;
                    }));
                }
            }
            start.countDown();
            for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        for (String tenant : List.of(A, B)) {
            EventStore store = tenants.forTenant(tenant).events();
            List<RecordedEvent> log = store.readAll(1, 10_000).events();
            assertThat(log).hasSize(writers * appends);
            List<Long> positions = log.stream().map(RecordedEvent::position).toList();
            List<Long> dense = new ArrayList<>();
            for (long p = 1; p <= writers * appends; p++) dense.add(p);
            assertThat(positions).isEqualTo(dense);
            assertThat(log).allSatisfy(e -> assertThat(e.dataAsString().replace(" ", "")).contains("\"tenant\":\"" + tenant + "\""));
            Set<String> ids = new HashSet<>();
            log.forEach(e -> ids.add(e.id().toString()));
            assertThat(ids).hasSize(log.size());
            long perStream = 0;
            for (int s = 0; s < 5; s++) perStream += store.readStream(StreamId.of("order-" + s)).size();
            assertThat(perStream).isEqualTo(writers * appends);
        }
        assertThat(Collections.disjoint(
                tenants.forTenant(A).events().readAll(1, 10_000).events().stream().map(RecordedEvent::id).toList(),
                tenants.forTenant(B).events().readAll(1, 10_000).events().stream().map(RecordedEvent::id).toList())).isTrue();
    }

    protected static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }
}
