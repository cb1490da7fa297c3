package dev.facta.saga;

import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a process manager's transition can do besides returning the new state. Everything it asks
 * for is recorded and takes effect only when the transition returns, in the same transaction as the
 * new state (and, for the event-driven path, as the projection checkpoint): a transition that throws
 * leaves no trace, and a transition that commits cannot lose its commands or deadlines.
 *
 * <p>Commands are written to the runtime's outbox and dispatched after the commit through the
 * {@link dev.facta.command.CommandBus}, in the order issued, each with the deterministic
 * idempotency key {@code <process>:<instance>:<cause>:<index>} (cause: the event id, or the id of
 * the deadline or failure that caused the transition; index: the command's place in the
 * transition). Their metadata continues the cause's: the same correlation id (the cause's id when it
 * had none) and tenant, the cause as causation id, and the cause's {@code traceparent} and
 * {@code tracestate} values.
 */
public interface ProcessContext {

    /** The metadata value key of the W3C trace context carried from events into issued commands. */
    String TRACEPARENT = "traceparent";
    /** The metadata value key of the W3C trace state carried along with {@link #TRACEPARENT}. */
    String TRACESTATE = "tracestate";

    /** The process manager's name. */
    String processName();

    /** The instance's id (its association key). */
    String instanceId();

    /** The runtime clock's time. */
    Instant now();

    /** The event being handled, or null when a deadline or a command failure caused the transition. */
    RecordedEvent event();

    /** The metadata of what caused the transition (the event's, or that of the transition that scheduled the deadline). */
    Metadata metadata();

    /** Issues a command, dispatched after the transition commits. */
    void send(Object command);

    /** Issues a command with extra metadata values (not the reserved keys). */
    void send(Object command, Map<String, String> metadata);

    /**
     * Schedules the named deadline {@code after} from now, replacing the instance's deadline of that
     * name if it has one.
     *
     * @throws dev.facta.InvalidInputException the process manager declares no handler for the name
     */
    void schedule(String deadline, Duration after);

    /** Schedules the named deadline at a moment; see {@link #schedule(String, Duration)}. */
    void scheduleAt(String deadline, Instant at);

    /** Cancels the named deadline; nothing when none is scheduled. */
    void cancel(String deadline);

    /**
     * Makes events whose association {@code association} has {@code value} reach this instance
     * (see {@link ProcessManager.Builder#on(String, String, java.util.function.Function, ProcessManager.Handler)}).
     * A value associated with another instance before is moved to this one.
     */
    void associateWith(String association, String value);

    /**
     * Ends the instance when the transition commits: its deadlines are cancelled, later events and
     * deadlines change nothing. Commands issued in this transition are still dispatched.
     */
    void end();
}
