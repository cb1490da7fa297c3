package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.command.CommandMessage;
import dev.facta.command.InMemoryIdempotencyStore;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.saga.TestDomain.Ack;
import dev.facta.saga.TestDomain.Behaviour;
import dev.facta.saga.TestDomain.CancelOrder;
import dev.facta.saga.TestDomain.Charge;
import dev.facta.saga.TestDomain.Checkout;
import dev.facta.saga.TestDomain.Confirm;
import dev.facta.saga.TestDomain.Fulfilment;
import dev.facta.saga.TestDomain.ManualClock;
import dev.facta.saga.TestDomain.Recorder;
import dev.facta.saga.TestDomain.RefundPayment;
import dev.facta.saga.TestDomain.Refund;
import dev.facta.saga.TestDomain.Release;
import dev.facta.saga.TestDomain.RequestPayment;
import dev.facta.saga.TestDomain.Reserve;
import dev.facta.saga.TestDomain.ShipOrder;
import dev.facta.saga.TestDomain.Tally;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static dev.facta.saga.TestDomain.COMMANDS;
import static dev.facta.saga.TestDomain.delivered;
import static dev.facta.saga.TestDomain.event;
import static dev.facta.saga.TestDomain.invoicePaid;
import static dev.facta.saga.TestDomain.payment;
import static dev.facta.saga.TestDomain.placed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What process managers and sagas promise on every store: transitions through the projection engine,
 * association, exactly one instance per start event across engines, no lost update when one
 * instance's events come from several segments at once, redelivered and reordered events giving the
 * same state and commands as single delivery, commands surviving a crash between commit and dispatch,
 * compensation in reverse with bounded retries and backoff, COMPENSATION_FAILED and the operator's
 * retry, stale step outcomes refused, and deadlines that fire after a restart, once, and never for
 * an ended instance.
 *
 * <p>Each store module extends it. Tests wait with bounded polling and never assert durations; time
 * that matters (deadlines, backoff) comes from a {@link ManualClock}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class SagaContract {

    /** One process's handles on a database: its event store and projection store. */
    public record Db(EventStore events, ProjectionStore store, Object location) {
    }

    /** Handles on a fresh, empty database. */
    protected abstract Db newDatabase() throws Exception;

    /** Handles of another process on the same database (default: the same handles). */
    protected Db anotherProcess(Db db) throws Exception {
        return db;
    }

    /** Closes one process's handles. */
    protected void close(Db db) throws Exception {
        if (db.store() instanceof AutoCloseable c) c.close();
        db.events().close();
    }

    /** Drops a database made by {@link #newDatabase}, after all its handles were closed. */
    protected void drop(Db db) throws Exception {
    }

    protected Duration patience() {
        return Duration.ofSeconds(30);
    }

    private final List<SagaRuntime> runtimes = new ArrayList<>();
    private final List<Db> handles = new ArrayList<>();
    private final List<Db> databases = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (SagaRuntime r : runtimes.reversed()) r.close();
        Set<Object> closed = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Db d : handles.reversed()) {
            if (closed.add(d.events())) close(d);
        }
        for (Db d : databases) drop(d);
    }

    protected Db database() throws Exception {
        Db d = newDatabase();
        databases.add(d);
        handles.add(d);
        return d;
    }

    protected Db other(Db db) throws Exception {
        Db d = anotherProcess(db);
        if (d != db) handles.add(d);
        return d;
    }

    private SagaRuntime.Builder runtime(Db db, Recorder recorder, String id) {
        return runtime(db, recorder, id, new ManualClock(Instant.now()));
    }

    private SagaRuntime.Builder runtime(Db db, Recorder recorder, String id, java.time.Clock clock) {
        return SagaRuntime.builder(db.events(), db.store(), recorder.bus())
                .commandCodec(COMMANDS)
                .instanceId(id)
                .clock(clock)
                .pollInterval(Duration.ofMillis(20))
                .engine(b -> b.pollInterval(Duration.ofMillis(20)).leaseTtl(Duration.ofSeconds(1)));
    }

    private SagaRuntime started(SagaRuntime.Builder b) {
        SagaRuntime r = b.build();
        runtimes.add(r);
        return r.start();
    }

    private SagaRuntime unstarted(SagaRuntime.Builder b) {
        SagaRuntime r = b.build();
        runtimes.add(r);
        return r;
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    private static RecordedEvent append(Db db, String stream, EventData e) {
        db.events().append(StreamId.of(stream), ExpectedVersion.any(), e);
        return db.events().readStreamBackward(StreamId.of(stream), 1).getFirst();
    }

    @SuppressWarnings("unchecked")
    private static <S> SagaInstance<S> instance(SagaRuntime rt, String name, String id) {
        return (SagaInstance<S>) rt.instance(name, id).orElseThrow(() -> new AssertionError("no instance " + id + " of " + name));
    }

    private static Fulfilment state(SagaRuntime rt, String id) {
        return (Fulfilment) instance(rt, "order-fulfilment", id).state();
    }

    private static final String FULFILMENT = "order-fulfilment";
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    // ------------------------------------------------------------------ process managers

    @Test
    void aProcessManagerMovesThroughItsStatesOnEventsAndIssuesCommandsWithTheirMetadata() throws Exception {
        Db db = database();
        Recorder rec = new Recorder();
        ManualClock clock = new ManualClock();
        SagaRuntime rt = started(runtime(db, rec, "node-1", clock).register(TestDomain.fulfilment()));

        Metadata meta = Metadata.empty().withCorrelationId("corr-1").withTenant("acme")
                .with("traceparent", TRACEPARENT).with("tracestate", "vendor=1").with("unrelated", "x");
        RecordedEvent start = append(db, "order-o1", event("OrderPlaced",
                "{\"orderId\":\"o1\",\"amount\":100,\"invoice\":\"inv-1\"}", meta));
        await("RequestPayment", () -> rec.handled(RequestPayment.class).size() == 1);

        CommandMessage<?> m = rec.handled.getFirst();
        assertThat(m.payload()).isEqualTo(new RequestPayment("o1", 100));
        assertThat(m.idempotencyKey()).isEqualTo(FULFILMENT + ":o1:" + start.id() + ":0");
        assertThat(m.metadata().correlationId()).isEqualTo("corr-1");
        assertThat(m.metadata().causationId()).isEqualTo(start.id().toString());
        assertThat(m.metadata().tenant()).isEqualTo("acme");
        assertThat(m.metadata().values()).containsExactlyInAnyOrderEntriesOf(
                Map.of("traceparent", TRACEPARENT, "tracestate", "vendor=1"));
        SagaInstance<Fulfilment> i = instance(rt, FULFILMENT, "o1");
        assertThat(i.status()).isEqualTo(SagaStatus.ACTIVE);
        assertThat(i.revision()).isEqualTo(1);
        assertThat(i.state()).isEqualTo(new Fulfilment("o1", "awaiting-payment", 100, 0, "inv-1"));
        assertThat(rt.deadlines(FULFILMENT, "o1")).containsExactly(
                new Deadline(FULFILMENT, "o1", "payment-timeout", clock.instant().plus(TestDomain.PAYMENT_TIMEOUT)));

        append(db, "payment-p1", payment("o1", 60));
        await("a partial payment", () -> state(rt, "o1").paid() == 60);
        assertThat(state(rt, "o1").status()).isEqualTo("awaiting-payment");

        // by association: the invoice the instance associated itself with
        append(db, "invoice-inv-1", invoicePaid("inv-1", 40));
        await("ShipOrder", () -> rec.handled(ShipOrder.class).size() == 1);
        assertThat(state(rt, "o1")).isEqualTo(new Fulfilment("o1", "paid", 100, 100, "inv-1"));
        assertThat(rt.deadlines(FULFILMENT, "o1")).isEmpty();

        append(db, "order-o1", delivered("o1"));
        await("the end", () -> instance(rt, FULFILMENT, "o1").status() == SagaStatus.ENDED);
        assertThat(instance(rt, FULFILMENT, "o1").endedAt()).isEqualTo(clock.instant());

        append(db, "payment-p2", payment("o1", 5)); // after the end: nothing
        append(db, "order-o2", placed("o2", 7, "inv-2"));
        await("the second order", () -> rec.handled(RequestPayment.class).size() == 2);
        assertThat(rt.engine().awaitCaughtUp(FULFILMENT, patience())).isTrue();
        assertThat(rec.handled(RefundPayment.class)).isEmpty();
        assertThat(instance(rt, FULFILMENT, "o1").revision()).isEqualTo(4);
        assertThat(new HashSet<>(rec.handledKeys())).hasSize(rec.handled.size());
        await("an empty outbox", () -> rt.commands(FULFILMENT, "o1").isEmpty() && rt.commands(FULFILMENT, "o2").isEmpty());
    }

    @Test
    void aStartEventCreatesExactlyOneInstanceWhenTwoEnginesReceiveIt() throws Exception {
        Db a = database();
        Db b = other(a);
        InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
        Recorder recA = new Recorder(keys);
        Recorder recB = new Recorder(keys);
        ProjectionOptions four = SagaRuntime.Builder.defaultOptions().toBuilder().segments(4).batchSize(5).build();
        SagaRuntime rtA = started(runtime(a, recA, "node-a").register(TestDomain.fulfilment(), four));
        SagaRuntime rtB = started(runtime(b, recB, "node-b").register(TestDomain.fulfilment(), four));

        int orders = 16;
        for (int i = 0; i < orders; i++) {
            // the same start, received through three streams that land in different segments
            for (String source : List.of("order", "import", "retry")) append(a, source + "-o" + i, placed("o" + i, 10, "inv-" + i));
        }
        assertThat(rtA.engine().awaitCaughtUp(FULFILMENT, patience())).isTrue();
        await("one RequestPayment per order", () -> recA.handled.size() + recB.handled.size() >= orders);
        Thread.sleep(200);
        List<Object> all = new ArrayList<>(recA.handledPayloads());
        all.addAll(recB.handledPayloads());
        assertThat(all).hasSize(orders);
        for (int i = 0; i < orders; i++) {
            assertThat(all).containsOnlyOnce(new RequestPayment("o" + i, 10));
            SagaInstance<Fulfilment> inst = instance(rtB, FULFILMENT, "o" + i);
            assertThat(inst.revision()).isEqualTo(1);
        }
        assertThat(rtA.count(FULFILMENT, SagaStatus.ACTIVE)).isEqualTo(orders);
    }

    @Test
    void startEventsDeliveredAtTheSameTimeByTwoProcessesMakeOneInstance() throws Exception {
        Db a = database();
        Db b = other(a);
        AtomicInteger starts = new AtomicInteger();
        ProcessManager<Fulfilment> slow = ProcessManager.builder(FULFILMENT, TestDomain.JSON.codec(Fulfilment.class))
                .startedBy("OrderPlaced", e -> TestDomain.field(e, "orderId"), (e, ctx) -> {
                    starts.incrementAndGet();
                    Thread.sleep(150); // widen the window in which the other delivery arrives
                    ctx.send(new RequestPayment(TestDomain.field(e, "orderId"), 1));
                    return new Fulfilment(TestDomain.field(e, "orderId"), "awaiting-payment", 1, 0, "i");
                })
                .build();
        SagaRuntime rtA = unstarted(runtime(a, new Recorder(), "node-a").register(slow));
        SagaRuntime rtB = unstarted(runtime(b, new Recorder(), "node-b").register(slow));
        RecordedEvent e1 = append(a, "order-x", placed("x", 1, "i"));
        RecordedEvent e2 = append(a, "import-x", placed("x", 1, "i"));
        CyclicBarrier barrier = new CyclicBarrier(2);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<?> f1 = pool.submit(() -> {
                barrier.await();
                return rtA.deliver(FULFILMENT, e1);
            });
            Future<?> f2 = pool.submit(() -> {
                barrier.await();
                return rtB.deliver(FULFILMENT, e2);
            });
            assertThat(f1.get()).isEqualTo(java.util.Optional.of("x"));
            assertThat(f2.get()).isEqualTo(java.util.Optional.of("x"));
        }
        assertThat(starts.get()).as("the second delivery waited for the first and found its instance").isEqualTo(1);
        List<IssuedCommand> issued = rtA.commands(FULFILMENT, "x");
        assertThat(issued).hasSize(1);
        assertThat(issued.getFirst().idempotencyKey()).isIn(FULFILMENT + ":x:" + e1.id() + ":0", FULFILMENT + ":x:" + e2.id() + ":0");
        assertThat(instance(rtA, FULFILMENT, "x").revision()).isEqualTo(1);
        assertThat(rtA.count(FULFILMENT, SagaStatus.ACTIVE)).isEqualTo(1);
    }

    @Test
    void eventsOfOneInstanceFromManySegmentsAtOnceLoseNoUpdate() throws Exception {
        Db a = database();
        Db b = other(a);
        InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
        Recorder recA = new Recorder(keys);
        Recorder recB = new Recorder(keys);
        ProjectionOptions four = SagaRuntime.Builder.defaultOptions().toBuilder().segments(4).batchSize(10).build();
        SagaRuntime rtA = started(runtime(a, recA, "node-a").register(TestDomain.tally(), four));
        SagaRuntime rtB = started(runtime(b, recB, "node-b").register(TestDomain.tally(), four));
        append(a, "tally-k1", event("Opened", "{\"key\":\"k1\"}"));
        append(a, "tally-k2", event("Opened", "{\"key\":\"k2\"}"));
        assertThat(rtA.engine().awaitCaughtUp("tally", patience())).isTrue();

        int ticks = 160;
        try (ExecutorService writers = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                done.add(writers.submit(() -> {
                    for (int i = writer; i < ticks; i += 4) {
                        String key = i % 2 == 0 ? "k1" : "k2";
                        append(a, "tick-" + (i % 32), event("Tick", "{\"key\":\"" + key + "\",\"n\":" + i + "}"));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertThat(rtA.engine().awaitCaughtUp("tally", patience())).isTrue();
        assertThat(((Tally) instance(rtA, "tally", "k1").state()).count()).isEqualTo(ticks / 2);
        assertThat(((Tally) instance(rtA, "tally", "k2").state()).count()).isEqualTo(ticks / 2);
        assertThat(instance(rtA, "tally", "k1").revision()).isEqualTo(ticks / 2 + 1);
        await("every Ack", () -> recA.handled.size() + recB.handled.size() >= ticks);
        Thread.sleep(100);
        Set<Long> acked = new HashSet<>();
        for (Recorder r : List.of(recA, recB)) for (Ack ack : r.handled(Ack.class)) assertThat(acked.add(ack.n())).isTrue();
        assertThat(acked).hasSize(ticks);
    }

    // ------------------------------------------------------------------ redelivery and reordering

    /** One order's events in the order the process manager must see them. */
    private record Story(String orderId, List<RecordedEvent> events) {
    }

    private static List<Story> stories(Random r, int orders) {
        List<Story> out = new ArrayList<>();
        Map<String, Integer> versions = new LinkedHashMap<>();
        long[] position = {1};
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        for (int o = 0; o < orders; o++) {
            String id = "o" + o;
            String invoice = "inv-" + o;
            long amount = 10 + r.nextInt(90);
            List<RecordedEvent> ev = new ArrayList<>();
            java.util.function.BiFunction<String, EventData, RecordedEvent> rec = (stream, d) -> {
                int v = versions.merge(stream, 1, Integer::sum) - 1;
                Metadata m = Metadata.empty().withCorrelationId("c-" + id).with("traceparent", TRACEPARENT);
                return new RecordedEvent(UUID.nameUUIDFromBytes((stream + "@" + v).getBytes(StandardCharsets.UTF_8)),
                        StreamId.of(stream), v, position[0]++, d.type(), d.data(), m, at);
            };
            ev.add(rec.apply("order-" + id, placed(id, amount, invoice)));
            int payments = r.nextInt(4);
            for (int p = 0; p < payments; p++) {
                long part = 1 + r.nextInt((int) amount);
                ev.add(r.nextBoolean() ? rec.apply("payment-" + id + "-" + p, payment(id, part))
                        : rec.apply("invoice-" + invoice, invoicePaid(invoice, part)));
            }
            if (r.nextInt(3) == 0) ev.add(rec.apply("order-" + id, delivered(id)));
            if (r.nextInt(3) == 0) ev.add(rec.apply("payment-" + id + "-late", payment(id, 1)));
            out.add(new Story(id, ev));
        }
        return out;
    }

    /** The stories interleaved at random, each keeping its own order. */
    private static List<RecordedEvent> interleave(Random r, List<Story> stories) {
        List<Integer> cursor = new ArrayList<>(Collections.nCopies(stories.size(), 0));
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < stories.size(); i++) open.add(i);
        List<RecordedEvent> out = new ArrayList<>();
        while (!open.isEmpty()) {
            int k = open.get(r.nextInt(open.size()));
            Story s = stories.get(k);
            out.add(s.events().get(cursor.get(k)));
            cursor.set(k, cursor.get(k) + 1);
            if (cursor.get(k) == s.events().size()) open.remove((Integer) k);
        }
        return out;
    }

    /** Every event 2 or 3 times: the first copy where it was, the others anywhere after it. */
    private static List<RecordedEvent> redeliver(Random r, List<RecordedEvent> once) {
        List<RecordedEvent> out = new ArrayList<>(once);
        for (RecordedEvent e : once) {
            int copies = 1 + r.nextInt(2);
            for (int c = 0; c < copies; c++) {
                int first = out.indexOf(e);
                out.add(first + 1 + r.nextInt(out.size() - first), e);
            }
        }
        return out;
    }

    /** What an instance ended up as, and the commands and deadlines it left behind. */
    private record Outcome(SagaStatus status, long revision, Object state, List<String> commands, List<Deadline> deadlines) {
    }

    private Map<String, Outcome> run(List<Story> stories, List<RecordedEvent> deliveries, boolean twoProcesses) throws Exception {
        Db a = database();
        Db b = twoProcesses ? other(a) : a;
        ManualClock clock = new ManualClock();
        SagaRuntime rtA = unstarted(runtime(a, new Recorder(), "node-a", clock).register(TestDomain.fulfilment()));
        SagaRuntime rtB = twoProcesses ? unstarted(runtime(b, new Recorder(), "node-b", clock).register(TestDomain.fulfilment())) : rtA;
        for (int i = 0; i < deliveries.size(); i++) (i % 2 == 0 ? rtA : rtB).deliver(FULFILMENT, deliveries.get(i));
        Map<String, Outcome> out = new TreeMap<>();
        for (Story s : stories) {
            SagaInstance<?> inst = instance(rtA, FULFILMENT, s.orderId());
            List<String> commands = rtA.commands(FULFILMENT, s.orderId()).stream()
                    .map(c -> c.sequence() + " " + c.idempotencyKey() + " " + c.type() + " " + c.json() + " " + c.metadata())
                    .toList();
            out.put(s.orderId(), new Outcome(inst.status(), inst.revision(), inst.state(), commands,
                    rtA.deadlines(FULFILMENT, s.orderId())));
        }
        return out;
    }

    @Test
    void eventsDeliveredTwoOrThreeTimesAndReorderedGiveTheStateAndCommandsOfSingleDelivery() throws Exception {
        for (long seed : new long[]{11, 23, 37}) {
            Random r = new Random(seed);
            List<Story> stories = stories(r, 8);
            List<RecordedEvent> once = interleave(r, stories);
            List<RecordedEvent> many = redeliver(r, interleave(r, stories));
            assertThat(many.size()).isGreaterThanOrEqualTo(2 * once.size());
            Map<String, Outcome> expected = run(stories, once, false);
            Map<String, Outcome> actual = run(stories, many, seed % 2 == 1);
            assertThat(actual).as("seed " + seed).isEqualTo(expected);
            assertThat(expected.values().stream().mapToInt(o -> o.commands().size()).sum()).as("seed " + seed).isGreaterThan(8);
        }
    }

    // ------------------------------------------------------------------ commands and crashes

    @Test
    void commandsCommittedBeforeACrashAreDispatchedAfterwardsWithTheSameKeyAndRunOnce() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();

        // 1. the process dies after committing the transition, before dispatching
        Recorder dead = new Recorder(keys);
        SagaRuntime before = unstarted(runtime(db, dead, "node-1", clock).register(TestDomain.fulfilment()));
        RecordedEvent e1 = append(db, "order-o1", placed("o1", 10, "inv-1"));
        before.deliver(FULFILMENT, e1);
        assertThat(before.commands(FULFILMENT, "o1")).extracting(IssuedCommand::command).containsExactly(new RequestPayment("o1", 10));
        Recorder after = new Recorder(keys);
        SagaRuntime restarted = unstarted(runtime(db, after, "node-2", clock).register(TestDomain.fulfilment()));
        assertThat(restarted.dispatchDueCommands()).isEqualTo(1);
        assertThat(after.handledKeys()).containsExactly(FULFILMENT + ":o1:" + e1.id() + ":0");
        assertThat(restarted.commands(FULFILMENT, "o1")).isEmpty();

        // 2. the process dies after the bus accepted the command, before recording it
        Recorder crashing = new Recorder(keys);
        AtomicInteger accepted = new AtomicInteger();
        SagaRuntime[] self = new SagaRuntime[1];
        SagaRuntime dying = unstarted(SagaRuntime.builder(db.events(), db.store(), crashing.bus((m, next) -> {
                    Object result = next.proceed(m);
                    accepted.incrementAndGet();
                    self[0].halt();
                    return result;
                })).commandCodec(COMMANDS).instanceId("node-3").clock(clock).register(TestDomain.fulfilment()));
        self[0] = dying;
        RecordedEvent e2 = append(db, "order-o2", placed("o2", 20, "inv-2"));
        dying.deliver(FULFILMENT, e2);
        assertThatThrownBy(dying::dispatchDueCommands).isInstanceOf(SagaRuntime.Halted.class);
        assertThat(accepted.get()).isEqualTo(1);
        assertThat(crashing.handled(RequestPayment.class)).containsExactly(new RequestPayment("o2", 20));
        List<IssuedCommand> left = restarted.commands(FULFILMENT, "o2");
        assertThat(left).hasSize(1);
        assertThat(left.getFirst().status()).isEqualTo(IssuedCommand.Status.PENDING);

        assertThat(restarted.dispatchDueCommands()).as("claimed by the dead process until its claim runs out").isZero();
        clock.advance(Duration.ofSeconds(31));
        Recorder next = new Recorder(keys);
        SagaRuntime third = unstarted(runtime(db, next, "node-4", clock).register(TestDomain.fulfilment()));
        assertThat(third.dispatchDueCommands()).isEqualTo(1);
        String key = FULFILMENT + ":o2:" + e2.id() + ":0";
        assertThat(next.dispatched).extracting(CommandMessage::idempotencyKey).containsExactly(key);
        assertThat(crashing.dispatched).extracting(CommandMessage::idempotencyKey).containsExactly(key);
        assertThat(next.dispatched.getFirst().id()).isEqualTo(crashing.dispatched.getFirst().id());
        assertThat(next.handled).as("the idempotency middleware returned the first run's result").isEmpty();
        assertThat(third.commands(FULFILMENT, "o2")).isEmpty();
    }

    @Test
    void aRunningRuntimeDispatchesATransitionsCommandsRightAfterItsCommitAndACrashThenLeavesThemClaimedUntilTheClaimRunsOut()
            throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        InMemoryIdempotencyStore keys = new InMemoryIdempotencyStore();
        Recorder crashing = new Recorder(keys);
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        SagaRuntime[] self = new SagaRuntime[1];
        // the background thread looks for due work once an hour: only the eager path can dispatch in time
        SagaRuntime dying = started(SagaRuntime.builder(db.events(), db.store(), crashing.bus((m, next) -> {
                    threads.add(Thread.currentThread().getName());
                    Object result = next.proceed(m);
                    self[0].halt(); // dies after the bus accepted the command, before its outcome is recorded
                    return result;
                })).commandCodec(COMMANDS).instanceId("node-1").clock(clock).pollInterval(Duration.ofHours(1))
                .engine(b -> b.pollInterval(Duration.ofMillis(20)).leaseTtl(Duration.ofSeconds(1)))
                .register(TestDomain.fulfilment()));
        self[0] = dying;
        RecordedEvent e1 = append(db, "order-o1", placed("o1", 10, "inv-1"));
        await("RequestPayment", () -> crashing.handled(RequestPayment.class).size() == 1);
        assertThat(threads).as("dispatched by the eager path, right after the commit").containsExactly("facta-saga-eager");

        Recorder next = new Recorder(keys);
        SagaRuntime other = unstarted(runtime(other(db), next, "node-2", clock).register(TestDomain.fulfilment()));
        await("the transition committed", () -> other.commands(FULFILMENT, "o1").size() == 1);
        IssuedCommand left = other.commands(FULFILMENT, "o1").getFirst();
        assertThat(left.status()).isEqualTo(IssuedCommand.Status.PENDING);
        assertThat(left.dueAt()).as("claimed for dispatchClaim").isEqualTo(clock.instant().plusSeconds(30));
        assertThat(other.dispatchDueCommands()).as("claimed by the dead process until its claim runs out").isZero();
        clock.advance(Duration.ofSeconds(31));
        assertThat(other.dispatchDueCommands()).isEqualTo(1);
        String key = FULFILMENT + ":o1:" + e1.id() + ":0";
        assertThat(next.dispatched).extracting(CommandMessage::idempotencyKey).containsExactly(key);
        assertThat(crashing.dispatched).extracting(CommandMessage::idempotencyKey).containsExactly(key);
        assertThat(next.dispatched.getFirst().id()).isEqualTo(crashing.dispatched.getFirst().id());
        assertThat(next.handled).as("the idempotency middleware returned the first run's result").isEmpty();
        assertThat(other.commands(FULFILMENT, "o1")).isEmpty();
    }

    @Test
    void eagerDispatchKeepsIssueOrderBehindACommandWaitingForItsRetry() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        rec.failures.put(RequestPayment.class, new AtomicInteger(1));
        SagaRuntime rt = started(runtime(db, rec, "node-1", clock).register(TestDomain.fulfilment()));
        append(db, "order-o1", placed("o1", 10, "inv-1"));
        await("the first attempt", () -> rec.dispatched.size() == 1);
        await("its outcome recorded", () -> rt.commands(FULFILMENT, "o1").size() == 1
                && rt.commands(FULFILMENT, "o1").getFirst().attempts() == 1);
        // the next transition's command must not overtake the one waiting for its retry
        append(db, "payment-p1", payment("o1", 10));
        await("ShipOrder issued", () -> rt.commands(FULFILMENT, "o1").size() == 2);
        assertThat(rt.engine().awaitCaughtUp(FULFILMENT, patience())).isTrue();
        Thread.sleep(100);
        assertThat(rec.handled).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        rt.runDueWork();
        await("both, in order", () -> rec.handled.size() == 2);
        assertThat(rec.handledPayloads()).containsExactly(new RequestPayment("o1", 10), new ShipOrder("o1"));
    }

    @Test
    void aCommandIssuedWhileTheEarlierOneIsStillBeingDispatchedGoesOutOnlyAfterItAndNotWhenItFailed() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger paymentAttempts = new AtomicInteger();
        List<Object> sent = Collections.synchronizedList(new ArrayList<>());
        SagaRuntime rt = started(SagaRuntime.builder(db.events(), db.store(), rec.bus((m, next) -> {
                    if (m.payload() instanceof RequestPayment && paymentAttempts.incrementAndGet() == 1) {
                        release.await(); // still being dispatched while the next event arrives
                        throw new IllegalStateException("the first attempt fails");
                    }
                    sent.add(m.payload());
                    return next.proceed(m);
                })).commandCodec(COMMANDS).instanceId("node-1").clock(clock).pollInterval(Duration.ofMillis(20))
                .engine(b -> b.pollInterval(Duration.ofMillis(20)).leaseTtl(Duration.ofSeconds(1)))
                .register(TestDomain.fulfilment()));
        append(db, "order-o1", placed("o1", 10, "inv-1"));
        await("RequestPayment under way", () -> paymentAttempts.get() == 1);
        append(db, "payment-p1", payment("o1", 10));
        await("ShipOrder issued", () -> rt.commands(FULFILMENT, "o1").size() == 2);
        assertThat(rt.engine().awaitCaughtUp(FULFILMENT, patience())).isTrue();
        Thread.sleep(100);
        assertThat(sent).as("ShipOrder waits for RequestPayment").isEmpty();
        release.countDown();
        await("the failure recorded", () -> rt.commands(FULFILMENT, "o1").getFirst().attempts() == 1);
        Thread.sleep(100);
        assertThat(sent).as("not after a failed RequestPayment").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        await("both, in order", () -> sent.size() == 2);
        assertThat(sent).containsExactly(new RequestPayment("o1", 10), new ShipOrder("o1"));
        await("an empty outbox", () -> rt.commands(FULFILMENT, "o1").isEmpty());
    }

    @Test
    void aFailingCommandIsRetriedWithBackoffThenParkedTheInstanceToldAndAnOperatorRetriesIt() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        rec.failures.put(RequestPayment.class, new AtomicInteger(1_000));
        SagaRuntime rt = unstarted(runtime(db, rec, "node-1", clock).register(TestDomain.fulfilment()));
        rt.deliver(FULFILMENT, append(db, "order-o1", placed("o1", 10, "inv-1")));

        assertThat(rt.dispatchDueCommands()).isEqualTo(1);
        IssuedCommand c = rt.commands(FULFILMENT, "o1").getFirst();
        assertThat(c.status()).isEqualTo(IssuedCommand.Status.PENDING);
        assertThat(c.attempts()).isEqualTo(1);
        assertThat(c.lastError()).contains("refused on purpose");
        assertThat(c.dueAt()).isEqualTo(clock.instant().plusMillis(10));
        clock.advance(Duration.ofMillis(9));
        assertThat(rt.dispatchDueCommands()).as("not due yet").isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(rt.dispatchDueCommands()).isEqualTo(1);
        assertThat(rt.commands(FULFILMENT, "o1").getFirst().dueAt()).isEqualTo(clock.instant().plusMillis(20));
        clock.advance(Duration.ofMillis(20));
        assertThat(rt.dispatchDueCommands()).isEqualTo(1);

        c = rt.commands(FULFILMENT, "o1").getFirst();
        assertThat(c.status()).isEqualTo(IssuedCommand.Status.FAILED);
        assertThat(c.attempts()).isEqualTo(3);
        assertThat(c.dueAt()).isNull();
        assertThat(rt.failedCommands(FULFILMENT, 10)).extracting(IssuedCommand::command).containsExactly(new RequestPayment("o1", 10));
        assertThat(state(rt, "o1").status()).as("onCommandFailed ran").isEqualTo("attention");
        clock.advance(Duration.ofHours(1));
        // the payment timeout fires and its cancellation goes out: a failed command holds up no later one
        assertThat(rt.runDueWork()).isEqualTo(2);
        assertThat(rec.dispatched.stream().filter(m -> m.payload() instanceof RequestPayment))
                .as("a parked command is not retried on its own").hasSize(3);
        assertThat(rec.handledPayloads()).containsExactly(new CancelOrder("o1", "payment timeout"));

        rec.failures.clear();
        rt.retryCommand(FULFILMENT, "o1", 0);
        assertThat(rt.dispatchDueCommands()).isEqualTo(1);
        assertThat(rec.handledPayloads()).containsExactly(new CancelOrder("o1", "payment timeout"), new RequestPayment("o1", 10));
        assertThat(rt.commands(FULFILMENT, "o1")).isEmpty();
        assertThatThrownBy(() -> rt.retryCommand(FULFILMENT, "o1", 0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void anInstancesCommandsAreDispatchedInIssueOrderEvenWhenTheFirstNeedsRetries() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        rec.failures.put(RequestPayment.class, new AtomicInteger(2));
        SagaRuntime rt = unstarted(runtime(db, rec, "node-1", clock).register(TestDomain.fulfilment()));
        rt.deliver(FULFILMENT, append(db, "order-o1", placed("o1", 10, "inv-1")));
        rt.deliver(FULFILMENT, append(db, "payment-1", payment("o1", 10)));
        assertThat(rt.dispatchDueCommands()).isEqualTo(1);
        List<IssuedCommand> waiting = rt.commands(FULFILMENT, "o1");
        assertThat(waiting.get(1).dueAt()).as("the later command waits for the earlier one's retry")
                .isEqualTo(waiting.get(0).dueAt()).isAfter(clock.instant());
        for (int i = 0; i < 20 && !rt.commands(FULFILMENT, "o1").isEmpty(); i++) {
            rt.dispatchDueCommands();
            clock.advance(Duration.ofMillis(50));
        }
        assertThat(rec.handledPayloads()).containsExactly(new RequestPayment("o1", 10), new ShipOrder("o1"));
        assertThat(rec.dispatched).extracting(m -> m.payload().getClass().getSimpleName())
                .containsExactly("RequestPayment", "RequestPayment", "RequestPayment", "ShipOrder");
    }

    @Test
    void rebuildingAProcessManagerReplaysTheLogWithoutEffect() throws Exception {
        Db db = database();
        Recorder rec = new Recorder();
        SagaRuntime rt = started(runtime(db, rec, "node-1").register(TestDomain.fulfilment()));
        for (int i = 0; i < 5; i++) {
            append(db, "order-o" + i, placed("o" + i, 10, "inv-" + i));
            append(db, "payment-o" + i, payment("o" + i, 4));
        }
        assertThat(rt.engine().awaitCaughtUp(FULFILMENT, patience())).isTrue();
        await("five payment requests", () -> rec.handled.size() == 5);
        List<Object> before = new ArrayList<>();
        for (int i = 0; i < 5; i++) before.add(instance(rt, FULFILMENT, "o" + i));

        rt.engine().rebuild(FULFILMENT);
        assertThat(rt.engine().awaitCaughtUp(FULFILMENT, patience())).isTrue();
        Thread.sleep(200);
        List<Object> after = new ArrayList<>();
        for (int i = 0; i < 5; i++) after.add(instance(rt, FULFILMENT, "o" + i));
        assertThat(after).isEqualTo(before);
        assertThat(rec.dispatched).hasSize(5);
    }

    // ------------------------------------------------------------------ deadlines

    @Test
    void aDeadlineFiresAfterARestart() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        SagaRuntime first = started(runtime(db, rec, "node-1", clock).register(TestDomain.fulfilment()));
        append(db, "order-o1", placed("o1", 10, "inv-1"));
        await("the payment request", () -> rec.handled.size() == 1);
        assertThat(first.deadlines(FULFILMENT, "o1")).hasSize(1);
        first.close();

        clock.advance(TestDomain.PAYMENT_TIMEOUT.plusSeconds(1));
        Recorder rec2 = new Recorder(rec.keys);
        SagaRuntime second = started(runtime(db, rec2, "node-2", clock).register(TestDomain.fulfilment()));
        await("the cancellation", () -> rec2.handled(CancelOrder.class).size() == 1);
        assertThat(rec2.handled(CancelOrder.class)).containsExactly(new CancelOrder("o1", "payment timeout"));
        CommandMessage<?> cancel = rec2.handled.getFirst();
        assertThat(cancel.metadata().values()).doesNotContainKey("traceparent");
        assertThat(cancel.metadata().correlationId()).as("the start event's conversation").isEqualTo(
                db.events().readStream(StreamId.of("order-o1")).getFirst().id().toString());
        SagaInstance<Fulfilment> i = instance(second, FULFILMENT, "o1");
        assertThat(i.status()).isEqualTo(SagaStatus.ENDED);
        assertThat(i.state().status()).isEqualTo("cancelled");
        assertThat(second.deadlines(FULFILMENT, "o1")).isEmpty();
    }

    @Test
    void cancelledDeadlinesAndDeadlinesOfEndedInstancesDoNothing() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        SagaRuntime rt = unstarted(runtime(db, new Recorder(), "node-1", clock).register(TestDomain.fulfilment()));
        rt.deliver(FULFILMENT, append(db, "order-o1", placed("o1", 10, "inv-1")));
        rt.deliver(FULFILMENT, append(db, "payment-1", payment("o1", 10)));
        assertThat(rt.deadlines(FULFILMENT, "o1")).isEmpty();
        rt.deliver(FULFILMENT, append(db, "order-o2", placed("o2", 10, "inv-2")));
        rt.deliver(FULFILMENT, append(db, "order-o2", delivered("o2")));
        assertThat(rt.deadlines(FULFILMENT, "o2")).as("ending cancels the deadlines").isEmpty();

        // a deadline left behind for an ended instance (written by hand, as an older release might have)
        DocumentCollection<Map<String, Object>> ddl = db.store().readModels()
                .collection(Names.of(FULFILMENT).stored(Names.DEADLINES), SagaJson.CODEC);
        Map<String, Object> stale = new LinkedHashMap<>();
        stale.put("instance", "o2");
        stale.put("name", "payment-timeout");
        stale.put("at", BigDecimal.valueOf(clock.instant().toEpochMilli()));
        stale.put("dueAt", BigDecimal.valueOf(clock.instant().toEpochMilli()));
        stale.put("token", "t-1");
        ddl.put(Session.deadlineId("o2", "payment-timeout"), stale);
        SagaInstance<?> before = instance(rt, FULFILMENT, "o2");
        List<IssuedCommand> commandsBefore = rt.commands(FULFILMENT, "o2");

        clock.advance(Duration.ofHours(1));
        rt.fireDueDeadlines();
        assertThat(instance(rt, FULFILMENT, "o2")).isEqualTo(before);
        assertThat(rt.commands(FULFILMENT, "o2")).isEqualTo(commandsBefore);
        assertThat(rt.deadlines(FULFILMENT, "o2")).isEmpty();
        assertThat(rt.commands(FULFILMENT, "o1")).extracting(IssuedCommand::command)
                .containsExactly(new RequestPayment("o1", 10), new ShipOrder("o1"));
        assertThat(state(rt, "o1").status()).isEqualTo("paid");
    }

    @Test
    void aDueDeadlineFiresOnceWhenTwoRuntimesRace() throws Exception {
        Db a = database();
        Db b = other(a);
        ManualClock clock = new ManualClock();
        // handling a deadline takes a while, so that the two runtimes' transactions overlap
        AtomicInteger handled = new AtomicInteger();
        ProcessManager<Fulfilment> slow = TestDomain.fulfilment(FULFILMENT, Duration.ofMillis(20), handled);
        SagaRuntime rtA = unstarted(runtime(a, new Recorder(), "node-a", clock).register(slow));
        SagaRuntime rtB = unstarted(runtime(b, new Recorder(), "node-b", clock).register(slow));
        int orders = 12;
        for (int i = 0; i < orders; i++) rtA.deliver(FULFILMENT, append(a, "order-o" + i, placed("o" + i, 10, "inv")));
        assertThat(rtB.deadlines(FULFILMENT, "o0")).hasSize(1); // both runtimes set up before they race
        clock.advance(TestDomain.PAYMENT_TIMEOUT);
        CyclicBarrier go = new CyclicBarrier(2);
        int fired;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Integer> fa = pool.submit(() -> {
                go.await();
                return rtA.fireDueDeadlines();
            });
            Future<Integer> fb = pool.submit(() -> {
                go.await();
                return rtB.fireDueDeadlines();
            });
            fired = fa.get() + fb.get();
        }
        assertThat(fired).isEqualTo(orders);
        assertThat(handled.get()).as("each deadline's handler ran once").isEqualTo(orders);
        for (int i = 0; i < orders; i++) {
            assertThat(rtA.commands(FULFILMENT, "o" + i)).extracting(IssuedCommand::command)
                    .containsExactly(new RequestPayment("o" + i, 10), new CancelOrder("o" + i, "payment timeout"));
            assertThat(instance(rtA, FULFILMENT, "o" + i).status()).isEqualTo(SagaStatus.ENDED);
        }
    }

    // ------------------------------------------------------------------ sagas

    @Test
    void aSagaRunsItsStepsInOrderStartedByAnEventOrByTheApplication() throws Exception {
        Db db = database();
        Recorder rec = new Recorder();
        Behaviour behaviour = new Behaviour();
        Saga<Checkout> saga = TestDomain.checkout(behaviour, Retry.defaults(), Retry.defaults());
        SagaRuntime rt = started(runtime(db, rec, "node-1").register(saga));
        append(db, "checkout-o1", event("CheckoutRequested", "{\"orderId\":\"o1\"}",
                Metadata.empty().withCorrelationId("corr-9").with("traceparent", TRACEPARENT)));
        await("the saga's completion", () -> rt.instance(saga, "o1").map(i -> i.status() == SagaStatus.COMPLETED).orElse(false));
        SagaInstance<Checkout> done = rt.instance(saga, "o1").orElseThrow();
        assertThat(done.state().log()).containsExactly("reserved", "charged", "notified", "confirmed");
        assertThat(done.endedAt()).isNotNull();
        assertThat(done.stepName()).isNull();
        assertThat(rec.handledPayloads()).containsExactly(new Reserve("o1"), new Charge("o1"), new Confirm("o1"));
        assertThat(rec.handledKeys()).containsExactly("checkout:o1:reserve:action:0", "checkout:o1:charge:action:0",
                "checkout:o1:confirm:action:0");
        assertThat(rec.handled).allSatisfy(m -> {
            assertThat(m.metadata().correlationId()).isEqualTo("corr-9");
            assertThat(m.metadata().values()).containsEntry("traceparent", TRACEPARENT);
        });

        assertThat(rt.start(saga, "o2", new Checkout("o2", List.of()))).isTrue();
        assertThat(rt.start(saga, "o2", new Checkout("o2", List.of("other")))).as("the id is taken").isFalse();
        await("the second saga", () -> rt.instance(saga, "o2").map(i -> i.status() == SagaStatus.COMPLETED).orElse(false));
        assertThat(rt.instance(saga, "o2").orElseThrow().state().log()).containsExactly("reserved", "charged", "notified", "confirmed");
        List<CommandMessage<?>> second = rec.handled.subList(3, 6);
        assertThat(second).extracting(m -> m.metadata().correlationId()).as("one conversation for the whole saga")
                .containsOnly(second.getFirst().metadata().correlationId()).doesNotContainNull();
        assertThat(second).extracting(m -> m.metadata().causationId()).doesNotHaveDuplicates();
        assertThat(rt.count("checkout", SagaStatus.COMPLETED)).isEqualTo(2);
    }

    /** Runs due steps, moving the clock 100 ms whenever nothing is due, until the saga stops moving. */
    private static void drive(SagaRuntime rt, ManualClock clock, Saga<?> saga, String id) {
        for (int i = 0; i < 10_000; i++) {
            SagaStatus s = rt.instance(saga.name(), id).orElseThrow().status();
            if (s.isFinal() || s == SagaStatus.COMPENSATION_FAILED) return;
            if (rt.runDueSteps() == 0) clock.advance(Duration.ofMillis(100));
        }
        throw new AssertionError("saga " + id + " did not settle");
    }

    @Test
    void aFailingStepIsRetriedWithBackoffThenTheCompletedStepsAreCompensatedInReverse() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        Behaviour behaviour = new Behaviour().fail("confirm", 1_000);
        Saga<Checkout> saga = TestDomain.checkout(behaviour, Retry.of(4, Duration.ofSeconds(1), Duration.ofSeconds(3)),
                Retry.defaults());
        SagaRuntime rt = unstarted(runtime(db, rec, "node-1", clock).register(saga));
        rt.start(saga, "o1", new Checkout("o1", List.of()));
        drive(rt, clock, saga, "o1");

        assertThat(behaviour.calls()).containsExactly("reserve", "charge", "notify", "confirm", "confirm", "confirm", "confirm",
                "charge:compensation", "reserve:compensation");
        List<Instant> confirms = new ArrayList<>();
        for (int i = 0; i < behaviour.calls.size(); i++) if (behaviour.calls.get(i).equals("confirm")) confirms.add(behaviour.times.get(i));
        assertThat(Duration.between(confirms.get(0), confirms.get(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(Duration.between(confirms.get(1), confirms.get(2))).isEqualTo(Duration.ofSeconds(2));
        assertThat(Duration.between(confirms.get(2), confirms.get(3))).as("capped").isEqualTo(Duration.ofSeconds(3));

        SagaInstance<Checkout> i = rt.instance(saga, "o1").orElseThrow();
        assertThat(i.status()).isEqualTo(SagaStatus.COMPENSATED);
        assertThat(i.state().log()).containsExactly("reserved", "charged", "notified", "refunded", "released");
        assertThat(i.lastError()).contains("step confirm").contains("failed on purpose");
        assertThat(rec.handledPayloads()).containsExactly(new Reserve("o1"), new Charge("o1"), new Refund("o1"), new Release("o1"));
        assertThat(rec.handledKeys()).containsExactly("checkout:o1:reserve:action:0", "checkout:o1:charge:action:0",
                "checkout:o1:charge:compensation:0", "checkout:o1:reserve:compensation:0");
    }

    @Test
    void aFailureTheSagaDoesNotRetryCompensatesAtOnce() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Behaviour behaviour = new Behaviour().fail("charge", 1);
        Saga<Checkout> base = TestDomain.checkout(behaviour, Retry.defaults(), Retry.defaults());
        Saga.Builder<Checkout> b = Saga.builder("checkout", base.dataCodec()).retryIf(t -> !(t instanceof IllegalStateException));
        for (Saga.Step<Checkout> s : base.steps()) b.step(s.name(), s.action(), s.compensation());
        Saga<Checkout> saga = b.build();
        SagaRuntime rt = unstarted(runtime(db, new Recorder(), "node-1", clock).register(saga));
        rt.start(saga, "o1", new Checkout("o1", List.of()));
        drive(rt, clock, saga, "o1");
        assertThat(behaviour.calls()).containsExactly("reserve", "charge", "reserve:compensation");
        assertThat(rt.instance(saga, "o1").orElseThrow().status()).isEqualTo(SagaStatus.COMPENSATED);
    }

    @Test
    void aCompensationThatKeepsFailingStopsInCompensationFailedUntilAnOperatorRetriesIt() throws Exception {
        Db db = database();
        ManualClock clock = new ManualClock();
        Recorder rec = new Recorder();
        Behaviour behaviour = new Behaviour().fail("confirm", 1_000).fail("reserve:compensation", 1_000);
        Saga<Checkout> saga = TestDomain.checkout(behaviour, Retry.none(), Retry.of(3, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        SagaRuntime rt = unstarted(runtime(db, rec, "node-1", clock).register(saga));
        rt.start(saga, "o1", new Checkout("o1", List.of()));
        rt.start(saga, "o2", new Checkout("o2", List.of()));
        drive(rt, clock, saga, "o1");
        drive(rt, clock, saga, "o2");

        SagaInstance<Checkout> i = rt.instance(saga, "o1").orElseThrow();
        assertThat(i.status()).isEqualTo(SagaStatus.COMPENSATION_FAILED);
        assertThat(i.stepName()).isEqualTo("reserve");
        assertThat(i.attempts()).isEqualTo(3);
        assertThat(i.dueAt()).isNull();
        assertThat(i.lastError()).contains("compensation of reserve");
        assertThat(rt.instances("checkout", SagaStatus.COMPENSATION_FAILED, 10)).extracting(SagaInstance::id)
                .containsExactly("o1", "o2");
        assertThat(rt.count("checkout", SagaStatus.COMPENSATION_FAILED)).isEqualTo(2);
        int calls = behaviour.calls().size();
        clock.advance(Duration.ofDays(1));
        assertThat(rt.runDueSteps()).as("nothing runs on its own any more").isZero();
        assertThat(behaviour.calls()).hasSize(calls);

        behaviour.failures.get("reserve:compensation").set(0);
        rt.retry("checkout", "o1");
        assertThat(rt.instance(saga, "o1").orElseThrow().status()).isEqualTo(SagaStatus.COMPENSATING);
        drive(rt, clock, saga, "o1");
        i = rt.instance(saga, "o1").orElseThrow();
        assertThat(i.status()).isEqualTo(SagaStatus.COMPENSATED);
        assertThat(i.state().log()).containsExactly("reserved", "charged", "notified", "refunded", "released");
        assertThat(rec.handled(Release.class)).containsExactly(new Release("o1"));
        assertThat(rt.instances("checkout", SagaStatus.COMPENSATION_FAILED, 10)).extracting(SagaInstance::id).containsExactly("o2");
        assertThatThrownBy(() -> rt.retry("checkout", "o1")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("COMPENSATED");
        assertThatThrownBy(() -> rt.retry("checkout", "nope")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aStepAttemptWhoseClaimWasTakenOverCannotRecordItsOutcome() throws Exception {
        Db a = database();
        Db b = other(a);
        ManualClock clock = new ManualClock();
        AtomicInteger reserveCalls = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Saga<Checkout> saga = Saga.builder("checkout", TestDomain.JSON.codec(Checkout.class))
                .step("reserve", (c, ctx) -> {
                    int call = reserveCalls.incrementAndGet();
                    if (call == 1) {
                        entered.countDown();
                        release.await(); // a process that froze in the middle of the step
                    }
                    return c.plus("reserved#" + call);
                })
                .step("confirm", (c, ctx) -> c.plus("confirmed"))
                .stepTimeout(Duration.ofMinutes(1))
                .build();
        SagaRuntime rtA = unstarted(runtime(a, new Recorder(), "node-a", clock).register(saga));
        SagaRuntime rtB = unstarted(runtime(b, new Recorder(), "node-b", clock).register(saga));
        rtA.start(saga, "o1", new Checkout("o1", List.of()));
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<Integer> frozen = pool.submit(rtA::runDueSteps);
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(rtB.runDueSteps()).as("claimed by node-a").isZero();
            clock.advance(Duration.ofMinutes(2));
            drive(rtB, clock, saga, "o1");
            SagaInstance<Checkout> done = rtB.instance(saga, "o1").orElseThrow();
            assertThat(done.status()).isEqualTo(SagaStatus.COMPLETED);
            release.countDown();
            assertThat(frozen.get()).isEqualTo(1);
            assertThat(rtA.instance(saga, "o1").orElseThrow()).as("node-a's late outcome was refused").isEqualTo(done);
            assertThat(done.state().log()).containsExactly("reserved#2", "confirmed");
        }
    }
}
