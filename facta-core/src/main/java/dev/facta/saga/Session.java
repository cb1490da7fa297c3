package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * The work of one store transaction on the documents of one process manager or saga.
 *
 * <p><b>Locking.</b> Every instance is read and written under its lock: a document
 * {@code {"k": <instance id>}} with a fresh id in the flow's lock collection, which carries a unique
 * index on {@code k}. A second transaction that locks the same instance writes a document with the
 * same {@code k}: on PostgreSQL its insert waits until the first transaction ends (then goes ahead,
 * since the first one deleted its lock document before committing); SQLite and the in-memory store
 * run one write transaction at a time anyway. Lock documents are deleted before the transaction
 * commits, so none outlive it. An instance read under its lock is current, and every write
 * carries the revision it was read at: a copy that went stale is refused
 * ({@link SagaConcurrencyException}). A batch locks all the instances it will touch at once, in id
 * order, so that two batches never wait for each other in a circle.
 */
final class Session {
    private static final System.Logger LOG = System.getLogger(SagaRuntime.class.getName());
    static final int MAX_ID = 200;

    private final SagaRuntime runtime;
    private final Flow flow;
    private final DocumentCollection<Map<String, Object>> instances;
    private final DocumentCollection<Map<String, Object>> commands;
    private final DocumentCollection<Map<String, Object>> deadlines;
    private final DocumentCollection<Map<String, Object>> associations;
    private final DocumentCollection<Map<String, Object>> locks;
    private final Set<String> locked = new HashSet<>();
    private final List<String> lockDocs = new ArrayList<>();
    private final Map<String, Long> readRevisions = new HashMap<>();
    private final Instant now;
    /** Something became due (a command, a deadline, a saga step): the runner should look. */
    private boolean due;

    Session(SagaRuntime runtime, Flow flow, Function<String, DocumentCollection<Map<String, Object>>> collections) {
        this.runtime = runtime;
        this.flow = flow;
        this.instances = collections.apply(Names.INSTANCES);
        this.commands = collections.apply(Names.COMMANDS);
        this.deadlines = collections.apply(Names.DEADLINES);
        this.associations = collections.apply(Names.ASSOCIATIONS);
        this.locks = collections.apply(Names.LOCKS);
        this.now = runtime.now();
    }

    Instant now() {
        return now;
    }

    boolean due() {
        return due;
    }

    Flow flow() {
        return flow;
    }

    // ------------------------------------------------------------------ locks and revisions

    void lock(String id) {
        lockAll(List.of(id));
    }

    void lockAll(Collection<String> ids) {
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        for (String id : new TreeSet<>(ids)) {
            if (!locked.add(id)) continue;
            String docId = UUID.randomUUID().toString();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("k", id);
            docs.put(docId, d);
            lockDocs.add(docId);
        }
        if (docs.size() == 1) {
            var e = docs.entrySet().iterator().next();
            locks.put(e.getKey(), e.getValue());
        } else if (!docs.isEmpty()) {
            locks.putMany(docs);
        }
    }

    /** Deletes this transaction's lock documents; call last, before the transaction commits. */
    void unlockAll() {
        for (String d : lockDocs) locks.delete(d);
        lockDocs.clear();
        locked.clear();
    }

    /** The instance as stored now (null when there is none); locks it first. */
    Instance load(String id) {
        lock(id);
        Optional<Map<String, Object>> d = instances.get(id);
        readRevisions.put(id, d.map(m -> SagaJson.number(m, "revision", 0)).orElse(0L));
        return d.map(Instance::of).orElse(null);
    }

    /**
     * Writes the instance as the next revision after the one it was read at.
     *
     * @throws SagaConcurrencyException the stored revision is not the copy's
     */
    void save(Instance inst) {
        String id = inst.id();
        Long read = readRevisions.get(id);
        if (read == null) throw new IllegalStateException("instance " + id + " was not read under its lock");
        long expected = inst.revision();
        if (read != expected) throw new SagaConcurrencyException(flow.name(), id, expected, read);
        inst.revision(expected + 1);
        inst.touched(now);
        instances.put(id, inst.doc());
        readRevisions.put(id, expected + 1);
    }

    // ------------------------------------------------------------------ events

    /**
     * Applies events in order: each goes to the instance its route names (created by a start route
     * when missing). Returns the instance ids the events went to, null where an event was ignored.
     */
    List<String> handleEvents(List<RecordedEvent> events) throws Exception {
        Set<String> targets = new TreeSet<>();
        for (RecordedEvent e : events) {
            Route r = flow.routes().get(e.type());
            if (r == null) continue;
            if (r.handle() != null) {
                String id = resolve(r.handle(), r.handle().decode().apply(e));
                if (id != null) targets.add(id);
            }
            if (r.start() != null) {
                String key = r.start().key().apply(r.start().decode().apply(e));
                if (key != null) targets.add(checkId(key));
            }
        }
        lockAll(targets);
        List<String> out = new ArrayList<>(events.size());
        for (RecordedEvent e : events) out.add(handleEvent(e));
        return out;
    }

    private String handleEvent(RecordedEvent e) throws Exception {
        Route r = flow.routes().get(e.type());
        if (r == null) return null;
        if (r.handle() != null) {
            Object decoded = r.handle().decode().apply(e);
            String id = resolve(r.handle(), decoded);
            if (id != null) {
                Instance inst = load(id);
                if (inst != null) {
                    if (!inst.status().isFinal() && !inst.seen(e)) {
                        Transition t = new Transition(this, inst, e, e.id().toString(), e.metadata());
                        Object state = r.handle().handle().handle(decodeState(inst), decoded, t);
                        commit(t, state);
                    }
                    return id;
                }
            }
        }
        if (r.start() != null) {
            Object decoded = r.start().decode().apply(e);
            String key = r.start().key().apply(decoded);
            if (key == null) return null;
            String id = checkId(key);
            Instance existing = load(id);
            if (existing != null) return id; // exactly one instance per id: a later start changes nothing
            if (flow.isSaga()) {
                Object data = r.start().start().start(decoded, null);
                createSaga(id, data, e.metadata(), e);
            } else {
                Instance inst = Instance.create(id, false, SagaStatus.ACTIVE, now);
                Transition t = new Transition(this, inst, e, e.id().toString(), e.metadata());
                Object state = r.start().start().start(decoded, t);
                commit(t, state);
            }
            return id;
        }
        return null;
    }

    private String resolve(Route.HandlePart part, Object decoded) {
        String key = part.key().apply(decoded);
        if (key == null) return null;
        if (part.association() == null) return checkId(key);
        checkId(key);
        return associations.get(associationId(part.association(), key))
                .map(d -> SagaJson.string(d, "instance")).orElse(null);
    }

    static String associationId(String association, String value) {
        return association + "=" + value;
    }

    /** Instance ids are 1-200 characters without control characters. */
    static String checkId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID || id.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidInputException("instanceId",
                    "an instance id (association key) is 1-" + MAX_ID + " characters without control characters: "
                            + (id == null ? null : SagaJson.abbreviate(id)));
        }
        return id;
    }

    Object decodeState(Instance inst) {
        return flow.codec().decode(SagaJson.write(inst.state()));
    }

    private Map<String, Object> encodeState(Object state) {
        if (state == null) {
            throw new InvalidInputException("state", "a transition of " + flow.name() + " returned no state (null)");
        }
        return SagaJson.object(flow.codec().encode(state), "state");
    }

    // ------------------------------------------------------------------ transitions

    /** Stores what a transition did: the new state, its commands, deadlines and associations. */
    void commit(Transition t, Object state) {
        Instance inst = t.instance();
        inst.state(encodeState(state));
        if (t.event() != null) inst.markSeen(t.event());
        String id = inst.id();
        for (var e : t.deadlines().entrySet()) {
            String docId = deadlineId(id, e.getKey());
            if (t.ended() || e.getValue() == null) {
                deadlines.delete(docId);
            } else {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("instance", id);
                d.put("name", e.getKey());
                d.put("dueAt", Instance.millis(e.getValue()));
                d.put("token", UUID.nameUUIDFromBytes((flow.name() + "|" + id + "|" + t.causeId() + "|" + e.getKey() + "|"
                        + e.getValue().toEpochMilli()).getBytes(StandardCharsets.UTF_8)).toString());
                // what the firing transition continues: the conversation, tenant and trace of this one
                Metadata follow = Transition.commandMetadata(t.metadata(), t.causeId(), Map.of());
                d.put("metadata", new LinkedHashMap<String, Object>(follow.asMap()));
                d.put("scheduledAt", Instance.millis(now));
                deadlines.put(docId, d);
                due = true;
            }
        }
        if (t.ended()) {
            inst.status(SagaStatus.ENDED, now);
            deleteDeadlines(id);
        }
        for (var a : t.associations().entrySet()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("instance", id);
            associations.put(a.getKey(), d);
        }
        List<Transition.Outgoing> out = t.commands();
        for (int i = 0; i < out.size(); i++) {
            Transition.Outgoing o = out.get(i);
            CommandCodec.Encoded enc = runtime.commandCodec().encode(o.command());
            SagaJson.object("{\"v\":" + checkJson(enc.json()) + "}", "command"); // refuse text that is not JSON now, not at dispatch
            long seq = inst.nextSequence();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("instance", id);
            d.put("seq", BigDecimal.valueOf(seq));
            d.put("key", flow.name() + ":" + id + ":" + t.causeId() + ":" + i);
            d.put("type", enc.type());
            d.put("payload", enc.json());
            d.put("metadata", new LinkedHashMap<String, Object>(o.metadata().asMap()));
            d.put("status", IssuedCommand.Status.PENDING.name());
            d.put("dueAt", Instance.millis(now));
            d.put("attempts", BigDecimal.ZERO);
            d.put("issuedAt", Instance.millis(now));
            commands.put(commandId(id, seq), d);
            due = true;
        }
        save(inst);
    }

    private static String checkJson(String json) {
        if (json == null || json.isBlank()) throw new InvalidInputException("command", "the command codec produced no JSON");
        return json;
    }

    static String deadlineId(String instance, String name) {
        return instance + "/" + name;
    }

    static String commandId(String instance, long seq) {
        return instance + "/" + String.format("%012d", seq);
    }

    private void deleteDeadlines(String id) {
        while (true) {
            Page<Map<String, Object>> page = deadlines.find(Query.where("instance", Predicate.eq(id)).limit(500));
            for (Map<String, Object> d : page.items()) deadlines.delete(deadlineId(id, SagaJson.string(d, "name")));
            if (!page.hasMore()) return;
        }
    }

    // ------------------------------------------------------------------ deadlines

    /** Fires a deadline seen due outside the transaction; false when it is gone, moved or not due. */
    boolean fireDeadline(String instanceId, String name, String token) throws Exception {
        lock(instanceId);
        String docId = deadlineId(instanceId, name);
        Map<String, Object> d = deadlines.get(docId).orElse(null);
        if (d == null || !token.equals(SagaJson.string(d, "token"))) return false;
        long dueAt = SagaJson.number(d, "dueAt", Long.MAX_VALUE);
        if (dueAt > now.toEpochMilli()) return false;
        deadlines.delete(docId);
        Instance inst = load(instanceId);
        if (inst == null || inst.status().isFinal()) return true; // an ended instance: nothing happens
        ProcessManager.DeadlineHandler<Object> handler = deadlineHandler(name);
        if (handler == null) {
            LOG.log(System.Logger.Level.WARNING, "process manager {0} has no handler for deadline {1} of {2}; dropped",
                    flow.name(), name, instanceId);
            return true;
        }
        Metadata cause = Metadata.fromMap(SagaJson.strings(d, "metadata"));
        Transition t = new Transition(this, inst, null, token, cause);
        Deadline deadline = new Deadline(flow.name(), instanceId, name, Instant.ofEpochMilli(dueAt));
        Object state = handler.handle(decodeState(inst), deadline, t);
        commit(t, state);
        return true;
    }

    @SuppressWarnings("unchecked")
    private ProcessManager.DeadlineHandler<Object> deadlineHandler(String name) {
        return (ProcessManager.DeadlineHandler<Object>) (ProcessManager.DeadlineHandler<?>) flow.process().deadline(name);
    }

    @SuppressWarnings("unchecked")
    private ProcessManager.FailureHandler<Object> failureHandler() {
        return (ProcessManager.FailureHandler<Object>) (ProcessManager.FailureHandler<?>) flow.process().failureHandler();
    }

    // ------------------------------------------------------------------ issued commands

    /** A command claimed for dispatch by this runtime. */
    record ClaimedCommand(String instanceId, long seq, String claim, String key, String type, String payload,
                          Metadata metadata, int attempts) {
    }

    /**
     * Claims the instance's next pending command when it is due and no earlier one is pending: it is
     * marked as being dispatched by this runtime until {@code claimFor} from now.
     */
    ClaimedCommand claimNextCommand(String instanceId, Duration claimFor) {
        lock(instanceId);
        Page<Map<String, Object>> page = commands.find(Query.where("instance", Predicate.eq(instanceId))
                .and("status", Predicate.eq(IssuedCommand.Status.PENDING.name())).orderBy("seq").limit(1));
        if (page.items().isEmpty()) return null;
        Map<String, Object> c = new LinkedHashMap<>(page.items().getFirst());
        if (SagaJson.number(c, "dueAt", Long.MAX_VALUE) > now.toEpochMilli()) return null;
        long seq = SagaJson.number(c, "seq", 0);
        String claim = UUID.randomUUID().toString();
        c.put("claim", claim);
        c.put("owner", runtime.instanceId());
        c.put("dueAt", Instance.millis(now.plus(claimFor)));
        commands.put(commandId(instanceId, seq), c);
        return new ClaimedCommand(instanceId, seq, claim, SagaJson.string(c, "key"), SagaJson.string(c, "type"),
                SagaJson.string(c, "payload"), Metadata.fromMap(SagaJson.strings(c, "metadata")),
                (int) SagaJson.number(c, "attempts", 0));
    }

    /**
     * Records a dispatch: success removes the command from the outbox, failure schedules the next
     * attempt or, after the last, marks it failed and tells the instance. False when the claim was
     * lost meanwhile (another runtime took the command over): nothing is written.
     */
    boolean recordCommand(ClaimedCommand claimed, Throwable failure, Retry retry) throws Exception {
        lock(claimed.instanceId());
        String docId = commandId(claimed.instanceId(), claimed.seq());
        Map<String, Object> c = commands.get(docId).orElse(null);
        if (c == null || !claimed.claim().equals(SagaJson.string(c, "claim"))) return false;
        if (failure == null) {
            commands.delete(docId);
            due = true; // the instance's next command may go now
            return true;
        }
        c = new LinkedHashMap<>(c);
        c.remove("claim");
        c.remove("owner");
        int attempts = (int) SagaJson.number(c, "attempts", 0) + 1;
        c.put("attempts", BigDecimal.valueOf(attempts));
        c.put("lastError", describe(failure));
        if (attempts < retry.maxAttempts()) {
            c.put("dueAt", Instance.millis(now.plus(retry.backoffAfter(attempts))));
            commands.put(docId, c);
            return true;
        }
        c.put("status", IssuedCommand.Status.FAILED.name());
        c.remove("dueAt");
        commands.put(docId, c);
        due = true;
        LOG.log(System.Logger.Level.WARNING, "command {0} of {1} failed {2} times and is parked: {3}",
                claimed.key(), flow.name(), attempts, describe(failure));
        ProcessManager.FailureHandler<Object> handler = failureHandler();
        if (handler != null) {
            Instance inst = load(claimed.instanceId());
            if (inst != null && !inst.status().isFinal()) {
                IssuedCommand failed = runtime.issued(flow, c);
                String cause = UUID.nameUUIDFromBytes(("failed|" + claimed.key()).getBytes(StandardCharsets.UTF_8)).toString();
                Transition t = new Transition(this, inst, null, cause, claimed.metadata());
                Object state = handler.handle(decodeState(inst), failed, t);
                commit(t, state);
            }
        }
        return true;
    }

    /** Makes a failed command pending again with fresh attempts; false when there is no such failed command. */
    boolean retryCommand(String instanceId, long seq) {
        lock(instanceId);
        String docId = commandId(instanceId, seq);
        Map<String, Object> c = commands.get(docId).orElse(null);
        if (c == null || !IssuedCommand.Status.FAILED.name().equals(SagaJson.string(c, "status"))) return false;
        c = new LinkedHashMap<>(c);
        c.put("status", IssuedCommand.Status.PENDING.name());
        c.put("attempts", BigDecimal.ZERO);
        c.put("dueAt", Instance.millis(now));
        commands.put(docId, c);
        due = true;
        return true;
    }

    // ------------------------------------------------------------------ sagas

    /** Creates a saga instance ready to run its first step; false when the id is taken. */
    boolean createSaga(String id, Object data, Metadata metadata, RecordedEvent cause) {
        checkId(id);
        if (load(id) != null) return false;
        Instance inst = Instance.create(id, true, SagaStatus.RUNNING, now);
        inst.state(encodeState(data));
        // one conversation for all its steps: the start's correlation id, else the start event's id, else the saga's own
        String origin = cause != null ? cause.id().toString()
                : UUID.nameUUIDFromBytes((flow.name() + "|" + id).getBytes(StandardCharsets.UTF_8)).toString();
        Metadata given = metadata == null ? Metadata.empty() : metadata;
        inst.metadata(given.correlationId() != null ? given : given.withCorrelationId(origin));
        inst.step(0);
        inst.attempts(0);
        inst.dueAt(now);
        if (cause != null) inst.markSeen(cause);
        save(inst);
        due = true;
        return true;
    }

    /** A step attempt claimed by this runtime. */
    record ClaimedStep(String id, String claim, SagaStatus status, int step, int attempt, Map<String, Object> data,
                       Metadata metadata) {
    }

    ClaimedStep claimStep(String id, Duration claimFor) {
        Instance inst = load(id);
        if (inst == null) return null;
        SagaStatus status = inst.status();
        if (status != SagaStatus.RUNNING && status != SagaStatus.COMPENSATING) return null;
        Long dueAt = inst.dueAt();
        if (dueAt == null || dueAt > now.toEpochMilli()) return null;
        String claim = UUID.randomUUID().toString();
        inst.claim(claim, runtime.instanceId());
        inst.dueAt(now.plus(claimFor));
        int attempt = inst.attempts() + 1;
        save(inst);
        return new ClaimedStep(id, claim, status, inst.step(), attempt, inst.state(), inst.metadata());
    }

    /** Extends a claim that is still this runtime's; false when it was lost. */
    boolean renewStep(String id, String claim, Duration claimFor) {
        Instance inst = load(id);
        if (inst == null || !claim.equals(inst.claim())) return false;
        inst.dueAt(now.plus(claimFor));
        save(inst);
        return true;
    }

    /**
     * Records the outcome of a step attempt and moves the saga on. False, writing nothing, when the
     * claim is no longer this attempt's (it ran out and another runtime took the step over).
     */
    boolean recordStep(ClaimedStep claimed, Object result, Throwable failure) {
        Saga<?> saga = flow.saga();
        Instance inst = load(claimed.id());
        if (inst == null || !claimed.claim().equals(inst.claim())) return false;
        inst.claim(null, null);
        List<? extends Saga.Step<?>> steps = saga.steps();
        int step = inst.step();
        if (claimed.status() == SagaStatus.RUNNING) {
            if (failure == null) {
                inst.state(encodeState(result));
                inst.attempts(0);
                inst.lastError(null);
                if (step + 1 >= steps.size()) {
                    inst.status(SagaStatus.COMPLETED, now);
                } else {
                    inst.step(step + 1);
                    inst.dueAt(now);
                }
            } else {
                int attempts = inst.attempts() + 1;
                inst.attempts(attempts);
                inst.lastError("step " + steps.get(step).name() + ": " + describe(failure));
                if (saga.retryable(failure) && attempts < saga.retry().maxAttempts()) {
                    inst.dueAt(now.plus(saga.retry().backoffAfter(attempts)));
                } else {
                    inst.failedStep(step);
                    inst.status(SagaStatus.COMPENSATING, now);
                    compensateFrom(inst, step - 1, steps);
                }
            }
        } else {
            if (failure == null) {
                inst.state(encodeState(result));
                compensateFrom(inst, step - 1, steps);
            } else {
                int attempts = inst.attempts() + 1;
                inst.attempts(attempts);
                inst.lastError("compensation of " + steps.get(step).name() + ": " + describe(failure));
                if (attempts < saga.compensationRetry().maxAttempts()) {
                    inst.dueAt(now.plus(saga.compensationRetry().backoffAfter(attempts)));
                } else {
                    inst.status(SagaStatus.COMPENSATION_FAILED, now);
                    inst.dueAt(null);
                    LOG.log(System.Logger.Level.WARNING, "saga {0} {1}: compensation of step {2} failed {3} times; "
                            + "it waits for an operator: {4}", flow.name(), claimed.id(), steps.get(step).name(), attempts,
                            describe(failure));
                }
            }
        }
        save(inst);
        due = true;
        return true;
    }

    /** Points the saga at the last step at or before {@code from} that has a compensation, or ends it. */
    private void compensateFrom(Instance inst, int from, List<? extends Saga.Step<?>> steps) {
        int k = from;
        while (k >= 0 && steps.get(k).compensation() == null) k--;
        inst.attempts(0);
        if (k < 0) {
            inst.status(SagaStatus.COMPENSATED, now);
        } else {
            inst.step(k);
            inst.dueAt(now);
        }
    }

    /** Resumes the compensation of a saga in COMPENSATION_FAILED with fresh attempts. */
    void retrySaga(String id) {
        Instance inst = load(id);
        if (inst == null) throw new InvalidInputException("instanceId", "saga " + flow.name() + " has no instance " + id);
        if (inst.status() != SagaStatus.COMPENSATION_FAILED) {
            throw new InvalidInputException("status", "saga " + flow.name() + " " + id + " is " + inst.status()
                    + "; only a saga in COMPENSATION_FAILED can be retried");
        }
        inst.status(SagaStatus.COMPENSATING, now);
        inst.attempts(0);
        inst.dueAt(now);
        save(inst);
        due = true;
    }

    static String describe(Throwable t) {
        String text = t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        return text.length() > 2000 ? text.substring(0, 1999) + "…" : text;
    }
}
