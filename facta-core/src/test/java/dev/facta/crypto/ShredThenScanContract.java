package dev.facta.crypto;

import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.outbox.OutboxMessage;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.outbox.OutboxRelay;
import dev.facta.outbox.PublishException;
import dev.facta.projection.DeadLetter;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.Query;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.subscription.EventSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crypto-shredding end to end on a real store: two subjects' events, a projection, a snapshot, outbox
 * messages not yet sent and a dead letter; then one subject is forgotten, the projection rebuilt, and
 * every read path checked (masked for the forgotten subject, intact for the other), and finally every
 * byte the store wrote, and the captured log, scanned for the forgotten subject's plaintext.
 *
 * <p>Store modules extend it; the in-memory test runs it without the storage scan.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class ShredThenScanContract {

    protected static final String ALICE = "cust-alice";
    protected static final String BOB = "cust-bob";
    protected static final Set<String> ALICE_SECRETS = Set.of("alice.secret@example.com", "Alice Liddell-Secret",
            "12 Rabbit Hole Lane", "alice.new@example.org");
    protected static final Set<String> BOB_VALUES = Set.of("bob.visible@example.com", "Bob Builder-Visible");

    /** A raw event store on a fresh database. */
    protected abstract EventStore openEventStore() throws Exception;

    /** The projection store (read models, checkpoints, dead letters) on the database of {@code raw}. */
    protected abstract ProjectionStore projectionStore(EventStore raw) throws Exception;

    /** The snapshot store on the database of {@code raw}. */
    protected abstract SnapshotStore snapshotStore(EventStore raw) throws Exception;

    /** The key store on the database of {@code raw}. */
    protected abstract KeyStore keyStore(EventStore raw) throws Exception;

    /**
     * Called after everything the test opened is closed: every place the store writes (every table,
     * every byte of its files) where one of {@code needles} appears, as readable findings; null when
     * the store has no storage to scan (in memory).
     */
    protected abstract List<String> findPlaintext(Set<String> needles) throws Exception;

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final StringBuilder log = new StringBuilder();
    private Handler handler;
    private Level previousLevel;

    @BeforeEach
    void captureLog() {
        Logger facta = Logger.getLogger("dev.facta");
        previousLevel = facta.getLevel();
        facta.setLevel(Level.ALL);
        SimpleFormatter format = new SimpleFormatter();
        handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                synchronized (log) {
                    log.append(format.format(r));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(handler);
    }

    /** Removes what the store test made (a schema, a database), after everything opened is closed. */
    protected void cleanUp() throws Exception {
    }

    @AfterEach
    void closeAll() throws Exception {
        Logger.getLogger("").removeHandler(handler);
        Logger.getLogger("dev.facta").setLevel(previousLevel);
        try {
            closeOpened();
        } finally {
            cleanUp();
        }
    }

    private void closeOpened() throws Exception {
        Collections.reverse(opened);
        for (AutoCloseable c : opened) c.close();
        opened.clear();
    }

    static final EncryptionPolicy POLICY = EncryptionPolicy.builder()
            .eventType("CustomerRegistered").subject("customerId").fields("email", "name", "address")
            .eventType("CustomerEmailChanged").subject("customerId").fields("email")
            .snapshots("customer").subject("id").fields("email", "name")
            .build();

    static String registered(String id, String email, String name, String street) {
        return "{\"customerId\":\"" + id + "\",\"email\":\"" + email + "\",\"name\":\"" + name + "\","
                + "\"address\":{\"street\":\"" + street + "\",\"zip\":12345},\"tier\":\"gold\"}";
    }

    /** A read model per customer (purged on forget) and a sign-up log that is not. */
    static final class Customers implements Projection {
        @Override
        public String name() {
            return "customers";
        }

        @Override
        public EventFilter filter() {
            return EventFilter.categories("customer", EncryptedEventStore.DEFAULT_FORGOTTEN_STREAM.category());
        }

        @Override
        public Set<String> collections() {
            return Set.of("customers", "signups");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext ctx) {
            var customers = ctx.collection("customers", DocumentCodec.json());
            switch (e.type()) {
                case "CustomerRegistered" -> {
                    customers.put(field(e, "customerId"), e.dataAsString());
                    ctx.collection("signups", DocumentCodec.json()).put(e.id().toString(), e.dataAsString());
                }
                case "CustomerEmailChanged" -> customers.put(field(e, "customerId"), e.dataAsString());
                case EncryptedEventStore.SUBJECT_FORGOTTEN -> customers.delete(EncryptedEventStore.forgottenSubject(e));
                default -> {
                }
            }
        }
    }

    /** Fails on Alice's e-mail change, so it ends up a dead letter. */
    static final class Auditor implements Projection {
        @Override
        public String name() {
            return "auditor";
        }

        @Override
        public EventFilter filter() {
            return EventFilter.eventTypes("CustomerEmailChanged");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext ctx) {
            if (ALICE.equals(field(e, "customerId"))) throw new IllegalStateException("the audit service refused the change");
        }
    }

    static Object tree(String json) {
        return JsonTree.parse(json, "data");
    }

    static String field(RecordedEvent e, String name) {
        Object tree = JsonTree.parse(e.dataAsString(), "data");
        return ((java.util.Map<?, ?>) tree).get(name).toString();
    }

    /** Refuses to publish until switched on, keeping the outbox unsent. */
    static final class GatedPublisher implements OutboxPublisher {
        final AtomicBoolean up = new AtomicBoolean();
        final List<OutboxMessage> sent = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> publish(OutboxMessage message) {
            if (!up.get()) return CompletableFuture.failedFuture(PublishException.unavailable("broker down", null));
            sent.add(message);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void a_forgotten_subject_leaves_no_plaintext_anywhere_and_the_other_reads_fine() throws Exception {
        EventStore raw = openEventStore();
        opened.add(raw);
        ProjectionStore projections = projectionStore(raw);
        if (projections instanceof AutoCloseable c && c != raw) opened.add(c);
        KeyStore keyStore = keyStore(raw);
        opened.add(keyStore);
        DataKeys keys = DataKeys.builder(keyStore, LocalMasterKey.generate()).build();
        List<Masked> masked = new CopyOnWriteArrayList<>();
        EncryptedEventStore store = EncryptedEventStore.builder(raw, POLICY, keys).maskListener(masked::add).build();
        SnapshotStore snapshots = new EncryptedSnapshotStore(snapshotStore(raw), POLICY, keys);

        store.append(StreamId.of("customer", ALICE), ExpectedVersion.noStream(), EventData.of("CustomerRegistered",
                registered(ALICE, "alice.secret@example.com", "Alice Liddell-Secret", "12 Rabbit Hole Lane")));
        store.append(StreamId.of("customer", BOB), ExpectedVersion.noStream(), EventData.of("CustomerRegistered",
                registered(BOB, "bob.visible@example.com", "Bob Builder-Visible", "1 Main Street")));
        store.append(StreamId.of("customer", ALICE), ExpectedVersion.exactly(0), EventData.of("CustomerEmailChanged",
                "{\"customerId\":\"" + ALICE + "\",\"email\":\"alice.new@example.org\"}"));
        snapshots.save(new Snapshot(StreamId.of("customer", ALICE), 1, 1, ("{\"id\":\"" + ALICE
                + "\",\"email\":\"alice.new@example.org\",\"name\":\"Alice Liddell-Secret\",\"orders\":3}").getBytes(), Instant.now()));
        snapshots.save(new Snapshot(StreamId.of("customer", BOB), 0, 1, ("{\"id\":\"" + BOB
                + "\",\"email\":\"bob.visible@example.com\",\"name\":\"Bob Builder-Visible\",\"orders\":1}").getBytes(), Instant.now()));

        GatedPublisher publisher = new GatedPublisher();
        OutboxRelay relay = OutboxRelay.builder("relay", publisher).filter(EventFilter.categories("customer"))
                .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).build();
        ProjectionEngine engine = relay.registerOn(ProjectionEngine.builder(store, projections)
                        .register(new Customers())
                        .register(new Auditor(), ProjectionOptions.builder().maxAttempts(1).onFailure(OnFailure.SKIP)
                                .backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build())
                        .pollInterval(Duration.ofMillis(50)))
                .build().start();
        opened.add(engine);
        await(() -> engine.awaitCaughtUp("customers", Duration.ofSeconds(10)) && !engine.deadLetters("auditor").isEmpty());
        var customers = engine.readModel("customers", "customers", DocumentCodec.json());
        assertThat(customers.get(ALICE)).get().asString().contains("alice.new@example.org");
        assertThat(publisher.sent).isEmpty();

        var forgotten = store.forget(ALICE);
        assertThat(forgotten.keyDestroyed()).isTrue();

        // stream reads and the global log: Alice masked, Bob intact
        List<RecordedEvent> aliceEvents = store.readStream(StreamId.of("customer", ALICE));
        assertThat(aliceEvents).hasSize(2);
        // compared as trees: a store may keep JSON in another key order (PostgreSQL's jsonb)
        assertThat(tree(aliceEvents.get(0).dataAsString())).isEqualTo(tree("{\"customerId\":\"cust-alice\",\"email\":\"***\","
                + "\"name\":\"***\",\"address\":null,\"tier\":\"gold\"}"));
        assertThat(tree(aliceEvents.get(1).dataAsString())).isEqualTo(tree("{\"customerId\":\"cust-alice\",\"email\":\"***\"}"));
        assertThat(tree(store.readStream(StreamId.of("customer", BOB)).getFirst().dataAsString()))
                .isEqualTo(tree(registered(BOB, "bob.visible@example.com", "Bob Builder-Visible", "1 Main Street")));
        String all = store.readAll(1, 100).events().toString();
        assertThat(ALICE_SECRETS).noneMatch(all::contains);
        assertThat(all).contains("bob.visible@example.com");
        assertThat(masked).allMatch(m -> m.reason() == Masked.Reason.FORGOTTEN && m.subject().equals(ALICE));

        // a subscription from the start
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        try (EventSubscription sub = EventSubscription.toAll(store, 1, seen::add)) {
            await(() -> seen.size() >= 4);
        }
        assertThat(ALICE_SECRETS).noneMatch(seen.toString()::contains);
        assertThat(seen.toString()).contains("Bob Builder-Visible");

        // snapshots: Alice's is unusable (the repository replays masked events), Bob's decrypts
        assertThat(snapshots.latest(StreamId.of("customer", ALICE))).isEmpty();
        assertThat(new String(snapshots.latest(StreamId.of("customer", BOB)).orElseThrow().state()))
                .contains("bob.visible@example.com");

        // the outbox messages not yet sent go out masked
        publisher.up.set(true);
        await(() -> publisher.sent.size() >= 3);
        String payloads = publisher.sent.stream().map(m -> new String(m.payload())).toList().toString();
        assertThat(ALICE_SECRETS).noneMatch(payloads::contains);
        assertThat(payloads).contains("bob.visible@example.com");

        // the dead letter's event reads masked
        DeadLetter letter = engine.deadLetters("auditor").getFirst();
        assertThat(ALICE_SECRETS).noneMatch(letter.error()::contains);
        RecordedEvent parked = store.readAll(letter.position(), 1).events().getFirst();
        assertThat(parked.dataAsString().replace(" ", "")).contains("\"email\":\"***\"");

        // the projection purged on SubjectForgotten, and a rebuild from scratch sees only masked values
        await(() -> customers.get(ALICE).isEmpty());
        engine.rebuild("customers");
        await(() -> engine.awaitCaughtUp("customers", Duration.ofSeconds(10))
                && engine.readModel("customers", "signups", DocumentCodec.json()).count(Query.all()) == 2);
        var signups = engine.readModel("customers", "signups", DocumentCodec.json()).find(Query.all()).items().toString()
                .replace(" ", "");
        assertThat(ALICE_SECRETS).noneMatch(signups::contains);
        assertThat(signups).contains("\"email\":\"***\"").contains("bob.visible@example.com");
        assertThat(customers.get(ALICE)).isEmpty();
        assertThat(customers.get(BOB)).get().asString().contains("bob.visible@example.com");

        // the export: Alice's events masked, Bob's readable
        StringBuilder aliceExport = new StringBuilder();
        assertThat(SubjectExport.export(store, ALICE, aliceExport)).isEqualTo(3); // two events and the forget
        assertThat(ALICE_SECRETS).noneMatch(aliceExport.toString()::contains);
        StringBuilder bobExport = new StringBuilder();
        assertThat(SubjectExport.export(store, BOB, bobExport)).isEqualTo(1);
        assertThat(bobExport.toString()).contains("bob.visible@example.com", "Bob Builder-Visible");

        closeOpened();
        List<String> aliceFound = findPlaintext(ALICE_SECRETS);
        if (aliceFound != null) {
            assertThat(aliceFound).as("plaintext of the forgotten subject in storage").isEmpty();
            // the scan does find what is there: Bob's values, in his read model and sign-up
            assertThat(findPlaintext(BOB_VALUES)).isNotEmpty();
        }
        String captured;
        synchronized (log) {
            captured = log.toString();
        }
        assertThat(captured).contains("forgot subject cust-alice");
        assertThat(ALICE_SECRETS).noneMatch(captured::contains);
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 30 s");
            Thread.sleep(20);
        }
    }
}
