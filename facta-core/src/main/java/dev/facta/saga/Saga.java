package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionKey;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An orchestrated saga: ordered steps, each with a forward action and an optional compensation,
 * run by a {@link SagaRuntime} one after the other for each instance:
 *
 * <pre>{@code
 * Saga<Checkout> checkout = Saga.builder("checkout", Checkout.CODEC)
 *         .startedBy("OrderPlaced", e -> orderId(e), e -> Checkout.of(e))
 *         .step("reserve-stock", (c, ctx) -> c.reserved(ctx.dispatch(new ReserveStock(c.orderId(), c.items()))),
 *                                (c, ctx) -> { ctx.dispatch(new ReleaseStock(c.reservation())); return c; })
 *         .step("charge-card", (c, ctx) -> c.charged(ctx.dispatch(new ChargeCard(c.orderId(), c.total()))),
 *                              (c, ctx) -> { ctx.dispatch(new RefundCard(c.charge())); return c; })
 *         .step("confirm", (c, ctx) -> { ctx.dispatch(new ConfirmOrder(c.orderId())); return c; })
 *         .retry(Retry.of(5, Duration.ofSeconds(1), Duration.ofMinutes(1)))
 *         .build();
 * }</pre>
 *
 * <p>Each step's action gets the saga's data and returns it, possibly changed (what the next steps
 * and the compensations need: a reservation id, a charge id). The data is stored with the codec
 * after every step, so a restart goes on with the next step.
 *
 * <p><b>Failures.</b> A failing action is retried with {@link #retry} backoff (durably: the wait is
 * a stored due time); when its attempts are used up, or it threw an error that {@link
 * Builder#retryIf} refuses to retry, the steps completed before it are compensated in reverse
 * order (steps without a compensation are skipped) and the saga ends {@link SagaStatus#COMPENSATED}.
 * A compensation that keeps failing past its own retry bound stops the saga in
 * {@link SagaStatus#COMPENSATION_FAILED}: listed by {@link SagaRuntime#instances}, and resumed by an
 * operator with {@link SagaRuntime#retry}. Nothing ever loops without bound.
 */
public final class Saga<D> {

    /** A step's action or compensation: takes the saga's data, returns it (possibly changed). */
    @FunctionalInterface
    public interface StepAction<D> {
        D run(D data, StepContext context) throws Exception;
    }

    /** Creates a saga's data from its start event. */
    @FunctionalInterface
    public interface Starter<D, E> {
        D start(E event) throws Exception;
    }

    /** One step: a name unique in the saga, an action and an optional compensation. */
    public record Step<D>(String name, StepAction<D> action, StepAction<D> compensation) {
        public Step {
            if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
                throw new InvalidInputException("step",
                        "a step name is 1-64 letters, digits, '_', '.' and '-', starting with a letter: " + name);
            }
            Objects.requireNonNull(action, "action");
        }
    }

    private final String name;
    private final DocumentCodec<D> codec;
    private final List<Step<D>> steps;
    private final Retry retry;
    private final Retry compensationRetry;
    private final Predicate<Throwable> retryIf;
    private final Duration stepTimeout;
    private final Flow flow;

    private Saga(Builder<D> b) {
        this.name = b.name;
        this.codec = b.codec;
        this.steps = List.copyOf(b.steps);
        this.retry = b.retry;
        this.compensationRetry = b.compensationRetry;
        this.retryIf = b.retryIf;
        this.stepTimeout = b.stepTimeout;
        Map<String, Route> routes = new LinkedHashMap<>();
        for (var e : b.starts.entrySet()) routes.put(e.getKey(), new Route(e.getKey(), e.getValue(), null));
        EventFilter filter = routes.isEmpty() ? EventFilter.all()
                : EventFilter.all().andEventTypes(routes.keySet().toArray(String[]::new));
        this.flow = new Flow(name, Names.of(name), Map.copyOf(routes), filter, ProcessManager.erased(codec), null, this);
    }

    /**
     * Starts a definition.
     *
     * @param name  1-64 characters of a-z, 0-9, '-' and '_', starting with a letter
     * @param codec stores the saga's data as one JSON object
     */
    public static <D> Builder<D> builder(String name, DocumentCodec<D> codec) {
        return new Builder<>(name, codec);
    }

    public String name() {
        return name;
    }

    public List<Step<D>> steps() {
        return steps;
    }

    /** How each forward action is retried before the saga compensates. */
    public Retry retry() {
        return retry;
    }

    /** How each compensation is retried before the saga stops in {@link SagaStatus#COMPENSATION_FAILED}. */
    public Retry compensationRetry() {
        return compensationRetry;
    }

    /**
     * How long a runtime may run one attempt before another may take it over (the attempt is presumed
     * lost with its process); renewed while the attempt runs.
     */
    public Duration stepTimeout() {
        return stepTimeout;
    }

    public DocumentCodec<D> dataCodec() {
        return codec;
    }

    boolean retryable(Throwable t) {
        return retryIf.test(t);
    }

    Flow flow() {
        return flow;
    }

    @Override
    public String toString() {
        return "Saga[" + name + ", steps " + steps.stream().map(Step::name).toList() + "]";
    }

    /** Builds a {@link Saga}. */
    public static final class Builder<D> {
        private final String name;
        private final DocumentCodec<D> codec;
        private final List<Step<D>> steps = new ArrayList<>();
        private final Map<String, Route.StartPart> starts = new LinkedHashMap<>();
        private Retry retry = Retry.defaults();
        private Retry compensationRetry = Retry.defaults();
        private Predicate<Throwable> retryIf = t -> true;
        private Duration stepTimeout = Duration.ofMinutes(1);
        private EventSerializer serializer;

        private Builder(String name, DocumentCodec<D> codec) {
            this.name = ProjectionKey.checkName(name);
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /** Adds a step with a compensation (null: nothing to undo). */
        public Builder<D> step(String name, StepAction<D> action, StepAction<D> compensation) {
            Step<D> s = new Step<>(name, action, compensation);
            for (Step<D> other : steps) {
                if (other.name().equals(name)) throw new InvalidInputException("step", "saga " + this.name + " has two steps named " + name);
            }
            steps.add(s);
            return this;
        }

        /** Adds a step with nothing to compensate. */
        public Builder<D> step(String name, StepAction<D> action) {
            return step(name, action, null);
        }

        /** The serializer that typed start routes decode events with. */
        public Builder<D> decodeWith(EventSerializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /**
         * Events of this type start an instance named by {@code key} (null: not for this saga) when
         * there is none; the saga can also be started by {@link SagaRuntime#start}.
         */
        public Builder<D> startedBy(String type, Function<RecordedEvent, String> key, Starter<D, RecordedEvent> starter) {
            return start(type, e -> e, key, starter);
        }

        /** {@link #startedBy(String, Function, Starter)} with the event decoded by the {@link #decodeWith serializer}. */
        public <E> Builder<D> startedBy(String type, Class<E> eventClass, Function<E, String> key, Starter<D, E> starter) {
            Objects.requireNonNull(eventClass, "eventClass");
            EventSerializer s = serializer;
            if (s == null) throw new InvalidInputException("decodeWith", "typed routes need an event serializer: call decodeWith(...) first");
            return start(type, e -> s.deserialize(e.type(), e.data(), eventClass), key, starter);
        }

        /** How forward actions are retried (default {@link Retry#defaults()}). */
        public Builder<D> retry(Retry retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** How compensations are retried (default {@link Retry#defaults()}). */
        public Builder<D> compensationRetry(Retry retry) {
            this.compensationRetry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /**
         * Which failures of a forward action are worth another attempt (default: all). A failure it
         * refuses (say, a declined payment) starts the compensation at once.
         */
        public Builder<D> retryIf(Predicate<Throwable> retryable) {
            this.retryIf = Objects.requireNonNull(retryable, "retryable");
            return this;
        }

        /** See {@link Saga#stepTimeout()} (default 1 min, at least 100 ms). */
        public Builder<D> stepTimeout(Duration timeout) {
            if (timeout == null || timeout.compareTo(Duration.ofMillis(100)) < 0) {
                throw new InvalidInputException("stepTimeout", "stepTimeout must be at least 100 ms");
            }
            this.stepTimeout = timeout;
            return this;
        }

        public Saga<D> build() {
            if (steps.isEmpty()) throw new InvalidInputException("steps", "saga " + name + " has no steps");
            return new Saga<>(this);
        }

        @SuppressWarnings("unchecked")
        private <E> Builder<D> start(String type, Function<RecordedEvent, Object> decode, Function<E, String> key,
                                     Starter<D, E> starter) {
            if (type == null || type.isBlank()) throw new InvalidInputException("type", "an event type is required");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(starter, "starter");
            if (starts.containsKey(type)) throw new InvalidInputException("startedBy", "event type " + type + " starts twice");
            starts.put(type, new Route.StartPart(decode, e -> key.apply((E) e), (e, ctx) -> starter.start((E) e)));
            return this;
        }
    }
}
