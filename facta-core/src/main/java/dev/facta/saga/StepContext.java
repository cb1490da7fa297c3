package dev.facta.saga;

import dev.facta.store.Metadata;

import java.time.Instant;
import java.util.Map;

/**
 * What a saga step's action or compensation sees while it runs: which saga, step and attempt, and a
 * way to dispatch commands that is safe to repeat. A step runs at least once per attempt that is
 * recorded; it may run again after a crash or when its claim ran out, so it should reach the outside
 * world through {@link #dispatch} (idempotent) or with {@link #idempotencyKey()}.
 */
public interface StepContext {

    String sagaName();

    String sagaId();

    /** The step's name. */
    String step();

    /** Whether this is the step's compensation rather than its action. */
    boolean compensating();

    /** Which attempt this is, from 1. */
    int attempt();

    /** The runtime clock's time. */
    Instant now();

    /** The metadata the saga was started with (its start event's, or the caller's). */
    Metadata metadata();

    /**
     * A key that is the same for every attempt of this step's action (or compensation):
     * {@code <saga>:<id>:<step>:<action|compensation>}. Give it to outside services that deduplicate.
     */
    String idempotencyKey();

    /**
     * Dispatches a command through the runtime's command bus and returns its result. The n-th
     * command of an attempt (from 0) carries the idempotency key {@code idempotencyKey() + ":" + n}, so
     * a repeated attempt gets the first run's result from the idempotency middleware instead of
     * running the handler again; a failed run releases its key, so a retry runs again. The metadata
     * continues the saga's (correlation id, tenant, {@code traceparent}, {@code tracestate}).
     */
    <R> R dispatch(Object command);

    /** {@link #dispatch(Object)} with extra metadata values (not the reserved keys). */
    <R> R dispatch(Object command, Map<String, String> metadata);
}
