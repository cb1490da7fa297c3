package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The {@link ProcessContext} of one transition: records what the handler asks for until it returns. */
final class Transition implements ProcessContext {

    /** A command to issue, with the metadata it will carry. */
    record Outgoing(Object command, Metadata metadata) {
    }

    private final Session session;
    private final Instance instance;
    private final RecordedEvent event;
    private final String causeId;
    private final Metadata cause;
    private final List<Outgoing> commands = new ArrayList<>();
    /** Deadline name to its new due time, or null when cancelled; the last call for a name wins. */
    private final Map<String, Instant> deadlines = new LinkedHashMap<>();
    private final Map<String, String> associations = new LinkedHashMap<>();
    private boolean ended;

    Transition(Session session, Instance instance, RecordedEvent event, String causeId, Metadata cause) {
        this.session = session;
        this.instance = instance;
        this.event = event;
        this.causeId = causeId;
        this.cause = cause == null ? Metadata.empty() : cause;
    }

    Instance instance() {
        return instance;
    }

    String causeId() {
        return causeId;
    }

    List<Outgoing> commands() {
        return commands;
    }

    Map<String, Instant> deadlines() {
        return deadlines;
    }

    Map<String, String> associations() {
        return associations;
    }

    boolean ended() {
        return ended;
    }

    @Override
    public String processName() {
        return session.flow().name();
    }

    @Override
    public String instanceId() {
        return instance.id();
    }

    @Override
    public Instant now() {
        return session.now();
    }

    @Override
    public RecordedEvent event() {
        return event;
    }

    @Override
    public Metadata metadata() {
        return cause;
    }

    @Override
    public void send(Object command) {
        send(command, Map.of());
    }

    @Override
    public void send(Object command, Map<String, String> metadata) {
        if (command == null) throw new InvalidInputException("command", "a process manager cannot send a null command");
        Objects.requireNonNull(metadata, "metadata");
        commands.add(new Outgoing(command, commandMetadata(cause, causeId, metadata)));
    }

    /**
     * The metadata of a message caused by {@code causeId}: the cause's correlation id (or the cause's
     * own id when it had none), the cause as causation id, its tenant, its trace context values, and
     * {@code extra}.
     */
    static Metadata commandMetadata(Metadata cause, String causeId, Map<String, String> extra) {
        Map<String, String> values = new LinkedHashMap<>();
        String tp = cause.values().get(TRACEPARENT);
        if (tp != null) values.put(TRACEPARENT, tp);
        String ts = cause.values().get(TRACESTATE);
        if (ts != null) values.put(TRACESTATE, ts);
        values.putAll(extra);
        return new Metadata(cause.correlationId() != null ? cause.correlationId() : causeId, causeId, cause.tenant(), values);
    }

    @Override
    public void schedule(String deadline, Duration after) {
        Objects.requireNonNull(after, "after");
        if (after.isNegative()) throw new InvalidInputException("after", "a deadline cannot be scheduled in the past: " + after);
        scheduleAt(deadline, session.now().plus(after));
    }

    @Override
    public void scheduleAt(String deadline, Instant at) {
        checkDeclared(deadline);
        Objects.requireNonNull(at, "at");
        deadlines.put(deadline, at);
    }

    @Override
    public void cancel(String deadline) {
        checkDeclared(deadline);
        deadlines.put(deadline, null);
    }

    private void checkDeclared(String deadline) {
        ProcessManager<?> pm = session.flow().process();
        if (deadline == null || !pm.deadlineNames().contains(deadline)) {
            throw new InvalidInputException("deadline", "process manager " + pm.name() + " declares no handler for deadline '"
                    + deadline + "' (onDeadline); declared: " + pm.deadlineNames().stream().sorted().toList());
        }
    }

    @Override
    public void associateWith(String association, String value) {
        if (association == null || !association.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
            throw new InvalidInputException("association", "not an association name: " + association);
        }
        Session.checkId(value);
        associations.put(Session.associationId(association, value), value);
    }

    @Override
    public void end() {
        ended = true;
    }
}
