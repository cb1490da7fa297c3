package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionKey;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * A process manager: a state machine whose instances react to events (and to their own deadlines)
 * by moving to a new state and issuing commands. Built once, immutable, and run by a
 * {@link SagaRuntime}:
 *
 * <pre>{@code
 * ProcessManager<Fulfilment> pm = ProcessManager.builder("order-fulfilment", Fulfilment.CODEC)
 *         .startedBy("OrderPlaced", e -> orderId(e), (e, ctx) -> {
 *             ctx.send(new RequestPayment(orderId(e)));
 *             ctx.schedule("payment-timeout", Duration.ofMinutes(30));
 *             return new AwaitingPayment(orderId(e));
 *         })
 *         .on("PaymentReceived", e -> orderId(e), (state, e, ctx) -> switch (state) {
 *             case AwaitingPayment a -> { ctx.cancel("payment-timeout"); ctx.send(new ShipOrder(a.orderId())); yield new Shipping(a.orderId()); }
 *             default -> state;                       // a late or repeated payment changes nothing
 *         })
 *         .onDeadline("payment-timeout", (state, deadline, ctx) -> { ctx.send(new CancelOrder(...)); ctx.end(); return state; })
 *         .build();
 * }</pre>
 *
 * <p><b>Instances</b> are found by association: an event's instance id is the key its route
 * extracts (a {@code null} key means the event is not for this process manager), or, for routes
 * declared with an association name, the instance that called
 * {@link ProcessContext#associateWith} with that value. A start event creates the instance when
 * there is none; there is only ever one instance per id, however many processes receive the event.
 * An event that names no existing instance and does not start one is ignored.
 *
 * <p><b>States</b> are values of {@code S} (records, or a sealed interface of records per state),
 * stored with the given codec as a JSON object. A transition returns the new state (never null).
 * What it throws fails the event as a projection failure does: nothing of the transition is kept,
 * and the event is retried and eventually parked as a dead letter.
 *
 * <p><b>Redelivery.</b> Each instance remembers, per stream, the version of the last event it
 * handled from that stream, and drops an event at or below it. So an event delivered again — by
 * the projection engine after a crash, or by an at-least-once transport through
 * {@link SagaRuntime#deliver} — changes nothing, whenever it comes, as long as each stream's events
 * first arrive in stream order (the engine and per-key ordered brokers keep that). Events of
 * different streams may arrive in any order relative to each other.
 */
public final class ProcessManager<S> {

    /** Creates the first state of an instance from its start event. */
    @FunctionalInterface
    public interface Starter<S, E> {
        S start(E event, ProcessContext context) throws Exception;
    }

    /** The state of an instance after an event. */
    @FunctionalInterface
    public interface Handler<S, E> {
        S handle(S state, E event, ProcessContext context) throws Exception;
    }

    /** The state of an instance after one of its deadlines fired. */
    @FunctionalInterface
    public interface DeadlineHandler<S> {
        S handle(S state, Deadline deadline, ProcessContext context) throws Exception;
    }

    /** The state of an instance after a command it issued failed for good ({@link IssuedCommand.Status#FAILED}). */
    @FunctionalInterface
    public interface FailureHandler<S> {
        S handle(S state, IssuedCommand failed, ProcessContext context) throws Exception;
    }

    private final String name;
    private final Flow flow;
    private final DocumentCodec<S> codec;
    private final Map<String, Route> routes;
    private final Map<String, DeadlineHandler<S>> deadlines;
    private final FailureHandler<S> onFailure;
    private final Retry commandRetry;
    private final Set<String> categories;
    private final EventSerializer serializer;

    private ProcessManager(Builder<S> b) {
        this.name = b.name;
        this.codec = b.codec;
        Map<String, Route> r = new LinkedHashMap<>();
        for (String type : b.types) r.put(type, new Route(type, b.starts.get(type), b.handles.get(type)));
        this.routes = Collections.unmodifiableMap(r);
        this.deadlines = Map.copyOf(b.deadlines);
        this.onFailure = b.onFailure;
        this.commandRetry = b.commandRetry;
        this.categories = Set.copyOf(b.categories);
        this.serializer = b.serializer;
        this.flow = new Flow(name, Names.of(name), routes, filter(), erased(codec), this, null);
    }

    @SuppressWarnings("unchecked")
    static DocumentCodec<Object> erased(DocumentCodec<?> codec) {
        return (DocumentCodec<Object>) codec;
    }

    /**
     * Starts a definition.
     *
     * @param name  1-64 characters of a-z, 0-9, '-' and '_', starting with a letter; it names the
     *              projection that feeds the process manager and its collections
     * @param codec stores the state as one JSON object
     */
    public static <S> Builder<S> builder(String name, DocumentCodec<S> codec) {
        return new Builder<>(name, codec);
    }

    /** The name of the process manager, its projection and its instances' documents. */
    public String name() {
        return name;
    }

    /** The event types it handles, in the order they were declared. */
    public Set<String> eventTypes() {
        return routes.keySet();
    }

    /** The deadline names it declares handlers for. */
    public Set<String> deadlineNames() {
        return deadlines.keySet();
    }

    /** How the dispatch of each issued command is retried before it is given up on. */
    public Retry commandRetry() {
        return commandRetry;
    }

    /** The serializer typed routes decode events with (and fixtures encode events with), or null. */
    public EventSerializer serializer() {
        return serializer;
    }

    /** The state codec. */
    public DocumentCodec<S> stateCodec() {
        return codec;
    }

    Flow flow() {
        return flow;
    }

    private EventFilter filter() {
        EventFilter f = categories.isEmpty() ? EventFilter.all() : EventFilter.categories(categories.toArray(String[]::new));
        return f.andEventTypes(routes.keySet().toArray(String[]::new));
    }

    DeadlineHandler<S> deadline(String name) {
        return deadlines.get(name);
    }

    FailureHandler<S> failureHandler() {
        return onFailure;
    }

    @Override
    public String toString() {
        return "ProcessManager[" + name + "]";
    }

    /** Builds a {@link ProcessManager}. */
    public static final class Builder<S> {
        private final String name;
        private final DocumentCodec<S> codec;
        private final Set<String> types = new LinkedHashSet<>();
        private final Map<String, Route.StartPart> starts = new LinkedHashMap<>();
        private final Map<String, Route.HandlePart> handles = new LinkedHashMap<>();
        private final Map<String, DeadlineHandler<S>> deadlines = new LinkedHashMap<>();
        private final List<String> categories = new ArrayList<>();
        private FailureHandler<S> onFailure;
        private Retry commandRetry = Retry.of(10, java.time.Duration.ofMillis(200), java.time.Duration.ofMinutes(1));
        private EventSerializer serializer;

        private Builder(String name, DocumentCodec<S> codec) {
            this.name = ProjectionKey.checkName(name);
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        /** The serializer that typed routes ({@code Class} arguments) decode events with. */
        public Builder<S> decodeWith(EventSerializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /** Only events of these stream categories reach it (default: every category). */
        public Builder<S> categories(String... categories) {
            for (String c : categories) this.categories.add(Objects.requireNonNull(c, "category"));
            return this;
        }

        /**
         * Events of this type create an instance named by {@code key} when there is none (a null key:
         * not for this process manager).
         */
        public Builder<S> startedBy(String type, Function<RecordedEvent, String> key, Starter<S, RecordedEvent> starter) {
            return start(type, e -> e, key, starter);
        }

        /** {@link #startedBy(String, Function, Starter)} with the event decoded by the {@link #decodeWith serializer}. */
        public <E> Builder<S> startedBy(String type, Class<E> eventClass, Function<E, String> key, Starter<S, E> starter) {
            return start(type, decoder(eventClass), key, starter);
        }

        /**
         * Events of this type are handled by the instance named by {@code key} (a null key, or no such
         * instance: ignored, unless the type also starts instances).
         */
        public Builder<S> on(String type, Function<RecordedEvent, String> key, Handler<S, RecordedEvent> handler) {
            return handle(type, null, e -> e, key, handler);
        }

        /** {@link #on(String, Function, Handler)} with the event decoded by the {@link #decodeWith serializer}. */
        public <E> Builder<S> on(String type, Class<E> eventClass, Function<E, String> key, Handler<S, E> handler) {
            return handle(type, null, decoder(eventClass), key, handler);
        }

        /**
         * Events of this type are handled by the instance that associated itself with their value of
         * {@code association} ({@link ProcessContext#associateWith}); ignored when none did.
         */
        public Builder<S> on(String type, String association, Function<RecordedEvent, String> value,
                             Handler<S, RecordedEvent> handler) {
            return handle(type, checkAssociation(association), e -> e, value, handler);
        }

        /** {@link #on(String, String, Function, Handler)} with the event decoded by the {@link #decodeWith serializer}. */
        public <E> Builder<S> on(String type, Class<E> eventClass, String association, Function<E, String> value,
                                 Handler<S, E> handler) {
            return handle(type, checkAssociation(association), decoder(eventClass), value, handler);
        }

        /** What happens when the instance's deadline of this name fires. */
        public Builder<S> onDeadline(String name, DeadlineHandler<S> handler) {
            Objects.requireNonNull(handler, "handler");
            if (deadlines.putIfAbsent(SagaRuntime.checkDeadlineName(name), handler) != null) {
                throw new InvalidInputException("deadline", "the deadline '" + name + "' has two handlers");
            }
            return this;
        }

        /**
         * What happens when a command the instance issued failed for good (after {@link #commandRetry}).
         * Without it, the failed command just waits in the outbox for an operator.
         */
        public Builder<S> onCommandFailed(FailureHandler<S> handler) {
            this.onFailure = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** How dispatching an issued command is retried (default: 10 attempts, from 200 ms up to 1 min apart). */
        public Builder<S> commandRetry(Retry retry) {
            this.commandRetry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        public ProcessManager<S> build() {
            if (starts.isEmpty()) {
                throw new InvalidInputException("startedBy", "process manager " + name + " has no start event (startedBy)");
            }
            return new ProcessManager<>(this);
        }

        @SuppressWarnings("unchecked")
        private <E> Builder<S> start(String type, Function<RecordedEvent, Object> decode, Function<E, String> key,
                                     Starter<S, E> starter) {
            checkType(type);
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(starter, "starter");
            if (starts.containsKey(type)) throw new InvalidInputException("startedBy", "event type " + type + " starts twice");
            starts.put(type, new Route.StartPart(decode, e -> key.apply((E) e), (e, ctx) -> starter.start((E) e, ctx)));
            types.add(type);
            return this;
        }

        @SuppressWarnings("unchecked")
        private <E> Builder<S> handle(String type, String association, Function<RecordedEvent, Object> decode,
                                      Function<E, String> key, Handler<S, E> handler) {
            checkType(type);
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(handler, "handler");
            if (handles.containsKey(type)) throw new InvalidInputException("on", "event type " + type + " has two handlers");
            handles.put(type, new Route.HandlePart(association, decode, e -> key.apply((E) e),
                    (s, e, ctx) -> handler.handle((S) s, (E) e, ctx)));
            types.add(type);
            return this;
        }

        private Function<RecordedEvent, Object> decoder(Class<?> eventClass) {
            Objects.requireNonNull(eventClass, "eventClass");
            EventSerializer s = serializer;
            if (s == null) {
                throw new InvalidInputException("decodeWith", "typed routes need an event serializer: call decodeWith(...) first");
            }
            return e -> s.deserialize(e.type(), e.data(), eventClass);
        }

        private static void checkType(String type) {
            if (type == null || type.isBlank()) throw new InvalidInputException("type", "an event type is required");
        }

        private static String checkAssociation(String association) {
            if (association == null || !association.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
                throw new InvalidInputException("association",
                        "an association name is 1-64 letters, digits, '_', '.' and '-', starting with a letter: " + association);
            }
            return association;
        }
    }
}
