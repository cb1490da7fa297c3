package dev.facta.test.saga;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.saga.CommandCodec;
import dev.facta.saga.Deadline;
import dev.facta.saga.IssuedCommand;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.Saga;
import dev.facta.saga.SagaInstance;
import dev.facta.saga.SagaRuntime;
import dev.facta.saga.SagaStatus;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import static dev.facta.test.saga.Fixtures.check;
import static dev.facta.test.saga.Fixtures.error;
import static dev.facta.test.saga.Fixtures.listing;
import static dev.facta.test.saga.Fixtures.show;

/**
 * Given/When/Then for process managers and sagas, on the real {@link SagaRuntime} over in-memory
 * stores and a clock only the fixture moves (it starts at {@value #START_TEXT}). No threads run: the
 * fixture delivers events, fires deadlines and runs saga steps itself, so a test is deterministic.
 *
 * <p>Process managers: given events (and time passing), when an event arrives (or time passes), then
 * these commands were issued, the instance is in this state, these deadlines are scheduled:
 *
 * <pre>{@code
 * SagaFixture.of(orderFulfilment)
 *         .given(SagaFixture.event("order-1", "OrderPlaced", "{\"orderId\":\"1\",\"amount\":100}"))
 *         .when(SagaFixture.event("payment-7", "PaymentReceived", "{\"orderId\":\"1\",\"amount\":100}"))
 *         .thenCommands(new ShipOrder("1"))
 *         .thenState(s -> assertThat(s.status()).isEqualTo("paid"))
 *         .thenNoDeadline("payment-timeout");
 * }</pre>
 *
 * Events are {@link EventData} (with {@link #event(String, String, String)} naming their stream), or
 * objects the process manager's {@link ProcessManager#serializer() serializer} encodes (appended to
 * the stream {@value #DEFAULT_STREAM}). Commands are compared with {@code equals}; by default they are
 * kept as objects, and {@link Process#withCommandCodec} makes them round-trip through the
 * application's codec as in production.
 *
 * <p>Sagas: given the data (or a start event) and how the commands its steps dispatch are answered,
 * then the saga ends in this status with this data, having dispatched these commands. Backoff waits
 * are passed by moving the clock to the next due time.
 *
 * <pre>{@code
 * SagaFixture.of(checkout)
 *         .failing(ChargeCard.class, 5)              // more failures than the retry bound allows
 *         .start("order-1", new Checkout("order-1"))
 *         .thenStatus(SagaStatus.COMPENSATED)
 *         .thenDispatched(new ReserveStock("order-1"), new ReleaseStock("order-1"));
 * }</pre>
 *
 * A mismatch throws {@link org.opentest4j.AssertionFailedError} listing expected and actual values.
 */
public final class SagaFixture {
    static final String START_TEXT = "2026-01-01T00:00:00Z";
    /** The stream events without a stream of their own are appended to. */
    public static final String DEFAULT_STREAM = "fixture-events";

    private SagaFixture() {
    }

    /** A fixture for a process manager. */
    public static <S> Process<S> of(ProcessManager<S> processManager) {
        return new Process<>(Fixtures.notNull(processManager, "processManager"), null, Fixtures.START);
    }

    /** A fixture for an orchestrated saga. */
    public static <D> Steps<D> of(Saga<D> saga) {
        return new Steps<>(Fixtures.notNull(saga, "saga"), Map.of(), Fixtures.START);
    }

    /** An event of a given stream, type and JSON data. */
    public static StreamEvent event(String stream, String type, String json) {
        return new StreamEvent(stream, EventData.of(type, json));
    }

    /** An event of a given stream, type, JSON data and metadata. */
    public static StreamEvent event(String stream, String type, String json, Metadata metadata) {
        return new StreamEvent(stream, EventData.of(type, json, metadata));
    }

    /** An event and the stream it is appended to. */
    public record StreamEvent(String stream, EventData data) {
        public StreamEvent {
            StreamId.of(stream);
            Objects.requireNonNull(data, "data");
        }
    }

    /** One thing that happens before (or as) the step under test: an event, or time passing. */
    private sealed interface Step permits EventStep, TimeStep {
    }

    private record EventStep(Object event) implements Step {
    }

    private record TimeStep(Duration duration) implements Step {
    }

    // ====================================================================== process managers

    /** A process manager fixture; immutable, so one may be shared by several tests. */
    public static final class Process<S> {
        private final ProcessManager<S> pm;
        private final CommandCodec codec;
        private final Instant start;

        private Process(ProcessManager<S> pm, CommandCodec codec, Instant start) {
            this.pm = pm;
            this.codec = codec;
            this.start = start;
        }

        /** Issued commands round-trip through this codec (text in the outbox, decoded for comparison). */
        public Process<S> withCommandCodec(CommandCodec codec) {
            return new Process<>(pm, Fixtures.notNull(codec, "codec"), start);
        }

        /** The clock's time when the given events happen (default {@value SagaFixture#START_TEXT}). */
        public Process<S> startingAt(Instant start) {
            return new Process<>(pm, codec, Fixtures.notNull(start, "start"));
        }

        /** Events that already happened, oldest first. */
        public Given<S> given(Object... events) {
            return givenNothing().and(events);
        }

        /** No history. */
        public Given<S> givenNothing() {
            return new Given<>(this, List.of());
        }
    }

    /** What happened before the step under test; immutable, so several {@code when}s may share it. */
    public static final class Given<S> {
        private final Process<S> fixture;
        private final List<Step> steps;

        private Given(Process<S> fixture, List<Step> steps) {
            this.fixture = fixture;
            this.steps = steps;
        }

        /** More events, after the ones before. */
        public Given<S> and(Object... events) {
            List<Step> more = new ArrayList<>(steps);
            for (Object e : events) more.add(new EventStep(Fixtures.notNull(e, "event")));
            return new Given<>(fixture, List.copyOf(more));
        }

        /** Time passes (due deadlines fire) before what comes next. */
        public Given<S> andTimePasses(Duration duration) {
            List<Step> more = new ArrayList<>(steps);
            more.add(new TimeStep(checkDuration(duration)));
            return new Given<>(fixture, List.copyOf(more));
        }

        /** The event arrives; what it did is checked next. */
        public Then<S> when(Object event) {
            return new Run<>(fixture).play(steps, new EventStep(Fixtures.notNull(event, "event")));
        }

        /** Time passes: the deadlines due by then fire; what they did is checked next. */
        public Then<S> whenTimePasses(Duration duration) {
            return new Run<>(fixture).play(steps, new TimeStep(checkDuration(duration)));
        }

        /** The given events again, delivered once more each (as an at-least-once transport may). */
        public Then<S> whenRedelivered() {
            return new Run<>(fixture).replay(steps);
        }
    }

    private static Duration checkDuration(Duration d) {
        if (d == null || d.isNegative()) throw new IllegalArgumentException("time passes forward: " + d);
        return d;
    }

    /** One fixture run: fresh stores and runtime, the given steps, then the step under test. */
    private static final class Run<S> {
        private final Process<S> fixture;
        private final Fixtures.Stores stores;
        private final SagaRuntime runtime;
        private final Set<String> instances = new LinkedHashSet<>();
        private final List<RecordedEvent> delivered = new ArrayList<>();

        Run(Process<S> fixture) {
            this.fixture = fixture;
            this.stores = Fixtures.Stores.fresh(fixture.start);
            CommandCodec codec = fixture.codec != null ? fixture.codec : Fixtures.byReference();
            this.runtime = SagaRuntime.builder(stores.events(), stores.store(), Fixtures.noBus())
                    .commandCodec(codec).clock(stores.clock()).register(fixture.pm).build();
        }

        Then<S> play(List<Step> given, Step when) {
            for (int i = 0; i < given.size(); i++) {
                try {
                    apply(given.get(i));
                } catch (RuntimeException | Error e) {
                    if (e instanceof VirtualMachineError v) throw v;
                    throw error("Cannot set up the test: given " + describe(given.get(i), i) + " failed with "
                            + Fixtures.describe(e));
                }
            }
            if (when instanceof EventStep e) prepare(e.event()); // a misused fixture fails here, not as the event's outcome
            return observe(describe(when, -1), () -> apply(when));
        }

        Then<S> replay(List<Step> given) {
            play(given, null);
            return observe("the given events delivered again", () -> {
                List<String> touched = new ArrayList<>();
                for (RecordedEvent e : List.copyOf(delivered)) runtime.deliver(fixture.pm.name(), e).ifPresent(touched::add);
                return touched.isEmpty() ? Optional.empty() : Optional.of(touched.getLast());
            });
        }

        private interface Action {
            Optional<String> run();
        }

        private Then<S> observe(String subject, Action action) {
            Map<String, Set<String>> before = new LinkedHashMap<>();
            for (String id : instances) before.put(id, keys(id));
            Instant at = stores.clock().instant();
            Optional<String> target;
            Throwable failure = null;
            try {
                target = action.run();
            } catch (RuntimeException e) {
                target = Optional.empty();
                failure = e;
            }
            List<IssuedCommand> issued = new ArrayList<>();
            for (String id : instances) {
                Set<String> old = before.getOrDefault(id, Set.of());
                for (IssuedCommand c : runtime.commands(fixture.pm.name(), id)) {
                    if (!old.contains(c.idempotencyKey())) issued.add(c);
                }
            }
            return new Then<>(this, subject, at, target.orElse(null), issued, failure);
        }

        private Set<String> keys(String id) {
            Set<String> keys = new HashSet<>();
            for (IssuedCommand c : runtime.commands(fixture.pm.name(), id)) keys.add(c.idempotencyKey());
            return keys;
        }

        private Optional<String> apply(Step step) {
            if (step == null) return Optional.empty();
            return switch (step) {
                case EventStep e -> deliver(e.event());
                case TimeStep t -> {
                    stores.clock().advance(t.duration());
                    for (int i = 0; i < 10_000 && runtime.fireDueDeadlines() > 0; i++) {
                        // a deadline may schedule another that is already due
                    }
                    yield instances.size() == 1 ? Optional.of(instances.iterator().next()) : Optional.empty();
                }
            };
        }

        private Optional<String> deliver(Object event) {
            StreamEvent prepared = prepare(event);
            StreamId id = StreamId.of(prepared.stream());
            stores.events().append(id, ExpectedVersion.any(), prepared.data());
            RecordedEvent recorded = stores.events().readStreamBackward(id, 1).getFirst();
            delivered.add(recorded);
            Optional<String> target = runtime.deliver(fixture.pm.name(), recorded);
            target.ifPresent(instances::add);
            return target;
        }

        /** The event with its stream: encoded by the process manager's serializer unless it is event data already. */
        private StreamEvent prepare(Object event) {
            String stream;
            EventData data;
            switch (event) {
                case StreamEvent s -> {
                    stream = s.stream();
                    data = s.data();
                }
                case EventData d -> {
                    stream = DEFAULT_STREAM;
                    data = d;
                }
                default -> {
                    EventSerializer serializer = fixture.pm.serializer();
                    if (serializer == null) {
                        throw new IllegalArgumentException("the process manager has no serializer (decodeWith) to encode "
                                + event.getClass().getName() + "; give EventData or SagaFixture.event(...)");
                    }
                    stream = DEFAULT_STREAM;
                    data = serializer.toEventData(event, Metadata.empty());
                }
            }
            return new StreamEvent(stream, data);
        }

        private static String describe(Step step, int index) {
            String where = index >= 0 ? "#" + index + " " : "";
            return switch (step) {
                case null -> "nothing";
                case EventStep e -> "event " + where + show(e.event() instanceof StreamEvent s
                        ? s.data().type() + " " + s.data().dataAsString() + " in " + s.stream()
                        : e.event() instanceof EventData d ? d.type() + " " + d.dataAsString() : e.event());
                case TimeStep t -> where + t.duration() + " passing";
            };
        }

        SagaInstance<S> instance(String id) {
            return runtime.instance(fixture.pm, id).orElse(null);
        }

        List<Deadline> deadlines(String id) {
            return runtime.deadlines(fixture.pm.name(), id);
        }
    }

    /** What the step under test did, to be checked; each check returns this stage so checks chain. */
    public static final class Then<S> {
        private final Run<S> run;
        private final String subject;
        private final Instant at;
        private final String target;
        private final List<IssuedCommand> issued;
        private final Throwable failure;

        private Then(Run<S> run, String subject, Instant at, String target, List<IssuedCommand> issued, Throwable failure) {
            this.run = run;
            this.subject = subject;
            this.at = at;
            this.target = target;
            this.issued = issued;
            this.failure = failure;
        }

        /** Exactly these commands were issued, in this order (compared with {@code equals}). */
        public Then<S> thenCommands(Object... expected) {
            succeeded("the commands");
            List<Object> actual = new ArrayList<>();
            for (IssuedCommand c : issued) actual.add(c.command());
            List<Object> want = Arrays.asList(expected);
            if (!want.equals(actual)) {
                throw error("Expected " + subject + " to issue these commands:\n" + listing(want) + "but it issued:\n"
                        + listing(actual), want, actual);
            }
            return this;
        }

        /** No command was issued. */
        public Then<S> thenNoCommands() {
            return thenCommands();
        }

        /** Checks the issued commands with their idempotency keys and metadata. */
        public Then<S> thenIssued(Consumer<List<IssuedCommand>> assertions) {
            succeeded("the issued commands");
            assertions.accept(List.copyOf(issued));
            return this;
        }

        /** The instance the event went to (or, after time passed, the only instance) is in this state. */
        public Then<S> thenState(S expected) {
            S actual = instance().state();
            if (!Objects.equals(expected, actual)) {
                throw error("Expected the state of " + target + " after " + subject + " to be\n  " + show(expected)
                        + "\nbut it was\n  " + show(actual), expected, actual);
            }
            return this;
        }

        /** Checks the state with the caller's own assertions. */
        public Then<S> thenState(Consumer<? super S> assertions) {
            assertions.accept(instance().state());
            return this;
        }

        /** The instance is in this status ({@link SagaStatus#ENDED} once a transition ended it). */
        public Then<S> thenStatus(SagaStatus expected) {
            SagaStatus actual = instance().status();
            if (expected != actual) {
                throw error("Expected " + target + " to be " + expected + " after " + subject + " but it is " + actual,
                        expected, actual);
            }
            return this;
        }

        /** The instance's deadline of this name is due {@code after} from when the step under test began. */
        public Then<S> thenDeadline(String name, Duration after) {
            return thenDeadlineAt(name, at.plus(after));
        }

        /** The instance's deadline of this name is due at this moment. */
        public Then<S> thenDeadlineAt(String name, Instant dueAt) {
            succeeded("the deadlines");
            instance();
            List<Deadline> all = run.deadlines(target);
            Optional<Deadline> d = all.stream().filter(x -> x.name().equals(name)).findFirst();
            if (d.isEmpty() || !d.get().dueAt().equals(dueAt)) {
                throw error("Expected " + target + " to have deadline " + name + " due at " + dueAt + " after " + subject
                        + "; its deadlines:\n" + listing(all), dueAt, d.map(Deadline::dueAt).orElse(null));
            }
            return this;
        }

        /** The instance has no deadline of this name. */
        public Then<S> thenNoDeadline(String name) {
            succeeded("the deadlines");
            instance();
            List<Deadline> all = run.deadlines(target);
            check(all.stream().noneMatch(x -> x.name().equals(name)),
                    "Expected " + target + " to have no deadline " + name + " after " + subject + "; its deadlines:\n"
                            + listing(all));
            return this;
        }

        /** The event reached no instance (its key was null, or it names no instance and starts none). */
        public Then<S> thenIgnored() {
            succeeded("that it was ignored");
            check(target == null, "Expected " + subject + " to be ignored, but it went to instance " + target);
            check(issued.isEmpty(), "Expected " + subject + " to be ignored, but it issued:\n" + listing(commands()));
            return this;
        }

        /** The transition failed with this exception (or a subtype); nothing of it was kept. */
        public Then<S> thenError(Class<? extends Throwable> type) {
            if (failure == null) throw error("Expected " + subject + " to fail with " + type.getSimpleName() + " but it succeeded");
            if (!type.isInstance(failure)) {
                throw new org.opentest4j.AssertionFailedError("Expected " + subject + " to fail with " + type.getSimpleName()
                        + " but it failed with " + Fixtures.describe(failure), failure);
            }
            return this;
        }

        /** The id of the instance the event went to (null when it was ignored). */
        public String instanceId() {
            return target;
        }

        private List<Object> commands() {
            List<Object> out = new ArrayList<>();
            for (IssuedCommand c : issued) out.add(c.command());
            return out;
        }

        private SagaInstance<S> instance() {
            succeeded("the instance");
            if (target == null) {
                throw error("Cannot check the instance: " + subject + " reached none"
                        + (run.instances.size() > 1 ? " (time passing names no single instance among " + run.instances + ")" : ""));
            }
            return run.instance(target);
        }

        private void succeeded(String what) {
            if (failure != null) {
                throw new org.opentest4j.AssertionFailedError("Cannot check " + what + ": " + subject + " failed with "
                        + Fixtures.describe(failure), failure);
            }
        }
    }

    // ====================================================================== sagas

    /** How a fixture answers one command type: a result, or failures first. */
    private record Answer(Function<Object, Object> result, int failures) {
    }

    /** A saga fixture: how commands are answered, then the saga to run. Immutable. */
    public static final class Steps<D> {
        private final Saga<D> saga;
        private final Map<Class<?>, Answer> answers;
        private final Instant start;

        private Steps(Saga<D> saga, Map<Class<?>, Answer> answers, Instant start) {
            this.saga = saga;
            this.answers = answers;
            this.start = start;
        }

        /** Commands of this type succeed with this result (default: {@code null}). */
        @SuppressWarnings("unchecked")
        public <C> Steps<D> answering(Class<C> type, Function<? super C, ?> result) {
            Fixtures.notNull(result, "result");
            Map<Class<?>, Answer> m = new LinkedHashMap<>(answers);
            Answer old = m.get(type);
            m.put(type, new Answer(c -> result.apply((C) c), old == null ? 0 : old.failures()));
            return new Steps<>(saga, Map.copyOf(m), start);
        }

        /** The first {@code times} commands of this type fail (with an {@link IllegalStateException}). */
        public Steps<D> failing(Class<?> type, int times) {
            if (times < 0) throw new IllegalArgumentException("times must not be negative");
            Map<Class<?>, Answer> m = new LinkedHashMap<>(answers);
            Answer old = m.get(type);
            m.put(type, new Answer(old == null ? c -> null : old.result(), times));
            return new Steps<>(saga, Map.copyOf(m), start);
        }

        /** The clock's time when the saga starts (default {@value SagaFixture#START_TEXT}). */
        public Steps<D> startingAt(Instant start) {
            return new Steps<>(saga, answers, Fixtures.notNull(start, "start"));
        }

        /** Starts the saga with its data and runs it until it completes, is compensated or waits for an operator. */
        public SagaThen<D> start(String id, D data) {
            SagaRun<D> run = new SagaRun<>(this);
            run.runtime.start(saga, id, Fixtures.notNull(data, "data"));
            return run.settle(id);
        }

        /** Starts the saga with its start event, then runs it as {@link #start} does. */
        public SagaThen<D> startedBy(StreamEvent event) {
            SagaRun<D> run = new SagaRun<>(this);
            StreamId stream = StreamId.of(event.stream());
            run.stores.events().append(stream, ExpectedVersion.any(), event.data());
            RecordedEvent recorded = run.stores.events().readStreamBackward(stream, 1).getFirst();
            String id = run.runtime.deliver(saga.name(), recorded)
                    .orElseThrow(() -> error("Cannot set up the test: " + event.data().type() + " starts no " + saga.name()));
            return run.settle(id);
        }
    }

    /** One saga run on fresh stores. */
    private static final class SagaRun<D> {
        private final Steps<D> fixture;
        private final Fixtures.Stores stores;
        private final SagaRuntime runtime;
        private final List<Object> dispatched = Collections.synchronizedList(new ArrayList<>());
        private final List<Object> attempts = Collections.synchronizedList(new ArrayList<>());
        private final Map<Class<?>, int[]> failuresLeft = new LinkedHashMap<>();

        SagaRun(Steps<D> fixture) {
            this.fixture = fixture;
            this.stores = Fixtures.Stores.fresh(fixture.start);
            for (var e : fixture.answers.entrySet()) failuresLeft.put(e.getKey(), new int[]{e.getValue().failures()});
            CommandBus bus = CommandBus.builder().use((CommandMessage<?> m, dev.facta.command.CommandMiddleware.Next next) -> {
                Object command = m.payload();
                attempts.add(command);
                Answer answer = answerFor(command.getClass());
                int[] left = answer == null ? null : failuresLeft.get(keyFor(command.getClass()));
                if (left != null && left[0] > 0) {
                    left[0]--;
                    throw new IllegalStateException(command.getClass().getSimpleName() + " failed (SagaFixture.failing)");
                }
                dispatched.add(command);
                return answer == null ? null : answer.result().apply(command);
            }).build();
            this.runtime = SagaRuntime.builder(stores.events(), stores.store(), bus).clock(stores.clock())
                    .register(fixture.saga).build();
        }

        private Class<?> keyFor(Class<?> type) {
            for (Class<?> c : fixture.answers.keySet()) if (c.isAssignableFrom(type)) return c;
            return null;
        }

        private Answer answerFor(Class<?> type) {
            Class<?> k = keyFor(type);
            return k == null ? null : fixture.answers.get(k);
        }

        /** Runs due steps, moving the clock to the next due time, until the saga stops moving. */
        SagaThen<D> settle(String id) {
            for (int i = 0; i < 100_000; i++) {
                SagaInstance<D> inst = runtime.instance(fixture.saga, id).orElseThrow();
                if (inst.status().isFinal() || inst.status() == SagaStatus.COMPENSATION_FAILED) return new SagaThen<>(this, id);
                if (runtime.runDueSteps() == 0) {
                    Instant due = inst.dueAt();
                    if (due == null) throw error("saga " + id + " waits with nothing due: " + inst);
                    if (due.isAfter(stores.clock().instant())) stores.clock().set(due);
                }
            }
            throw error("saga " + id + " did not settle after 100,000 steps");
        }
    }

    /** How a saga run ended, to be checked; each check returns this stage. */
    public static final class SagaThen<D> {
        private final SagaRun<D> run;
        private final String id;

        private SagaThen(SagaRun<D> run, String id) {
            this.run = run;
            this.id = id;
        }

        private SagaInstance<D> instance() {
            return run.runtime.instance(run.fixture.saga, id).orElseThrow();
        }

        /** The saga ended in (or waits in) this status. */
        public SagaThen<D> thenStatus(SagaStatus expected) {
            SagaInstance<D> i = instance();
            if (i.status() != expected) {
                throw error("Expected saga " + id + " to be " + expected + " but it is " + i.status()
                        + (i.lastError() == null ? "" : " (last error: " + i.lastError() + ")"), expected, i.status());
            }
            return this;
        }

        /** Its data equals this. */
        public SagaThen<D> thenData(D expected) {
            D actual = instance().state();
            if (!Objects.equals(expected, actual)) {
                throw error("Expected the data of saga " + id + " to be\n  " + show(expected) + "\nbut it was\n  " + show(actual),
                        expected, actual);
            }
            return this;
        }

        /** Checks the data with the caller's own assertions. */
        public SagaThen<D> thenData(Consumer<? super D> assertions) {
            assertions.accept(instance().state());
            return this;
        }

        /** Exactly these commands were dispatched successfully, in this order. */
        public SagaThen<D> thenDispatched(Object... expected) {
            List<Object> want = Arrays.asList(expected);
            List<Object> actual = List.copyOf(run.dispatched);
            if (!want.equals(actual)) {
                throw error("Expected saga " + id + " to dispatch these commands:\n" + listing(want) + "but it dispatched:\n"
                        + listing(actual), want, actual);
            }
            return this;
        }

        /** Checks every dispatch attempt, failed ones included, in order. */
        public SagaThen<D> thenAttempts(Consumer<List<Object>> assertions) {
            assertions.accept(List.copyOf(run.attempts));
            return this;
        }

        /** Checks the stored instance: step, attempts, last error, times. */
        public SagaThen<D> thenInstance(Consumer<SagaInstance<D>> assertions) {
            assertions.accept(instance());
            return this;
        }

        /**
         * An operator retries the saga stopped in {@link SagaStatus#COMPENSATION_FAILED}; commands
         * fail from now on only as {@code failing} still says. Runs it until it settles again.
         */
        public SagaThen<D> whenOperatorRetries() {
            run.runtime.retry(run.fixture.saga.name(), id);
            return run.settle(id);
        }

        /** The first {@code times} further commands of this type fail (say, before an operator retries). */
        public SagaThen<D> andFailing(Class<?> type, int times) {
            Class<?> k = run.keyFor(type);
            if (k == null) {
                throw new IllegalArgumentException("declare " + type.getSimpleName() + " with answering(..) or failing(..) first");
            }
            run.failuresLeft.get(k)[0] = times;
            return this;
        }
    }
}
