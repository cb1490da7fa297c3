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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The work of one store transaction on the documents of one process manager or saga.
 *
 * <p><b>Locking.</b> Every instance is read and written under its lock: the transaction writes the
 * instance's row in the flow's lock collection ({@code {"k": <instance id>}}, id = instance id)
 * before it reads the instance. That collection carries a unique index, which makes the PostgreSQL
 * store send its writes at once instead of buffering them, so the write takes the row's lock: a
 * second transaction that locks the same instance waits until the first ends, and then reads what
 * the first committed (READ COMMITTED reads a fresh snapshot per statement). SQLite and the
 * in-memory store run one write transaction at a time anyway. Lock rows stay (one per instance);
 * rows written for ids that turned out to name no instance are deleted before the commit.
 *
 * <p>An instance read under its lock is current, and every write carries the revision it was read
 * at: a copy that went stale is refused ({@link SagaConcurrencyException}). A batch locks all the
 * instances it will touch in one statement, in id order, so that two batches never wait for each
 * other in a circle (an instance found only midway, through an association made by the batch
 * itself, is locked when found; a deadlock PostgreSQL then breaks fails the batch, which is retried).
 */
final class Session {
    private static final System.Logger LOG = System.getLogger(SagaRuntime.class.getName());
    static final int MAX_ID = 200;
    /** How many instance ids one query names at most. */
    private static final int CHUNK = 500;
    /** How often a deadline whose handler throws is tried before it is parked. */
    static final int DEADLINE_ATTEMPTS = 10;
    static final Retry DEADLINE_RETRY = Retry.of(DEADLINE_ATTEMPTS, Duration.ofSeconds(1), Duration.ofMinutes(5));

    private final SagaRuntime runtime;
    private final Flow flow;
    private final DocumentCollection<Map<String, Object>> instances;
    private final DocumentCollection<Map<String, Object>> commands;
    private final DocumentCollection<Map<String, Object>> deadlines;
    private final DocumentCollection<Map<String, Object>> associations;
    private final DocumentCollection<Map<String, Object>> locks;
    private final Set<String> locked = new HashSet<>();
    /** The instances as this transaction knows them (read under lock, or as it wrote them); empty: none. */
    private final Map<String, Optional<Map<String, Object>>> known = new HashMap<>();
    private final Map<String, Long> readRevisions = new HashMap<>();
    private final Instant now;
    /** Something became due (a command, a deadline, a saga step): the runner should look. */
    private boolean due;
    /**
     * Eager dispatch: the instances known to have no pending command in the outbox, whose new
     * commands this transaction writes already claimed by this runtime, to be dispatched right after
     * the commit; null when this transaction does not dispatch eagerly.
     */
    private Set<String> clear;
    /** Instances that ended in this transaction: their deadlines are deleted before the commit. */
    private final Set<String> ended = new LinkedHashSet<>();
    /** Per instance, the dispatches under way here that its eagerly claimed commands go out after. */
    private final Map<String, List<CompletableFuture<Boolean>>> waits = new HashMap<>();
    /** The commands written claimed for eager dispatch, in issue order. */
    private final List<ClaimedCommand> eager = new ArrayList<>();

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

    /**
     * Makes this transaction write the commands of instances with an empty outbox already claimed by
     * this runtime, for {@link #eager()} dispatch once it committed. Call before handling events.
     */
    void dispatchEagerly() {
        clear = new HashSet<>();
    }

    /** The commands claimed for dispatch right after the commit, in issue order. */
    List<ClaimedCommand> eager() {
        return eager;
    }

    /** Per instance, the dispatches under way that its {@link #eager()} commands must follow. */
    Map<String, List<CompletableFuture<Boolean>>> waits() {
        return waits;
    }

    Flow flow() {
        return flow;
    }

    // ------------------------------------------------------------------ locks and revisions

    void lock(String id) {
        lockAll(List.of(id));
    }

    /** Locks the instances (in id order, in one write) and loads those not known yet in one read. */
    void lockAll(Collection<String> ids) {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        for (String id : new TreeSet<>(ids)) {
            if (!locked.add(id)) continue;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("k", id);
            rows.put(id, d);
        }
        if (rows.isEmpty()) return;
        if (rows.size() == 1) {
            var e = rows.entrySet().iterator().next();
            locks.put(e.getKey(), e.getValue());
        } else {
            locks.putMany(rows);
        }
        Map<String, Map<String, Object>> found = instances.getMany(rows.keySet());
        for (String id : rows.keySet()) {
            if (known.containsKey(id)) continue;
            Map<String, Object> d = found.get(id);
            known.put(id, Optional.ofNullable(d));
            readRevisions.put(id, d == null ? 0L : SagaJson.number(d, "revision", 0));
        }
    }

    /**
     * Deletes the deadlines of instances that ended and the lock rows of ids that name no instance;
     * call last, before the transaction commits.
     */
    void finish() {
        if (!ended.isEmpty()) deleteDeadlinesOfEnded();
        for (String id : locked) {
            if (known.getOrDefault(id, Optional.empty()).isEmpty()) locks.delete(id);
        }
    }

    /** The instance as stored now (null when there is none); locks it first. */
    Instance load(String id) {
        lock(id);
        return known.get(id).map(Instance::of).orElse(null);
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
        known.put(id, Optional.of(Instance.copy(inst.doc())));
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
        if (clear != null && !targets.isEmpty()) findClearOutboxes(targets);
        List<String> out = new ArrayList<>(events.size());
        for (RecordedEvent e : events) out.add(handleEvent(e));
        return out;
    }

    /**
     * Finds which of the (locked) instances have no pending command: only their new commands may go
     * out at once, because an instance's commands are dispatched in issue order and a pending one
     * (waiting for a retry, or claimed by another runtime) must go first. One being dispatched by this
     * runtime does not hold them back: they are claimed too and sent once it was accepted (not at all,
     * left to the background thread, if it failed). One query for the whole batch; when it cannot tell for all, none is taken as clear.
     */
    private void findClearOutboxes(Set<String> ids) {
        Set<String> busy = new HashSet<>();
        for (List<String> part : chunks(ids, CHUNK)) {
            // by instance only: a condition on the status would let the database scan every pending command
            Page<Map<String, Object>> page = commands.find(Query.where("instance", Predicate.in(part))
                    .orderBy("instance").limit(Query.MAX_LIMIT)); // in the order of the instance index: no other scan pays
            if (page.hasMore()) return;
            for (Map<String, Object> c : page.items()) {
                if (!IssuedCommand.Status.PENDING.name().equals(SagaJson.string(c, "status"))) continue;
                String instance = SagaJson.string(c, "instance");
                // being dispatched here (or dispatched, only its removal from the outbox on its way): the new
                // commands are claimed at once and go out once it was accepted
                CompletableFuture<Boolean> d = runtime.dispatchOf(SagaJson.string(c, "claim"));
                if (d == null || (d.isDone() && !d.getNow(false))) {
                    busy.add(instance);
                } else if (!d.isDone()) {
                    waits.computeIfAbsent(instance, k -> new ArrayList<>()).add(d);
                }
            }
        }
        for (String id : ids) if (!busy.contains(id)) clear.add(id);
        waits.keySet().removeAll(busy);
    }

    private static List<List<String>> chunks(Collection<String> ids, int size) {
        List<List<String>> out = new ArrayList<>();
        List<String> cur = new ArrayList<>();
        for (String id : ids) {
            cur.add(id);
            if (cur.size() == size) {
                out.add(cur);
                cur = new ArrayList<>();
            }
        }
        if (!cur.isEmpty()) out.add(cur);
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
                dropDeadline(docId);
            } else {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("instance", id);
                d.put("name", e.getKey());
                d.put("at", Instance.millis(e.getValue()));
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
            ended.add(id); // its other deadlines go in finish(), in one query for the whole batch
        }
        for (var a : t.associations().entrySet()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("instance", id);
            associations.put(a.getKey(), d);
        }
        List<Transition.Outgoing> out = t.commands();
        boolean claimNow = clear != null && clear.contains(id) && !runtime.stopping();
        for (int i = 0; i < out.size(); i++) {
            Transition.Outgoing o = out.get(i);
            CommandCodec.Encoded enc = runtime.commandCodec().encode(o.command());
            // refuse text that is not JSON now, not at dispatch (checked as a document would be, without building it)
            dev.facta.internal.Json.validateStrict(checkJson(enc.json()), SagaJson.MAX_DEPTH - 1, "command");
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
            if (claimNow) {
                // claimed as a dispatch would claim it: if this process dies before recording the outcome,
                // the claim runs out and any runtime dispatches it, exactly as after a crash mid-dispatch
                String claim = UUID.randomUUID().toString();
                d.put("claim", claim);
                d.put("owner", runtime.instanceId());
                d.put("dueAt", Instance.millis(now.plus(runtime.dispatchClaim())));
                eager.add(new ClaimedCommand(id, seq, claim, (String) d.get("key"), enc.type(), enc.json(),
                        o.metadata(), 0));
            } else {
                due = true;
            }
            commands.put(commandId(id, seq), d);
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

    /** Deletes the deadlines of the instances that ended in this transaction. */
    private void deleteDeadlinesOfEnded() {
        for (List<String> part : chunks(ended, CHUNK)) {
            while (true) {
                Page<Map<String, Object>> page = deadlines.find(Query.where("instance", Predicate.in(part)).limit(500));
                for (Map<String, Object> d : page.items()) {
                    dropDeadline(deadlineId(SagaJson.string(d, "instance"), SagaJson.string(d, "name")));
                }
                if (!page.hasMore()) break;
            }
        }
        ended.clear();
    }

    /**
     * Deletes a deadline document. A placeholder is written first so that stores that buffer writes
     * send the delete with the transaction's other writes instead of a statement of its own.
     */
    private void dropDeadline(String docId) {
        deadlines.put(docId, new LinkedHashMap<>());
        deadlines.delete(docId);
    }

    // ------------------------------------------------------------------ deadlines

    /** A deadline seen due outside the transaction. */
    record DueDeadline(String instanceId, String name, String token) {
    }

    /** Fires deadlines seen due outside the transaction; returns how many fired (or found their instance ended). */
    int fireDeadlines(List<DueDeadline> due) throws Exception {
        Set<String> ids = new LinkedHashSet<>();
        for (DueDeadline d : due) ids.add(d.instanceId());
        lockAll(ids);
        int fired = 0;
        for (DueDeadline d : due) if (fireDeadline(d)) fired++;
        return fired;
    }

    /** Fires one deadline; false when it is gone, moved or not due. */
    private boolean fireDeadline(DueDeadline due) throws Exception {
        String instanceId = due.instanceId();
        String name = due.name();
        lock(instanceId);
        String docId = deadlineId(instanceId, name);
        Map<String, Object> d = deadlines.get(docId).orElse(null);
        if (d == null || !due.token().equals(SagaJson.string(d, "token"))) return false;
        if (SagaJson.number(d, "dueAt", Long.MAX_VALUE) > now.toEpochMilli()) return false;
        dropDeadline(docId);
        Instance inst = load(instanceId);
        if (inst == null || inst.status().isFinal()) return true; // an ended instance: nothing happens
        ProcessManager.DeadlineHandler<Object> handler = deadlineHandler(name);
        if (handler == null) {
            LOG.log(System.Logger.Level.WARNING, "process manager {0} has no handler for deadline {1} of {2}; dropped",
                    flow.name(), name, instanceId);
            return true;
        }
        Metadata cause = Metadata.fromMap(SagaJson.strings(d, "metadata"));
        Transition t = new Transition(this, inst, null, due.token(), cause);
        long at = SagaJson.number(d, "at", SagaJson.number(d, "dueAt", 0));
        Deadline deadline = new Deadline(flow.name(), instanceId, name, Instant.ofEpochMilli(at));
        Object state = handler.handle(decodeState(inst), deadline, t);
        commit(t, state);
        return true;
    }

    /**
     * Records that firing a deadline failed: it is tried again after a backoff, and parked (kept, no
     * longer due) after {@value #DEADLINE_ATTEMPTS} attempts.
     */
    void deadlineFailed(DueDeadline due, Throwable failure) {
        lock(due.instanceId());
        String docId = deadlineId(due.instanceId(), due.name());
        Map<String, Object> d = deadlines.get(docId).orElse(null);
        if (d == null || !due.token().equals(SagaJson.string(d, "token"))) return;
        d = new LinkedHashMap<>(d);
        int attempts = (int) SagaJson.number(d, "attempts", 0) + 1;
        d.put("attempts", BigDecimal.valueOf(attempts));
        d.put("lastError", describe(failure));
        if (attempts < DEADLINE_ATTEMPTS) {
            d.put("dueAt", Instance.millis(now.plus(DEADLINE_RETRY.backoffAfter(attempts))));
        } else {
            d.remove("dueAt");
            LOG.log(System.Logger.Level.WARNING, "deadline {0} of {1} {2} failed {3} times and is parked: {4}",
                    due.name(), flow.name(), due.instanceId(), attempts, describe(failure));
        }
        deadlines.put(docId, d);
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

    /** What came of a claimed command: dispatched (failure null), failed, or not tried (an earlier one failed). */
    record Outcome(ClaimedCommand command, boolean attempted, Throwable failure) {
    }

    /**
     * Claims up to {@code limit} due commands, by instance and in issue order: for each instance
     * with a due command, its pending commands from the earliest on, as long as they are due (one
     * still waiting for its backoff, or claimed by another runtime, holds up the ones after it). Each
     * is marked as being dispatched by this runtime until {@code claimFor} from now.
     */
    List<ClaimedCommand> claimDueCommands(int limit, Duration claimFor) {
        long nowMs = now.toEpochMilli();
        Set<String> ids = new LinkedHashSet<>();
        for (Map<String, Object> c : commands.find(Query.where("dueAt", Predicate.lte(nowMs))
                .orderBy("dueAt").limit(limit)).items()) {
            ids.add(SagaJson.string(c, "instance"));
        }
        if (ids.isEmpty()) return List.of();
        lockAll(ids);
        Map<String, List<Map<String, Object>>> pending = new LinkedHashMap<>();
        for (String id : ids) pending.put(id, new ArrayList<>());
        for (Map<String, Object> c : commands.find(Query.where("instance", Predicate.in(ids))
                .orderBy("instance").limit(Query.MAX_LIMIT)).items()) {
            // by the instance index only: a condition on the status, or another order, would let the database
            // scan every command; the status and the issue order are seen to here
            if (IssuedCommand.Status.PENDING.name().equals(SagaJson.string(c, "status"))) pending.get(SagaJson.string(c, "instance")).add(c);
        }
        for (List<Map<String, Object>> list : pending.values()) list.sort(java.util.Comparator.comparingLong(c -> SagaJson.number(c, "seq", 0)));
        List<ClaimedCommand> out = new ArrayList<>();
        Map<String, Map<String, Object>> writes = new LinkedHashMap<>();
        for (var e : pending.entrySet()) {
            Long blockedUntil = null;
            for (Map<String, Object> c : e.getValue()) {
                long dueAt = SagaJson.number(c, "dueAt", Long.MAX_VALUE);
                if (blockedUntil != null) {
                    // waits for the earlier command's retry: due no sooner, so it does not crowd the due ones out
                    if (dueAt < blockedUntil) {
                        c = new LinkedHashMap<>(c);
                        c.put("dueAt", BigDecimal.valueOf(blockedUntil));
                        writes.put(commandId(e.getKey(), SagaJson.number(c, "seq", 0)), c);
                    }
                    continue;
                }
                if (dueAt > nowMs) {
                    if (c.get("claim") != null) break; // in flight elsewhere: soon done
                    blockedUntil = dueAt;
                    continue;
                }
                if (out.size() >= limit) break;
                c = new LinkedHashMap<>(c);
                long seq = SagaJson.number(c, "seq", 0);
                String claim = UUID.randomUUID().toString();
                c.put("claim", claim);
                c.put("owner", runtime.instanceId());
                c.put("dueAt", Instance.millis(now.plus(claimFor)));
                writes.put(commandId(e.getKey(), seq), c);
                out.add(new ClaimedCommand(e.getKey(), seq, claim, SagaJson.string(c, "key"), SagaJson.string(c, "type"),
                        SagaJson.string(c, "payload"), Metadata.fromMap(SagaJson.strings(c, "metadata")),
                        (int) SagaJson.number(c, "attempts", 0)));
            }
        }
        if (!writes.isEmpty()) commands.putMany(writes);
        return out;
    }

    /**
     * Records dispatches: a dispatched command leaves the outbox; a failed one is tried again after
     * its backoff or, after its last attempt, is marked failed and its instance told; one not tried
     * is released. Outcomes whose claim was lost meanwhile (another runtime took the command over) are
     * skipped. Returns how many were recorded.
     */
    int recordCommands(List<Outcome> outcomes, Retry retry) throws Exception {
        Set<String> ids = new LinkedHashSet<>();
        List<String> docIds = new ArrayList<>();
        boolean allDispatched = true;
        for (Outcome o : outcomes) {
            ids.add(o.command().instanceId());
            docIds.add(commandId(o.command().instanceId(), o.command().seq()));
            allDispatched &= o.attempted() && o.failure() == null;
        }
        // removing dispatched commands touches no instance, so it need not wait for (nor hold up) the
        // transitions of their instances; retries and failures are written under the instances' locks
        if (!allDispatched) lockAll(ids);
        Map<String, Map<String, Object>> stored = commands.getMany(docIds);
        Map<String, Map<String, Object>> writes = new LinkedHashMap<>();
        List<String> dispatched = new ArrayList<>();
        List<Map<String, Object>> failed = new ArrayList<>();
        Map<String, Object> retryAt = new HashMap<>(); // per instance: when its failed command is tried again
        int recorded = 0;
        List<Outcome> ordered = new ArrayList<>(outcomes);
        ordered.sort((a, b) -> Boolean.compare(!a.attempted(), !b.attempted())); // the tried ones first
        for (Outcome o : ordered) {
            ClaimedCommand claimed = o.command();
            String docId = commandId(claimed.instanceId(), claimed.seq());
            Map<String, Object> c = stored.get(docId);
            if (c == null || !claimed.claim().equals(SagaJson.string(c, "claim"))) {
                LOG.log(System.Logger.Level.WARNING, "command {0} of {1} was taken over by another runtime while it was"
                        + " dispatched here; its outcome here is not recorded", claimed.key(), flow.name());
                continue;
            }
            recorded++;
            c = new LinkedHashMap<>(c);
            c.remove("claim");
            c.remove("owner");
            if (o.attempted() && o.failure() == null) {
                dispatched.add(docId);
                // a placeholder, deleted below: only so that stores that buffer writes send the delete with them
                writes.put(docId, new LinkedHashMap<>());
                continue;
            }
            if (!o.attempted()) {
                c.put("dueAt", retryAt.getOrDefault(claimed.instanceId(), Instance.millis(now)));
                writes.put(docId, c);
                continue;
            }
            int attempts = (int) SagaJson.number(c, "attempts", 0) + 1;
            c.put("attempts", BigDecimal.valueOf(attempts));
            c.put("lastError", describe(o.failure()));
            if (attempts < retry.maxAttempts()) {
                c.put("dueAt", Instance.millis(now.plus(retry.backoffAfter(attempts))));
                retryAt.put(claimed.instanceId(), c.get("dueAt"));
            } else {
                c.put("status", IssuedCommand.Status.FAILED.name());
                c.remove("dueAt");
                failed.add(c);
                LOG.log(System.Logger.Level.WARNING, "command {0} of {1} failed {2} times and is parked: {3}",
                        claimed.key(), flow.name(), attempts, describe(o.failure()));
            }
            writes.put(docId, c);
        }
        // written first and then deleted: stores that buffer writes send the deletes together
        if (!writes.isEmpty()) commands.putMany(writes);
        for (String d : dispatched) commands.delete(d);
        due = true;
        ProcessManager.FailureHandler<Object> handler = failureHandler();
        if (handler != null) {
            for (Map<String, Object> c : failed) {
                Instance inst = load(SagaJson.string(c, "instance"));
                if (inst == null || inst.status().isFinal()) continue;
                IssuedCommand view = runtime.issued(flow, c);
                String cause = UUID.nameUUIDFromBytes(("failed|" + view.idempotencyKey()).getBytes(StandardCharsets.UTF_8)).toString();
                Transition t = new Transition(this, inst, null, cause, view.metadata());
                Object state = handler.handle(decodeState(inst), view, t);
                commit(t, state);
            }
        }
        return recorded;
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
