package dev.facta.outbox;

import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox relay on a store's own database: its parked messages are documents written in the
 * batch's transaction, an operator's release waits for the segment's batch, and an inbox in the same
 * database drops what a killed relay sends again. Store modules extend it.
 */
public abstract class OutboxRelayStoreContract {

    protected abstract EventStore newEventStore() throws Exception;

    protected abstract ProjectionStore newProjectionStore(EventStore events) throws Exception;

    /** Called last: drop the test's database or schema. */
    protected void dropDatabase() throws Exception {
    }

    protected EventStore events;
    protected ProjectionStore store;
    private final ScriptedPublisher publisher = new ScriptedPublisher();
    private final List<ProjectionEngine> engines = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        events = newEventStore();
        store = newProjectionStore(events);
    }

    @AfterEach
    void close() throws Exception {
        for (ProjectionEngine e : engines) e.close();
        if (store instanceof AutoCloseable c) c.close();
        events.close();
        dropDatabase();
    }

    private OutboxRelay.Builder relay() {
        return OutboxRelay.builder("store-relay", publisher).segments(2).batchSize(50)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(100));
    }

    private ProjectionEngine start(OutboxRelay relay) {
        relay.prepare(store);
        ProjectionEngine e = relay.registerOn(ProjectionEngine.builder(events, store).pollInterval(Duration.ofMillis(20))
                .leaseTtl(Duration.ofSeconds(2))).build().start();
        engines.add(e);
        return e;
    }

    private UUID append(String stream, int i) {
        EventData e = EventData.of("Happened", "{\"i\":" + i + "}");
        events.append(StreamId.of(stream), ExpectedVersion.any(), e);
        return e.id();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    private Map<String, List<Long>> accepted() {
        Map<String, List<Long>> out = new HashMap<>();
        for (OutboxMessage m : publisher.accepted()) out.computeIfAbsent(m.stream(), k -> new ArrayList<>()).add(m.event().version());
        return out;
    }

    @Test
    void parksAPoisonWithItsStreamWhileOthersFlowAndReleasesThemInOrder() throws Exception {
        UUID poisonA = null;
        UUID poisonB = null;
        for (int i = 0; i < 6; i++) {
            UUID a = append("a-1", i);
            UUID b = append("b-1", i);
            for (int s = 0; s < 5; s++) append("ok-" + s, i);
            if (i == 2) poisonA = a;
            if (i == 0) poisonB = b;
        }
        UUID pa = poisonA;
        UUID pb = poisonB;
        AtomicBoolean refusing = new AtomicBoolean(true);
        publisher.script(m -> refusing.get() && (m.id().equals(pa) || m.id().equals(pb)) ? PublishException.rejected("refused", null) : null);
        OutboxRelay relay = relay().maxAttempts(2).build();
        start(relay);
        await("the other streams flowed", () -> accepted().entrySet().stream()
                .filter(e -> e.getKey().startsWith("ok-")).mapToInt(e -> e.getValue().size()).sum() == 30);
        await("a and b parked", () -> relay.parked(store).size() == 4 + 6);
        assertThat(accepted().get("a-1")).isEqualTo(List.of(0L, 1L));
        assertThat(accepted()).doesNotContainKey("b-1");
        assertThat(relay.parked(store, "a-1").getFirst().eventId()).isEqualTo(pa);
        assertThat(relay.parked(store, "b-1").getFirst().eventId()).isEqualTo(pb);

        refusing.set(false);
        assertThat(relay.retryParked(events, store, "a-1").delivered()).isEqualTo(4);
        ReleaseResult b = relay.discardParked(events, store, "b-1");
        assertThat(b.delivered()).isEqualTo(5);
        assertThat(relay.parked(store)).isEmpty();
        append("a-1", 6);
        append("b-1", 6);
        await("flowing again", () -> accepted().get("a-1").size() == 7 && accepted().get("b-1").size() == 6);
        assertThat(accepted().get("a-1")).isEqualTo(EffectLog.upTo(7));
        assertThat(accepted().get("b-1")).isEqualTo(List.of(1L, 2L, 3L, 4L, 5L, 6L));
    }

    @Test
    void aKilledRelaySendsTheSameIdsAgainAndAnInboxInTheSameDatabaseHandlesThemOnce() throws Exception {
        for (int i = 0; i < 10; i++) for (int s = 0; s < 3; s++) append("order-" + s, i);
        AtomicBoolean acked = new AtomicBoolean();
        ProjectionEngine dying = start(relay().onDelivered(batch -> {
            acked.set(true);
            throw new IllegalStateException("killed before the checkpoint");
        }).build());
        await("acknowledged", () -> acked.get() && publisher.accepted().size() >= 30);
        dying.close();
        start(relay().build());
        await("checkpoints", () -> store.list().stream().filter(r -> r.key().name().equals("store-relay"))
                .allMatch(r -> r.checkpoints().stream().allMatch(c -> c == 30L)));
        StoreInbox inbox = StoreInbox.on(store, "relay_test");
        for (OutboxMessage m : publisher.accepted()) {
            inbox.process(new InboxMessage(m.id().toString(), m.stream(), m.headers(), m.payload()), EffectLog.HANDLER);
        }
        assertThat(publisher.accepted().size()).isGreaterThanOrEqualTo(60);
        Map<String, List<Long>> effects = EffectLog.read(inbox);
        assertThat(effects).hasSize(3);
        for (List<Long> v : effects.values()) assertThat(v).isEqualTo(EffectLog.upTo(10));
    }
}
