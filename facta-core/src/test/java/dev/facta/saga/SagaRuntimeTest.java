package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.serialization.EventSerializer;
import dev.facta.serialization.SerializedEvent;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import dev.facta.saga.TestDomain.Fulfilment;
import dev.facta.saga.TestDomain.ManualClock;
import dev.facta.saga.TestDomain.Recorder;
import dev.facta.saga.TestDomain.RequestPayment;
import dev.facta.saga.TestDomain.ShipOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.facta.saga.TestDomain.JSON;
import static dev.facta.saga.TestDomain.field;
import static dev.facta.saga.TestDomain.placed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runtime's own rules on the in-memory stores (the shared behaviour is in {@link SagaContract}). */
class SagaRuntimeTest {
    private final InMemoryEventStore events = new InMemoryEventStore();
    private final InMemoryProjectionStore store = new InMemoryProjectionStore();
    private final ManualClock clock = new ManualClock();
    private final Recorder recorder = new Recorder();
    private SagaRuntime runtime;

    @AfterEach
    void close() {
        if (runtime != null) runtime.close();
    }

    private SagaRuntime runtime(ProcessManager<?> pm) {
        runtime = SagaRuntime.builder(events, store, recorder.bus()).commandCodec(TestDomain.COMMANDS).clock(clock)
                .register(pm).build();
        return runtime;
    }

    private RecordedEvent append(String stream, EventData e) {
        events.append(StreamId.of(stream), ExpectedVersion.any(), e);
        return events.readStreamBackward(StreamId.of(stream), 1).getFirst();
    }

    private static ProcessManager.Builder<Fulfilment> base(String name) {
        return ProcessManager.builder(name, JSON.codec(Fulfilment.class))
                .startedBy("OrderPlaced", e -> field(e, "orderId"), (e, ctx) -> new Fulfilment(field(e, "orderId"), "new", 1, 0, "i"));
    }

    @Test
    void definitionsRefuseWhatCannotWork() {
        assertThatThrownBy(() -> ProcessManager.builder("Bad Name", JSON.codec(Fulfilment.class)))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ProcessManager.builder("pm", JSON.codec(Fulfilment.class)).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no start event");
        assertThatThrownBy(() -> base("pm").startedBy("OrderPlaced", e -> "x", (e, ctx) -> null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("starts twice");
        assertThatThrownBy(() -> base("pm").on("A", e -> "x", (s, e, c) -> s).on("A", e -> "y", (s, e, c) -> s))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("two handlers");
        assertThatThrownBy(() -> base("pm").on("A", RequestPayment.class, RequestPayment::orderId, (s, e, c) -> s))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("decodeWith");
        assertThatThrownBy(() -> base("pm").onDeadline("no spaces allowed", (s, d, c) -> s))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> base("pm").on("A", "1bad", e -> "x", (s, e, c) -> s))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Saga.builder("s", JSON.codec(TestDomain.Checkout.class)).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no steps");
        assertThatThrownBy(() -> Saga.builder("s", JSON.codec(TestDomain.Checkout.class))
                .step("a", (c, x) -> c).step("a", (c, x) -> c)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Saga.builder("s", JSON.codec(TestDomain.Checkout.class)).stepTimeout(Duration.ofMillis(5)))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Retry(0, Duration.ZERO, Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Retry(2, Duration.ofSeconds(2), Duration.ofSeconds(1))).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void runtimesRefuseWhatCannotWork() {
        ProcessManager<Fulfilment> pm = base("pm").build();
        assertThatThrownBy(() -> SagaRuntime.builder(events, store, recorder.bus()).register(pm).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("command codec");
        assertThatThrownBy(() -> SagaRuntime.builder(events, store, recorder.bus()).register(pm).register(pm))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> SagaRuntime.builder(events, store, recorder.bus()).register(base("a-b").build())
                .register(base("a_b").build())).isInstanceOf(InvalidInputException.class).hasMessageContaining("share");
        assertThatThrownBy(() -> SagaRuntime.builder(events, store, recorder.bus()).build())
                .isInstanceOf(InvalidInputException.class);
        SagaRuntime rt = runtime(pm);
        assertThatThrownBy(() -> rt.deliver("other", append("order-1", placed("1", 1, "i")))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> rt.instance("pm", "")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> rt.retry("pm", "x")).isInstanceOf(InvalidInputException.class).hasMessageContaining("not a saga");
        assertThatThrownBy(() -> rt.retryCommand("pm", "x", 0)).isInstanceOf(InvalidInputException.class);
        assertThat(rt.deliver("pm", append("other-1", TestDomain.event("Unrelated", "{}")))).isEmpty();
        assertThat(rt.names()).containsExactly("pm");
    }

    @Test
    void aTransitionThatFailsLeavesNothingBehind() {
        ProcessManager<Fulfilment> pm = base("pm")
                .on("PaymentReceived", e -> field(e, "orderId"), (s, e, ctx) -> {
                    ctx.send(new ShipOrder(s.orderId()));
                    throw new IllegalStateException("refused");
                })
                .on("Undeclared", e -> field(e, "orderId"), (s, e, ctx) -> {
                    ctx.schedule("never-declared", Duration.ofMinutes(1));
                    return s;
                })
                .on("NoState", e -> field(e, "orderId"), (s, e, ctx) -> null)
                .on("BadCommand", e -> field(e, "orderId"), (s, e, ctx) -> {
                    ctx.send("a string the codec does not know");
                    return s;
                })
                .build();
        SagaRuntime rt = runtime(pm);
        rt.deliver("pm", append("order-1", placed("1", 1, "i")));
        SagaInstance<Fulfilment> before = rt.instance(pm, "1").orElseThrow();
        assertThatThrownBy(() -> rt.deliver("pm", append("p-1", TestDomain.payment("1", 1)))).hasMessage("refused");
        assertThatThrownBy(() -> rt.deliver("pm", append("u-1", TestDomain.event("Undeclared", "{\"orderId\":\"1\"}"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("never-declared");
        assertThatThrownBy(() -> rt.deliver("pm", append("n-1", TestDomain.event("NoState", "{\"orderId\":\"1\"}"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no state");
        assertThatThrownBy(() -> rt.deliver("pm", append("b-1", TestDomain.event("BadCommand", "{\"orderId\":\"1\"}"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(rt.instance(pm, "1").orElseThrow()).isEqualTo(before);
        assertThat(rt.commands("pm", "1")).isEmpty();
        assertThat(rt.deadlines("pm", "1")).isEmpty();

        String tooLong = "x".repeat(Session.MAX_ID + 1);
        assertThatThrownBy(() -> rt.deliver("pm", append("order-2", placed(tooLong, 1, "i"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("instance id");
        assertThat(rt.count("pm", SagaStatus.ACTIVE)).isEqualTo(1);
        // a null key: not for this process manager
        assertThat(rt.deliver("pm", append("order-3", TestDomain.event("OrderPlaced", "{\"amount\":1}")))).isEmpty();
    }

    @Test
    void anAssociationMovesToTheInstanceThatClaimsItLast() {
        ProcessManager<Fulfilment> pm = base("pm")
                .on("Claim", e -> field(e, "orderId"), (s, e, ctx) -> {
                    ctx.associateWith("ticket", field(e, "ticket"));
                    return s;
                })
                .on("TicketUsed", "ticket", e -> field(e, "ticket"), (s, e, ctx) -> s.with("used", s.paid() + 1))
                .build();
        SagaRuntime rt = runtime(pm);
        rt.deliver("pm", append("order-1", placed("1", 1, "i")));
        rt.deliver("pm", append("order-2", placed("2", 1, "i")));
        rt.deliver("pm", append("order-1", TestDomain.event("Claim", "{\"orderId\":\"1\",\"ticket\":\"t\"}")));
        assertThat(rt.deliver("pm", append("ticket-t", TestDomain.event("TicketUsed", "{\"ticket\":\"t\"}")))).contains("1");
        rt.deliver("pm", append("order-2", TestDomain.event("Claim", "{\"orderId\":\"2\",\"ticket\":\"t\"}")));
        assertThat(rt.deliver("pm", append("ticket-t", TestDomain.event("TicketUsed", "{\"ticket\":\"t\"}")))).contains("2");
        assertThat(rt.deliver("pm", append("ticket-u", TestDomain.event("TicketUsed", "{\"ticket\":\"u\"}")))).isEmpty();
        assertThat(rt.instance(pm, "1").orElseThrow().state().paid()).isEqualTo(1);
        assertThat(rt.instance(pm, "2").orElseThrow().state().paid()).isEqualTo(1);
    }

    /** Events as records through the test JSON mapping, named by simple class name. */
    private static final class RecordSerializer implements EventSerializer {
        @Override
        public SerializedEvent serialize(Object event) {
            return new SerializedEvent(event.getClass().getSimpleName(), JSON.write(event).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Object deserialize(String type, byte[] data) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T deserialize(String type, byte[] data, Class<T> expected) {
            return expected.cast(JSON.fromTree(dev.facta.internal.Json.parseStrict(new String(data, StandardCharsets.UTF_8), 16, "d"), expected));
        }
    }

    public record Placed(String orderId, long amount) {
    }

    public record Paid(String orderId, long amount) {
    }

    @Test
    void typedRoutesDecodeEventsWithTheSerializer() {
        RecordSerializer serializer = new RecordSerializer();
        ProcessManager<Fulfilment> pm = ProcessManager.builder("typed", JSON.codec(Fulfilment.class))
                .decodeWith(serializer)
                .startedBy("Placed", Placed.class, Placed::orderId, (p, ctx) -> {
                    ctx.send(new RequestPayment(p.orderId(), p.amount()));
                    return new Fulfilment(p.orderId(), "awaiting-payment", p.amount(), 0, "i");
                })
                .on("Paid", Paid.class, Paid::orderId, (s, p, ctx) -> s.with("paid", s.paid() + p.amount()))
                .build();
        SagaRuntime rt = runtime(pm);
        rt.deliver("typed", append("order-1", serializer.toEventData(new Placed("1", 5), Metadata.empty())));
        rt.deliver("typed", append("pay-1", serializer.toEventData(new Paid("1", 5), Metadata.empty())));
        assertThat(rt.instance(pm, "1").orElseThrow().state()).isEqualTo(new Fulfilment("1", "paid", 5, 5, "i"));
        assertThat(rt.commands("typed", "1")).extracting(IssuedCommand::command).containsExactly(new RequestPayment("1", 5));
        assertThat(pm.eventTypes()).containsExactly("Placed", "Paid");
        assertThat(CommandCodec.of(serializer).encode(new Placed("2", 1)))
                .isEqualTo(new CommandCodec.Encoded("Placed", "{\"orderId\":\"2\",\"amount\":1}"));
    }

    @Test
    void aSagaCanOnlyBeStartedWithItsOwnDefinition() {
        TestDomain.Behaviour b = new TestDomain.Behaviour();
        Saga<TestDomain.Checkout> saga = TestDomain.checkout(b, Retry.none(), Retry.none());
        runtime = SagaRuntime.builder(events, store, recorder.bus()).clock(clock).register(saga).build();
        Saga<TestDomain.Checkout> impostor = TestDomain.checkout(b, Retry.none(), Retry.none());
        assertThatThrownBy(() -> runtime.start(impostor, "x", new TestDomain.Checkout("x", List.of())))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> runtime.start(saga, "bad\nid", new TestDomain.Checkout("x", List.of())))
                .isInstanceOf(InvalidInputException.class);
        assertThat(runtime.start(saga, "x", new TestDomain.Checkout("x", List.of()))).isTrue();
        SagaInstance<TestDomain.Checkout> i = runtime.instance(saga, "x").orElseThrow();
        assertThat(i.status()).isEqualTo(SagaStatus.RUNNING);
        assertThat(i.stepName()).isEqualTo("reserve");
        assertThat(i.dueAt()).isEqualTo(clock.instant());
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Retry r = Retry.of(10, Duration.ofMillis(100), Duration.ofMillis(700));
        assertThat(List.of(1, 2, 3, 4, 5).stream().map(r::backoffAfter).toList()).containsExactly(Duration.ofMillis(100),
                Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(700), Duration.ofMillis(700));
        assertThat(Retry.none().backoffAfter(3)).isZero();
        assertThatThrownBy(() -> r.backoffAfter(0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void collectionNamesFitTheStoreAndDifferByName() {
        Names shortName = Names.of("order-fulfilment");
        assertThat(shortName.stored(Names.INSTANCES)).isEqualTo("sg_order_fulfilment_inst_v1");
        Names a = Names.of("a-very-long-process-manager-name-that-goes-on-and-on");
        Names b = Names.of("a-very-long-process-manager-name-that-goes-on-and-up");
        for (String kind : List.of(Names.INSTANCES, Names.COMMANDS, Names.DEADLINES, Names.ASSOCIATIONS, Names.LOCKS)) {
            assertThat(dev.facta.readmodel.ReadModelStore.checkName(a.stored(kind))).hasSizeLessThanOrEqualTo(48);
        }
        assertThat(a.prefix()).isNotEqualTo(b.prefix());
    }

    @Test
    void documentsKeepTheStateAsAQueryableObject() {
        ProcessManager<Fulfilment> pm = base("pm").build();
        SagaRuntime rt = runtime(pm);
        rt.deliver("pm", append("order-1", placed("1", 1, "i")));
        Map<String, Object> doc = store.readModels().collection(Names.of("pm").stored(Names.INSTANCES), SagaJson.CODEC)
                .get("1").orElseThrow();
        assertThat(doc).containsEntry("status", "ACTIVE").containsKey("state").containsKey("streams");
        assertThat(store.readModels().collection(Names.of("pm").stored(Names.INSTANCES), SagaJson.CODEC)
                .count(dev.facta.readmodel.Query.where("state.status", dev.facta.readmodel.Predicate.eq("new")))).isEqualTo(1);
        rt.deliver("pm", append("order-2", TestDomain.payment("unknown", 1))); // names no instance
        assertThat(store.readModels().collection(Names.of("pm").stored(Names.LOCKS), SagaJson.CODEC)
                .count(dev.facta.readmodel.Query.all())).as("one lock row per instance, none for unknown ids").isEqualTo(1);
    }

    @Test
    void aDeadlineWhoseHandlerKeepsFailingIsRetriedWithBackoffThenParked() {
        ProcessManager<Fulfilment> pm = ProcessManager.builder("pm", JSON.codec(Fulfilment.class))
                .startedBy("OrderPlaced", e -> field(e, "orderId"), (e, ctx) -> {
                    ctx.schedule("broken", Duration.ofMinutes(1));
                    ctx.schedule("fine", Duration.ofMinutes(1));
                    return new Fulfilment(field(e, "orderId"), "new", 1, 0, "i");
                })
                .onDeadline("broken", (s, d, ctx) -> {
                    throw new IllegalStateException("deadline handler bug");
                })
                .onDeadline("fine", (s, d, ctx) -> {
                    ctx.send(new ShipOrder(s.orderId()));
                    return s;
                })
                .build();
        SagaRuntime rt = runtime(pm);
        rt.deliver("pm", append("order-1", placed("1", 1, "i")));
        clock.advance(Duration.ofMinutes(1));
        assertThat(rt.fireDueDeadlines()).as("the other deadline still fires").isEqualTo(1);
        assertThat(rt.commands("pm", "1")).extracting(IssuedCommand::command).containsExactly(new ShipOrder("1"));
        Map<String, Object> broken = store.readModels().collection(Names.of("pm").stored(Names.DEADLINES), SagaJson.CODEC)
                .get(Session.deadlineId("1", "broken")).orElseThrow();
        assertThat(broken.get("attempts")).isEqualTo(java.math.BigDecimal.ONE);
        assertThat((String) broken.get("lastError")).contains("deadline handler bug");
        assertThat(rt.fireDueDeadlines()).as("waits for its backoff").isZero();
        int tries = 1;
        for (int i = 0; i < 50; i++) {
            clock.advance(Duration.ofMinutes(5));
            rt.fireDueDeadlines();
            tries = ((java.math.BigDecimal) store.readModels().collection(Names.of("pm").stored(Names.DEADLINES), SagaJson.CODEC)
                    .get(Session.deadlineId("1", "broken")).orElseThrow().get("attempts")).intValue();
        }
        assertThat(tries).as("parked after its last attempt, not retried forever").isEqualTo(Session.DEADLINE_ATTEMPTS);
        assertThat(rt.deadlines("pm", "1")).extracting(Deadline::name).containsExactly("broken");
        assertThat(rt.deadlines("pm", "1").getFirst().dueAt()).isEqualTo(Fixed.START.plus(Duration.ofMinutes(1)));
    }

    /** The manual clock's start. */
    private static final class Fixed {
        static final java.time.Instant START = new ManualClock().instant();
    }
}
