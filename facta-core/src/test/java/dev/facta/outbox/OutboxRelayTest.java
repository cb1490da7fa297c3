package dev.facta.outbox;

import dev.facta.InvalidInputException;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboxRelayTest {
    private final EventStore events = new InMemoryEventStore();
    private final ProjectionStore store = new InMemoryProjectionStore();
    private final ScriptedPublisher publisher = new ScriptedPublisher();
    private final List<ProjectionEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        for (ProjectionEngine e : engines) e.close();
    }

    private ProjectionEngine start(OutboxRelay relay) {
        relay.prepare(store);
        ProjectionEngine engine = relay.registerOn(ProjectionEngine.builder(events, store)
                .pollInterval(Duration.ofMillis(20)).leaseTtl(Duration.ofSeconds(1))).build().start();
        engines.add(engine);
        return engine;
    }

    private OutboxRelay.Builder relay() {
        return OutboxRelay.builder("relay-test", publisher).backoff(Duration.ofMillis(10), Duration.ofMillis(50));
    }

    private UUID append(String stream, int version) {
        EventData e = EventData.of("Happened", "{\"n\":" + version + "}");
        events.append(StreamId.of(stream), ExpectedVersion.any(), e);
        return e.id();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    /** The versions of each stream in the order the publisher accepted them. */
    private Map<String, List<Long>> acceptedByStream() {
        Map<String, List<Long>> out = new HashMap<>();
        for (OutboxMessage m : publisher.accepted()) out.computeIfAbsent(m.stream(), k -> new ArrayList<>()).add(m.event().version());
        return out;
    }

    private static List<Long> versions(int from, int to) {
        List<Long> out = new ArrayList<>();
        for (long v = from; v < to; v++) out.add(v);
        return out;
    }

    @Test
    void publishesEveryEventOnceInStreamOrderAcrossSegments() throws Exception {
        for (int v = 0; v < 10; v++) for (int s = 0; s < 20; s++) append("order-" + s, v);
        start(relay().segments(3).batchSize(7).build());
        await("all published", () -> publisher.accepted().size() == 200);
        Map<String, List<Long>> got = acceptedByStream();
        assertThat(got).hasSize(20);
        for (List<Long> versions : got.values()) assertThat(versions).isEqualTo(versions(0, 10));
        OutboxMessage first = publisher.accepted().getFirst();
        assertThat(first.headers()).containsEntry(OutboxHeaders.MESSAGE_ID, first.id().toString())
                .containsEntry(OutboxHeaders.EVENT_TYPE, "Happened");
    }

    @Test
    void anUnavailableDestinationIsRetriedUntilItIsBackAndNothingIsParked() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        publisher.script(m -> down.get() ? PublishException.unavailable("broker down", null) : null);
        OutboxRelay relay = relay().maxAttempts(2).build();
        ProjectionEngine engine = start(relay);
        for (int v = 0; v < 5; v++) append("order-1", v);
        UUID first = publisher.accepted().isEmpty() ? null : publisher.accepted().getFirst().id();
        assertThat(first).isNull();
        await("several attempts", () -> engine.status("relay-test").orElseThrow().lastError() != null);
        Thread.sleep(300); // many more attempts than maxAttempts
        down.set(false);
        await("all published", () -> publisher.accepted().size() == 5);
        assertThat(acceptedByStream().get("order-1")).isEqualTo(versions(0, 5));
        assertThat(relay.parked(store)).isEmpty();
    }

    @Test
    void aPoisonMessageIsParkedAfterMaxAttemptsAndHoldsItsStreamWhileOthersFlow() throws Exception {
        for (int v = 0; v < 5; v++) {
            append("a-1", v);
            append("b-1", v);
        }
        UUID poison = events.readStream(StreamId.of("a-1"), 1, 1, dev.facta.store.ReadDirection.FORWARD).getFirst().id();
        AtomicBoolean refuse = new AtomicBoolean(true);
        publisher.script(m -> refuse.get() && m.id().equals(poison) ? PublishException.rejected("no route", null) : null);
        OutboxRelay relay = relay().maxAttempts(3).build();
        start(relay);
        await("b flowed", () -> acceptedByStream().getOrDefault("b-1", List.of()).size() == 5);
        await("a parked", () -> relay.parked(store).size() == 4);
        append("a-1", 5);
        append("b-1", 5);
        await("b flowed on", () -> acceptedByStream().get("b-1").size() == 6);
        await("a held", () -> relay.parked(store).size() == 5);

        assertThat(acceptedByStream().get("a-1")).isEqualTo(List.of(0L));
        assertThat(publisher.sends(poison)).isEqualTo(3); // exactly maxAttempts tries
        List<ParkedMessage> parked = relay.parked(store, "a-1");
        assertThat(parked).extracting(ParkedMessage::position).isSorted();
        assertThat(parked.getFirst().eventId()).isEqualTo(poison);
        assertThat(parked.getFirst().status()).isEqualTo(ParkedMessage.Status.POISON);
        assertThat(parked.getFirst().attempts()).isEqualTo(3);
        assertThat(parked.getFirst().error()).contains("no route");
        assertThat(parked.subList(1, 5)).allSatisfy(p -> {
            assertThat(p.status()).isEqualTo(ParkedMessage.Status.HELD);
            assertThat(p.attempts()).isZero();
        });

        // still refused: stays parked, one more attempt counted
        ReleaseResult again = relay.retryParked(events, store, "a-1");
        assertThat(again.released()).isFalse();
        assertThat(again.delivered()).isZero();
        assertThat(again.remaining()).hasSize(5);
        assertThat(again.remaining().getFirst().attempts()).isEqualTo(4);

        refuse.set(false);
        ReleaseResult released = relay.retryParked(events, store, "a-1");
        assertThat(released.released()).isTrue();
        assertThat(released.delivered()).isEqualTo(5);
        assertThat(relay.parked(store)).isEmpty();
        assertThat(acceptedByStream().get("a-1")).isEqualTo(versions(0, 6));

        append("a-1", 6);
        await("a flows again", () -> acceptedByStream().get("a-1").size() == 7);
        assertThat(acceptedByStream().get("a-1")).isEqualTo(versions(0, 7));
        assertThatThrownBy(() -> relay.retryParked(events, store, "a-1")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void discardingAPoisonMessageReleasesTheMessagesHeldBehindIt() throws Exception {
        for (int v = 0; v < 4; v++) append("a-2", v);
        UUID poison = events.readStream(StreamId.of("a-2"), 0, 1, dev.facta.store.ReadDirection.FORWARD).getFirst().id();
        publisher.script(m -> m.id().equals(poison) ? PublishException.rejected("too large", null) : null);
        OutboxRelay relay = relay().maxAttempts(1).build();
        start(relay);
        await("parked", () -> relay.parked(store).size() == 4);
        assertThat(publisher.accepted()).isEmpty();
        ReleaseResult r = relay.discardParked(events, store, "a-2");
        assertThat(r.discarded()).map(ParkedMessage::eventId).contains(poison);
        assertThat(r.delivered()).isEqualTo(3);
        assertThat(r.released()).isTrue();
        assertThat(acceptedByStream().get("a-2")).isEqualTo(versions(1, 4));
    }

    @Test
    void aRelayKilledAfterTheAcknowledgementSendsTheSameIdsAgainAndTheInboxHandlesThemOnce() throws Exception {
        for (int v = 0; v < 6; v++) {
            append("c-1", v);
            append("c-2", v);
        }
        AtomicBoolean crashed = new AtomicBoolean();
        OutboxRelay dying = relay().onDelivered(batch -> {
            crashed.set(true);
            throw new IllegalStateException("process died after the broker acknowledged");
        }).build();
        ProjectionEngine first = start(dying);
        await("acknowledged once", () -> crashed.get() && publisher.accepted().size() >= 12);
        first.close();
        assertThat(store.list().getFirst().checkpoints()).containsOnly(0L); // nothing was marked sent

        start(relay().build()); // the next process
        await("checkpoint", () -> store.list().getFirst().checkpoints().getFirst() == 12L);
        List<OutboxMessage> all = publisher.accepted();
        assertThat(all.size()).isGreaterThanOrEqualTo(24);
        for (OutboxMessage m : all) assertThat(publisher.sends(m.id())).isGreaterThanOrEqualTo(2);

        // downstream: every copy through an inbox, the effect counted per stream
        StoreInbox inbox = StoreInbox.inMemory("relay_test");
        Map<String, List<Long>> effects = new HashMap<>();
        for (OutboxMessage m : all) {
            inbox.process(new InboxMessage(m.id().toString(), m.stream(), m.headers(), m.payload()),
                    (msg, ctx) -> effects.computeIfAbsent(msg.stream(), k -> new ArrayList<>()).add(msg.streamVersion()));
        }
        assertThat(effects).containsOnlyKeys("c-1", "c-2");
        assertThat(effects.get("c-1")).isEqualTo(versions(0, 6));
        assertThat(effects.get("c-2")).isEqualTo(versions(0, 6));
        assertThat(inbox.duplicatesDropped()).isEqualTo(all.size() - 12);
    }

    @Test
    void refusesBadOptions() {
        assertThatThrownBy(() -> OutboxRelay.builder("Bad Name", publisher)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> OutboxRelay.builder("x".repeat(33), publisher)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> relay().maxAttempts(0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> relay().ackTimeout(Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> relay().segments(0).build()).isInstanceOf(InvalidInputException.class);
        OutboxRelay relay = relay().build();
        assertThatThrownBy(() -> relay.retryParked(events, store, "")).isInstanceOf(InvalidInputException.class);
    }
}
