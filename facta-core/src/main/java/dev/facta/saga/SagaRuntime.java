package dev.facta.saga;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.projection.OnFailure;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.UniqueViolationException;
import dev.facta.store.EventStore;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Runs process managers and sagas on the stores an application already has: events come from the
 * event store through a {@link ProjectionEngine} (one projection per process manager or event-started
 * saga), everything they keep — instance state, issued commands waiting for dispatch, deadlines,
 * associations — is documents in the {@link ProjectionStore}'s read models, so it works the same in
 * memory, on SQLite and on PostgreSQL, and commits in one transaction with the projection checkpoint.
 *
 * <pre>{@code
 * SagaRuntime sagas = SagaRuntime.builder(events, projectionStore, commandBus)
 *         .commandCodec(CommandCodec.of(jacksonSerializer))
 *         .register(orderFulfilment)
 *         .register(checkout)
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p><b>What it promises.</b>
 * <ul>
 * <li>A transition's commands are written in the transaction that commits the transition and
 * dispatched afterwards through the command bus, in issue order per instance, each with a
 * deterministic idempotency key. A crash between the commit and the dispatch, or between the
 * dispatch and recording it, dispatches again with the same key; with
 * {@link dev.facta.command.IdempotencyMiddleware} on the bus (backed by a store every instance shares)
 * the handler still runs once. Failed dispatches are retried with backoff, then parked as
 * {@link IssuedCommand.Status#FAILED} for an operator ({@link #retryCommand}).</li>
 * <li>An event delivered again changes nothing; a start event creates one instance however many
 * runtimes receive it; concurrent changes of one instance (its events come from streams in different
 * segments, a deadline fires meanwhile) serialize on the instance and never lose an update.</li>
 * <li>Deadlines are stored with the transition that schedules them, fire after restarts, fire at most
 * once, and do nothing once their instance ended.</li>
 * <li>Saga steps run one at a time per saga, claimed by one runtime at a time (a claim lasts
 * {@link Saga#stepTimeout()} and is renewed while the step runs); an attempt whose claim was taken
 * over cannot record its outcome.</li>
 * </ul>
 *
 * <p>Every application instance runs a runtime with the same definitions on the same stores; they
 * share the projections' segments through leases, and the due work (deadlines, dispatches, saga
 * steps) through per-item claims. A background virtual thread looks for due work after every change
 * this runtime commits and at least every {@link Builder#pollInterval}; work due by time (deadlines,
 * backoffs) is found within one poll interval of its due time. Times come from the runtime's
 * {@link Clock}.
 */
public final class SagaRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SagaRuntime.class.getName());
    private static final int PAGE = 200;

    /** Thrown inside a transaction of a halted runtime so that it rolls back, as if the process had died. */
    static final class Halted extends RuntimeException {
        Halted() {
            super("saga runtime halted", null, false, false);
        }
    }

    private enum Lifecycle { NEW, RUNNING, CLOSED }

    private final EventStore events;
    private final ProjectionStore store;
    private final CommandBus bus;
    private final CommandCodec codec;
    private final Clock clock;
    private final String instanceId;
    private final Duration pollInterval;
    private final Duration dispatchClaim;
    private final Semaphore permits;
    private final int concurrency;
    private final int dispatchers;
    private final Map<String, Flow> flows;
    private final Map<String, ProjectionOptions> options;
    private final Consumer<ProjectionEngine.Builder> engineCustomizer;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /**
     * The dispatches under way here, by claim, until their outcomes are recorded: true once the bus
     * accepted the command, false when it failed or was not tried. A command issued behind one of
     * them can be claimed at once and sent when it completes (see {@link Session}).
     */
    private final Map<String, CompletableFuture<Boolean>> dispatches = new ConcurrentHashMap<>();
    private final Set<Thread> tasks = ConcurrentHashMap.newKeySet();
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition woken = wakeLock.newCondition();
    private long signals;
    private volatile boolean ready;
    private volatile boolean stopping;
    private volatile boolean halted;
    private Lifecycle lifecycle = Lifecycle.NEW;
    private volatile boolean running;
    /** Bounds the eager dispatches in flight; a projection batch that would exceed it waits (back pressure). */
    private final Semaphore eagerSlots;
    /** What to do once the engine's current transaction on this thread has committed (see {@link CommitHooks}). */
    private final ThreadLocal<List<Runnable>> afterCommit = new ThreadLocal<>();
    private volatile ProjectionEngine engine;
    private Thread runner;

    private SagaRuntime(Builder b) {
        this.events = b.events;
        this.store = b.store;
        this.bus = b.bus;
        this.codec = b.codec;
        this.clock = b.clock;
        this.instanceId = b.instanceId;
        this.pollInterval = b.pollInterval;
        this.dispatchClaim = b.dispatchClaim;
        this.permits = new Semaphore(b.concurrency);
        this.concurrency = b.concurrency;
        this.dispatchers = b.dispatchers;
        this.eagerSlots = new Semaphore(Math.max(2, b.dispatchers * 2));
        this.flows = Map.copyOf(b.flows);
        this.options = Map.copyOf(b.options);
        this.engineCustomizer = b.engineCustomizer;
    }

    /**
     * Starts building a runtime.
     *
     * @param events the event store process managers and event-started sagas follow
     * @param store  where instances, issued commands and deadlines are kept (the read models'
     *               database, usually the events' database)
     * @param bus    where issued commands and saga steps' commands are dispatched; give it an
     *               {@link dev.facta.command.IdempotencyMiddleware} on a shared store so that
     *               repeated dispatches run once
     */
    public static Builder builder(EventStore events, ProjectionStore store, CommandBus bus) {
        return new Builder(events, store, bus);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Creates the indexes the runtime's collections need, starts the projection engine that feeds the
     * event-driven definitions and the background thread that fires deadlines, dispatches commands and
     * runs saga steps. Returns at once.
     */
    public synchronized SagaRuntime start() {
        if (lifecycle != Lifecycle.NEW) throw new FactaException("saga runtime " + instanceId + " was already started");
        ensureReady();
        List<Flow> driven = flows.values().stream().filter(Flow::eventDriven)
                .sorted(Comparator.comparing(Flow::name)).toList();
        if (!driven.isEmpty()) {
            ProjectionEngine.Builder eb = ProjectionEngine.builder(events, new CommitHooks(store, afterCommit))
                    .instanceId(instanceId).clock(clock);
            if (engineCustomizer != null) engineCustomizer.accept(eb);
            for (Flow f : driven) eb.register(new FlowProjection(this, f), options.get(f.name()));
            engine = eb.build().start();
        }
        running = true;
        runner = Thread.ofVirtual().name("facta-sagas-" + instanceId).start(this::run);
        lifecycle = Lifecycle.RUNNING;
        return this;
    }

    /**
     * Stops: the projection engine finishes its batches and hands its segments over, the background
     * thread stops looking for work, and running dispatches and steps finish and record their
     * outcome. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (lifecycle == Lifecycle.CLOSED) return;
        boolean wasRunning = lifecycle == Lifecycle.RUNNING;
        lifecycle = Lifecycle.CLOSED;
        if (!wasRunning) return;
        if (engine != null) engine.close();
        stopping = true;
        running = false;
        signal();
        try {
            runner.join(Duration.ofSeconds(30));
            for (Thread t : List.copyOf(tasks)) t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops as if the process had died: from now on no transaction of this runtime commits (dispatches
     * and steps in flight run, but their outcome is not recorded) and claims are left to expire. The
     * projection engine, if started, is closed (its own transactions commit with their checkpoint or
     * not at all either way). For crash tests; does not wait for this runtime's threads.
     */
    void halt() {
        halted = true;
        stopping = true;
        running = false;
        signal();
        ProjectionEngine e = engine;
        if (e != null) e.close();
    }

    /** This runtime's identity: its projection engine's instance id and the owner of its claims. */
    public String instanceId() {
        return instanceId;
    }

    /** The projection engine feeding the event-driven definitions, once started; null when there are none. */
    public ProjectionEngine engine() {
        return engine;
    }

    /** The names of the registered process managers and sagas. */
    public Set<String> names() {
        return flows.keySet();
    }

    // ------------------------------------------------------------------ events from elsewhere

    /**
     * Applies one event to a process manager (or event-started saga) in its own transaction, as the
     * projection engine would: for events that arrive by other means than the event log, such as an
     * event-bus bridge or a broker consumer with at-least-once delivery. A repeated event changes
     * nothing, provided each stream's events first arrive in stream order.
     *
     * @return the instance the event went to, or empty when it was not for this definition
     */
    public Optional<String> deliver(String name, RecordedEvent event) {
        Objects.requireNonNull(event, "event");
        Flow flow = flow(name);
        if (!flow.eventDriven()) throw new InvalidInputException("name", name + " is not started by events");
        if (!flow.filter().test(event)) return Optional.empty();
        return Optional.ofNullable(inTransaction(flow, s -> {
            if (running) s.dispatchEagerly();
            return s.handleEvents(List.of(event)).getFirst();
        }));
    }

    // ------------------------------------------------------------------ sagas

    /**
     * Starts a saga instance with its data, to run its first step at once.
     *
     * @return false when an instance with that id exists already (nothing changes)
     */
    public <D> boolean start(Saga<D> saga, String id, D data) {
        return start(saga, id, data, Metadata.empty());
    }

    /** {@link #start(Saga, String, Object)} with the metadata its commands continue (correlation, tenant, trace). */
    public <D> boolean start(Saga<D> saga, String id, D data, Metadata metadata) {
        Objects.requireNonNull(saga, "saga");
        Objects.requireNonNull(data, "data");
        Flow flow = flow(saga.name());
        if (flow.saga() != saga) throw new InvalidInputException("saga", "this runtime has another definition named " + saga.name());
        Session.checkId(id);
        return inTransaction(flow, s -> s.createSaga(id, data, metadata, null));
    }

    /**
     * Operator action: resumes the compensation of a saga that stopped in
     * {@link SagaStatus#COMPENSATION_FAILED}, at the compensation that failed, with fresh attempts.
     *
     * @throws InvalidInputException no such saga instance, or it is not in COMPENSATION_FAILED
     */
    public void retry(String sagaName, String id) {
        Flow flow = flow(sagaName);
        if (!flow.isSaga()) throw new InvalidInputException("name", sagaName + " is a process manager, not a saga");
        Session.checkId(id);
        inTransaction(flow, s -> {
            s.retrySaga(id);
            return null;
        });
    }

    // ------------------------------------------------------------------ views

    /** One instance of a process manager, with its state decoded. */
    public <S> Optional<SagaInstance<S>> instance(ProcessManager<S> pm, String id) {
        return typed(pm.name(), id);
    }

    /** One instance of a saga, with its data decoded. */
    public <D> Optional<SagaInstance<D>> instance(Saga<D> saga, String id) {
        return typed(saga.name(), id);
    }

    @SuppressWarnings("unchecked")
    private <S> Optional<SagaInstance<S>> typed(String name, String id) {
        return instance(name, id).map(i -> (SagaInstance<S>) i);
    }

    /** One instance of a process manager or saga, by name. */
    public Optional<SagaInstance<?>> instance(String name, String id) {
        Flow flow = flow(name);
        Session.checkId(id);
        ensureReady();
        return collection(flow, Names.INSTANCES).get(id).map(d -> view(flow, Instance.of(d)));
    }

    /**
     * Instances of a process manager or saga in a status, by id, at most {@code limit}
     * (1 to {@value Query#MAX_LIMIT}). For operators: {@code instances("checkout",
     * SagaStatus.COMPENSATION_FAILED, 100)} lists the sagas waiting for {@link #retry}.
     */
    public List<SagaInstance<?>> instances(String name, SagaStatus status, int limit) {
        Objects.requireNonNull(status, "status");
        Flow flow = flow(name);
        ensureReady();
        Page<Map<String, Object>> page = collection(flow, Names.INSTANCES)
                .find(Query.where("status", Predicate.eq(status.name())).limit(limit));
        List<SagaInstance<?>> out = new ArrayList<>();
        for (Map<String, Object> d : page.items()) out.add(view(flow, Instance.of(d)));
        return out;
    }

    /** How many instances of a process manager or saga are in a status. */
    public long count(String name, SagaStatus status) {
        Objects.requireNonNull(status, "status");
        Flow flow = flow(name);
        ensureReady();
        return collection(flow, Names.INSTANCES).count(Query.where("status", Predicate.eq(status.name())));
    }

    /** The commands an instance issued that are still in the outbox (pending or failed), in issue order. */
    public List<IssuedCommand> commands(String name, String instanceId) {
        Flow flow = flow(name);
        Session.checkId(instanceId);
        ensureReady();
        return issued(flow, Query.where("instance", Predicate.eq(instanceId)).orderBy("seq").limit(Query.MAX_LIMIT));
    }

    /** Commands of a process manager that failed for good, oldest first, at most {@code limit}. */
    public List<IssuedCommand> failedCommands(String name, int limit) {
        Flow flow = flow(name);
        ensureReady();
        return issued(flow, Query.where("status", Predicate.eq(IssuedCommand.Status.FAILED.name()))
                .orderBy("issuedAt").limit(limit));
    }

    /**
     * Operator action: dispatches a failed command again, with fresh attempts.
     *
     * @throws InvalidInputException there is no failed command with that sequence number
     */
    public void retryCommand(String name, String instanceId, long sequence) {
        Flow flow = flow(name);
        Session.checkId(instanceId);
        boolean ok = inTransaction(flow, s -> s.retryCommand(instanceId, sequence));
        if (!ok) {
            throw new InvalidInputException("sequence", name + " " + instanceId + " has no failed command " + sequence);
        }
    }

    /**
     * The deadlines an instance has scheduled, soonest first, with the time they were scheduled for
     * (a deadline whose handler failed keeps it while it waits for its next attempt, or for good once
     * parked after its last).
     */
    public List<Deadline> deadlines(String name, String instanceId) {
        Flow flow = flow(name);
        Session.checkId(instanceId);
        ensureReady();
        List<Deadline> out = new ArrayList<>();
        for (Map<String, Object> d : collection(flow, Names.DEADLINES)
                .find(Query.where("instance", Predicate.eq(instanceId)).orderBy("at").limit(Query.MAX_LIMIT)).items()) {
            out.add(new Deadline(flow.name(), instanceId, SagaJson.string(d, "name"),
                    Instant.ofEpochMilli(SagaJson.number(d, "at", SagaJson.number(d, "dueAt", 0)))));
        }
        return out;
    }

    private List<IssuedCommand> issued(Flow flow, Query q) {
        List<IssuedCommand> out = new ArrayList<>();
        for (Map<String, Object> d : collection(flow, Names.COMMANDS).find(q).items()) out.add(issued(flow, d));
        return out;
    }

    IssuedCommand issued(Flow flow, Map<String, Object> d) {
        String type = SagaJson.string(d, "type");
        String json = SagaJson.string(d, "payload");
        Object command;
        try {
            command = codec.decode(type, json);
        } catch (RuntimeException e) {
            command = null;
        }
        Long due = SagaJson.numberOrNull(d, "dueAt");
        return new IssuedCommand(flow.name(), SagaJson.string(d, "instance"), SagaJson.number(d, "seq", 0),
                SagaJson.string(d, "key"), type, json, command, Metadata.fromMap(SagaJson.strings(d, "metadata")),
                IssuedCommand.Status.valueOf(SagaJson.string(d, "status")), (int) SagaJson.number(d, "attempts", 0),
                SagaJson.string(d, "lastError"), Instance.instant(SagaJson.numberOrNull(d, "issuedAt")),
                Instance.instant(due));
    }

    private SagaInstance<?> view(Flow flow, Instance i) {
        Object state = flow.codec().decode(SagaJson.write(i.state()));
        int step = flow.isSaga() ? i.step() : -1;
        String stepName = null;
        if (flow.isSaga() && !i.status().isFinal() && step >= 0 && step < flow.saga().steps().size()) {
            stepName = flow.saga().steps().get(step).name();
        }
        return new SagaInstance<>(flow.name(), i.id(), i.status(), i.revision(), state, step, stepName,
                flow.isSaga() ? i.attempts() : 0, i.lastError(), i.createdAt(), i.updatedAt(), i.endedAt(),
                Instance.instant(i.dueAt()));
    }

    // ------------------------------------------------------------------ due work

    /** Fires every deadline due now, on the calling thread; returns how many fired. */
    public int fireDueDeadlines() {
        ensureReady();
        int n = 0;
        for (Flow f : sortedFlows()) if (!f.isSaga()) n += fireDeadlines(f);
        return n;
    }

    /**
     * Dispatches every command due now, on the calling thread, one instance after the other;
     * returns how many were tried (dispatched or failed).
     */
    public int dispatchDueCommands() {
        ensureReady();
        int n = 0;
        for (Flow f : sortedFlows()) {
            if (f.isSaga()) continue;
            String key = f.name() + "\u0000c";
            if (!inFlight.add(key)) continue;
            try {
                for (int k; (k = dispatchBatch(f, false)) > 0; ) n += k;
            } finally {
                inFlight.remove(key);
            }
        }
        return n;
    }

    /** Runs every saga step (or compensation) due now, one attempt each, on the calling thread; returns how many ran. */
    public int runDueSteps() {
        ensureReady();
        int n = 0;
        for (Flow f : sortedFlows()) {
            if (!f.isSaga()) continue;
            for (String id : dueSagas(f)) {
                String key = f.name() + "\u0000s\u0000" + id;
                if (!inFlight.add(key)) continue;
                try {
                    if (runStep(f, id)) n++;
                } finally {
                    inFlight.remove(key);
                }
            }
        }
        return n;
    }

    /** {@link #fireDueDeadlines}, {@link #dispatchDueCommands} and {@link #runDueSteps}; returns the total. */
    public int runDueWork() {
        return fireDueDeadlines() + dispatchDueCommands() + runDueSteps();
    }

    /**
     * Fires the flow's due deadlines, a page per transaction; when a page fails, its deadlines are
     * fired one by one so that the others go through, and each that fails is tried again later.
     */
    private int fireDeadlines(Flow flow) {
        int total = 0;
        while (!stopping || Thread.currentThread() != runner) {
            long now = now().toEpochMilli();
            List<Session.DueDeadline> due = new ArrayList<>();
            for (Map<String, Object> d : collection(flow, Names.DEADLINES).find(Query.where("dueAt", Predicate.lte(now))
                    .orderBy("dueAt").limit(PAGE)).items()) {
                due.add(new Session.DueDeadline(SagaJson.string(d, "instance"), SagaJson.string(d, "name"),
                        SagaJson.string(d, "token")));
            }
            if (due.isEmpty()) return total;
            int fired;
            try {
                fired = inTransaction(flow, s -> s.fireDeadlines(due));
            } catch (Halted h) {
                throw h;
            } catch (RuntimeException batchFailure) {
                fired = 0;
                for (Session.DueDeadline d : due) {
                    try {
                        fired += inTransaction(flow, s -> s.fireDeadlines(List.of(d)));
                    } catch (Halted h) {
                        throw h;
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "deadline " + d.name() + " of " + flow.name() + " "
                                + d.instanceId() + " failed: " + e + "; it is tried again later", e);
                        inTransaction(flow, s -> {
                            s.deadlineFailed(d, e);
                            return null;
                        });
                    }
                }
            }
            total += fired;
            if (due.size() < PAGE || fired == 0) return total;
        }
        return total;
    }

    /**
     * Claims a batch of due commands, dispatches each instance's in issue order (instances side by
     * side when {@code parallel}), stopping an instance at its first failure, and records every
     * outcome in one transaction. Returns how many commands were tried.
     */
    private int dispatchBatch(Flow flow, boolean parallel) {
        List<Session.ClaimedCommand> claimed = inTransaction(flow, s -> s.claimDueCommands(PAGE, dispatchClaim));
        if (claimed.isEmpty()) return 0;
        register(claimed);
        return dispatchAndRecord(flow, claimed, parallel, Map.of());
    }

    /** Marks the commands as being dispatched here; only by a thread that will dispatch them. */
    private void register(List<Session.ClaimedCommand> claimed) {
        for (Session.ClaimedCommand c : claimed) dispatches.put(c.claim(), new CompletableFuture<>());
    }

    /** The dispatch under way here of the command with this claim, or null. */
    CompletableFuture<Boolean> dispatchOf(String claim) {
        return claim == null ? null : dispatches.get(claim);
    }

    /**
     * Dispatches claimed (and {@link #register registered}) commands and records every outcome in one
     * transaction; an instance's commands go out only after the dispatches it waits for were accepted
     * ({@code after}). Returns how many were tried.
     */
    private int dispatchAndRecord(Flow flow, List<Session.ClaimedCommand> claimed, boolean parallel,
                                  Map<String, List<CompletableFuture<Boolean>>> after) {
        try {
            return dispatchAndRecordRegistered(flow, claimed, parallel, after);
        } finally {
            for (Session.ClaimedCommand c : claimed) {
                CompletableFuture<Boolean> f = dispatches.remove(c.claim());
                if (f != null) f.complete(false); // whoever waits for it must not go ahead of it
            }
        }
    }

    private int dispatchAndRecordRegistered(Flow flow, List<Session.ClaimedCommand> claimed, boolean parallel,
                                            Map<String, List<CompletableFuture<Boolean>>> after) {
        Map<String, List<Session.ClaimedCommand>> groups = new LinkedHashMap<>();
        for (Session.ClaimedCommand c : claimed) groups.computeIfAbsent(c.instanceId(), k -> new ArrayList<>()).add(c);
        List<Session.Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        if (parallel && groups.size() > 1) {
            List<Thread> threads = new ArrayList<>();
            Semaphore side = new Semaphore(concurrency);
            for (List<Session.ClaimedCommand> g : groups.values()) {
                threads.add(Thread.ofVirtual().name("facta-saga-dispatch").start(() -> {
                    try {
                        side.acquire();
                    } catch (InterruptedException e) {
                        for (Session.ClaimedCommand c : g) notTried(c, outcomes);
                        return;
                    }
                    try {
                        dispatchGroup(flow, g, outcomes, after.get(g.getFirst().instanceId()));
                    } finally {
                        side.release();
                    }
                }));
            }
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } else {
            for (List<Session.ClaimedCommand> g : groups.values()) dispatchGroup(flow, g, outcomes, after.get(g.getFirst().instanceId()));
        }
        Retry retry = flow.process().commandRetry();
        List<Session.Outcome> all = List.copyOf(outcomes);
        inTransaction(flow, s -> s.recordCommands(all, retry));
        int tried = 0;
        for (Session.Outcome o : all) if (o.attempted()) tried++;
        return tried;
    }

    /**
     * One instance's claimed commands in order, once the earlier dispatches it waits for were accepted;
     * after a failure (or when one of those was not accepted) the rest are left untried.
     */
    private void dispatchGroup(Flow flow, List<Session.ClaimedCommand> group, List<Session.Outcome> outcomes,
                               List<CompletableFuture<Boolean>> after) {
        boolean failed = false;
        if (after != null) {
            for (CompletableFuture<Boolean> f : after) {
                try {
                    if (!f.get()) failed = true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed = true;
                } catch (ExecutionException e) {
                    failed = true;
                }
            }
        }
        for (Session.ClaimedCommand c : group) {
            if (failed || halted) {
                notTried(c, outcomes);
                continue;
            }
            Throwable failure = null;
            try {
                Object command = codec.decode(c.type(), c.payload());
                UUID messageId = UUID.nameUUIDFromBytes(c.key().getBytes(StandardCharsets.UTF_8));
                bus.dispatch(new CommandMessage<>(messageId, command, c.metadata(), c.key()));
                settle(c, true);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                failure = t;
                failed = true;
                settle(c, false);
                LOG.log(System.Logger.Level.INFO, "dispatching command {0} of {1} failed (attempt {2}): {3}",
                        c.key(), flow.name(), c.attempts() + 1, Session.describe(t));
            }
            outcomes.add(new Session.Outcome(c, true, failure));
        }
    }

    private void notTried(Session.ClaimedCommand c, List<Session.Outcome> outcomes) {
        settle(c, false);
        outcomes.add(new Session.Outcome(c, false, null));
    }

    private void settle(Session.ClaimedCommand c, boolean accepted) {
        CompletableFuture<Boolean> f = dispatches.get(c.claim());
        if (f != null) f.complete(accepted);
    }

    private boolean hasDueCommands(Flow flow) {
        // ordered by dueAt so that the dueAt index answers it: in id order the database may walk every command
        return !collection(flow, Names.COMMANDS).find(Query.where("dueAt", Predicate.lte(now().toEpochMilli()))
                .orderBy("dueAt").limit(1)).items().isEmpty();
    }

    private List<String> dueSagas(Flow flow) {
        long now = now().toEpochMilli();
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> d : collection(flow, Names.INSTANCES).find(Query.where("dueAt", Predicate.lte(now))
                .orderBy("dueAt").limit(PAGE)).items()) {
            ids.add(SagaJson.string(d, "id"));
        }
        return ids;
    }

    /** One attempt of the saga's current step or compensation; false when there was nothing to claim. */
    private boolean runStep(Flow flow, String id) {
        Saga<?> saga = flow.saga();
        Session.ClaimedStep claim = inTransaction(flow, s -> s.claimStep(id, saga.stepTimeout()));
        if (claim == null) return false;
        Saga.Step<?> step = saga.steps().get(claim.step());
        boolean compensating = claim.status() == SagaStatus.COMPENSATING;
        @SuppressWarnings("unchecked")
        Saga.StepAction<Object> action = (Saga.StepAction<Object>) (compensating ? step.compensation() : step.action());
        Renewal renewal = new Renewal(flow, claim, saga.stepTimeout());
        Object result = null;
        Throwable failure = null;
        try {
            Object data = flow.codec().decode(SagaJson.write(claim.data()));
            StepRun ctx = new StepRun(flow.name(), id, step.name(), compensating, claim.attempt(), claim.metadata());
            result = action.run(data, ctx);
            if (result == null) {
                throw new InvalidInputException("data", "step " + step.name() + " of saga " + flow.name() + " returned no data (null)");
            }
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            failure = t;
        } finally {
            renewal.stop();
        }
        Object r = result;
        Throwable f = failure;
        if (f != null) {
            LOG.log(System.Logger.Level.INFO, "saga {0} {1}: {2} of step {3} failed (attempt {4}): {5}", flow.name(), id,
                    compensating ? "compensation" : "action", step.name(), claim.attempt(), Session.describe(f));
        }
        boolean recorded = inTransaction(flow, s -> s.recordStep(claim, r, f));
        if (!recorded) {
            LOG.log(System.Logger.Level.WARNING, "saga {0} {1}: step {2} was taken over by another runtime while it ran"
                    + " here (its claim ran out); the outcome here is refused", flow.name(), id, step.name());
        }
        return true;
    }

    /** Renews a step's claim every third of its timeout while the step runs. */
    private final class Renewal {
        private final Thread thread;
        private volatile boolean done;

        Renewal(Flow flow, Session.ClaimedStep claim, Duration timeout) {
            long every = Math.max(10, timeout.toMillis() / 3);
            thread = Thread.ofVirtual().name("facta-saga-renewal").start(() -> {
                while (!done && !halted) {
                    try {
                        Thread.sleep(every);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (done || halted) return;
                    try {
                        if (!inTransaction(flow, s -> s.renewStep(claim.id(), claim.claim(), timeout))) return;
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "renewing the claim of saga " + flow.name() + " " + claim.id()
                                + " failed", e);
                    }
                }
            });
        }

        void stop() {
            done = true;
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The {@link StepContext} of one attempt. */
    private final class StepRun implements StepContext {
        private final String saga;
        private final String id;
        private final String step;
        private final boolean compensating;
        private final int attempt;
        private final Metadata metadata;
        private int dispatched;

        StepRun(String saga, String id, String step, boolean compensating, int attempt, Metadata metadata) {
            this.saga = saga;
            this.id = id;
            this.step = step;
            this.compensating = compensating;
            this.attempt = attempt;
            this.metadata = metadata;
        }

        @Override
        public String sagaName() {
            return saga;
        }

        @Override
        public String sagaId() {
            return id;
        }

        @Override
        public String step() {
            return step;
        }

        @Override
        public boolean compensating() {
            return compensating;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public Instant now() {
            return SagaRuntime.this.now();
        }

        @Override
        public Metadata metadata() {
            return metadata;
        }

        @Override
        public String idempotencyKey() {
            return saga + ":" + id + ":" + step + ":" + (compensating ? "compensation" : "action");
        }

        @Override
        public <R> R dispatch(Object command) {
            return dispatch(command, Map.of());
        }

        @Override
        public <R> R dispatch(Object command, Map<String, String> extra) {
            if (command == null) throw new InvalidInputException("command", "a saga step cannot dispatch a null command");
            String key = idempotencyKey() + ":" + dispatched++;
            String cause = UUID.nameUUIDFromBytes(idempotencyKey().getBytes(StandardCharsets.UTF_8)).toString();
            Metadata m = Transition.commandMetadata(metadata, cause, extra);
            UUID messageId = UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8));
            return bus.dispatch(new CommandMessage<>(messageId, command, m, key));
        }
    }

    // ------------------------------------------------------------------ the background thread

    private void run() {
        long hot = pollInterval.toNanos();
        while (!stopping) {
            long seen = signalCount();
            int n = 0;
            try {
                n = pass();
            } catch (Halted h) {
                break;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "saga runtime " + instanceId + ": looking for due work failed: " + e, e);
            }
            if (stopping) break;
            if (n > 0) {
                hot = Duration.ofMillis(5).toNanos();
                continue;
            }
            try {
                awaitSignal(seen, hot);
            } catch (InterruptedException e) {
                break;
            }
            hot = signalCount() != seen ? Duration.ofMillis(5).toNanos() : Math.min(pollInterval.toNanos(), hot * 2);
        }
    }

    /** One look for due work: deadlines fire here, dispatches and steps start on their own threads. */
    private int pass() {
        int n = 0;
        for (Flow f : sortedFlows()) {
            if (stopping) return n;
            if (f.isSaga()) {
                for (String id : dueSagas(f)) if (submit(f.name() + "\u0000s\u0000" + id, () -> runStep(f, id))) n++;
            } else {
                n += fireDeadlines(f);
                if (!hasDueCommands(f)) continue;
                // several dispatchers overlap their batches (claims keep them apart and each instance in order),
                // so one batch's slowest instance does not hold up the commands of all the others
                for (int d = 0; d < dispatchers; d++) {
                    if (submit(f.name() + "\u0000c" + (d == 0 ? "" : d), () -> {
                        while (!stopping && dispatchBatch(f, true) > 0) {
                            // batch after batch while commands are due
                        }
                    })) n++;
                }
            }
        }
        return n;
    }

    /** Starts a task unless one with the same key is in flight or the runtime is stopping; waits for a permit. */
    private boolean submit(String key, Runnable work) {
        if (stopping || !inFlight.add(key)) return false;
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            inFlight.remove(key);
            Thread.currentThread().interrupt();
            return false;
        }
        Thread t = Thread.ofVirtual().name("facta-saga-task").unstarted(() -> {
            try {
                work.run();
            } catch (Halted h) {
                // the process "died": nothing was recorded
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "saga runtime " + instanceId + ": " + e, e);
            } finally {
                inFlight.remove(key);
                permits.release();
                tasks.remove(Thread.currentThread());
                signal();
            }
        });
        tasks.add(t);
        t.start();
        return true;
    }

    void signal() {
        wakeLock.lock();
        try {
            signals++;
            woken.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    private long signalCount() {
        wakeLock.lock();
        try {
            return signals;
        } finally {
            wakeLock.unlock();
        }
    }

    private void awaitSignal(long seen, long nanos) throws InterruptedException {
        wakeLock.lock();
        try {
            long remaining = nanos;
            while (signals == seen && remaining > 0 && !stopping) remaining = woken.awaitNanos(remaining);
        } finally {
            wakeLock.unlock();
        }
    }

    // ------------------------------------------------------------------ shared

    Instant now() {
        return clock.instant();
    }

    CommandCodec commandCodec() {
        return codec;
    }

    /** Runs work in one store transaction on a flow's collections; its lock documents go before the commit. */
    <T> T inTransaction(Flow flow, SessionWork<T> work) {
        ensureReady();
        if (halted) throw new Halted();
        Session[] session = new Session[1];
        T result;
        for (int attempt = 1; ; attempt++) {
            try {
                result = store.inTransaction(tx -> {
                    Session s = new Session(this, flow, kind -> tx.collection(flow.names().stored(kind), SagaJson.CODEC));
                    session[0] = s;
                    T r = work.run(s);
                    s.finish();
                    if (halted) throw new Halted();
                    return r;
                });
                break;
            } catch (UniqueViolationException e) {
                // Two transactions (two processes) took a new instance's lock at the same moment: the database
                // let the first one in and refused the other instead of making it wait. The first has
                // committed by then, so the work runs again and now waits behind its lock as usual.
                if (attempt >= 3 || !flow.names().stored(Names.LOCKS).equals(e.collection())) throw e;
            }
        }
        if (session[0].due()) signal();
        if (!session[0].eager().isEmpty()) dispatchEagerly(flow, session[0].eager(), session[0].waits());
        return result;
    }

    boolean stopping() {
        return stopping;
    }


    Duration dispatchClaim() {
        return dispatchClaim;
    }

    /**
     * True when a transition committed by the current projection transaction can be dispatched
     * right after the commit: the runtime runs and the transaction is one of its engine's.
     */
    boolean canDispatchEagerly() {
        return running && afterCommit.get() != null;
    }

    /** Dispatches commands a projection transaction claimed, once (and only if) that transaction commits. */
    void afterCommit(Flow flow, List<Session.ClaimedCommand> claimed, Map<String, List<CompletableFuture<Boolean>>> after) {
        List<Runnable> hooks = afterCommit.get();
        if (hooks == null) throw new IllegalStateException("no projection transaction of this runtime on this thread");
        List<Session.ClaimedCommand> copy = List.copyOf(claimed);
        Map<String, List<CompletableFuture<Boolean>>> waits = Map.copyOf(after);
        hooks.add(() -> dispatchEagerly(flow, copy, waits));
    }

    /**
     * Eager dispatch: commands a committed transition wrote already claimed by this runtime go out at
     * once on their own thread (each instance's in issue order, instances side by side) and their
     * outcomes are recorded in one transaction, with neither a claiming transaction nor a wait for the
     * background thread. If this process dies first, the claims run out and the commands are
     * dispatched again like any others.
     */
    private void dispatchEagerly(Flow flow, List<Session.ClaimedCommand> claimed,
                                 Map<String, List<CompletableFuture<Boolean>>> after) {
        if (halted) return;
        try {
            eagerSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // the claims run out and the background thread dispatches them
        }
        // registered only now that a thread will dispatch them: a batch waiting for them cannot wait in vain
        register(claimed);
        Thread t = Thread.ofVirtual().name("facta-saga-eager").unstarted(() -> {
            try {
                dispatchAndRecord(flow, claimed, true, after);
            } catch (Halted h) {
                // the process "died": nothing was recorded
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "saga runtime " + instanceId + ": recording dispatched commands of "
                        + flow.name() + " failed (they are dispatched again when their claim runs out): " + e, e);
            } finally {
                eagerSlots.release();
                tasks.remove(Thread.currentThread());
            }
        });
        tasks.add(t);
        t.start();
    }

    @FunctionalInterface
    interface SessionWork<T> {
        T run(Session session) throws Exception;
    }

    private DocumentCollection<Map<String, Object>> collection(Flow flow, String kind) {
        return store.readModels().collection(flow.names().stored(kind), SagaJson.CODEC);
    }

    /** Declares the indexes of every flow's collections (once per runtime; declaring again is harmless). */
    private void ensureReady() {
        if (ready) return;
        synchronized (this) {
            if (ready) return;
            ReadModelStore models = store.readModels();
            for (Flow f : flows.values()) {
                Names n = f.names();
                models.createIndex(n.stored(Names.LOCKS), Index.text("k").asUnique());
                models.createIndex(n.stored(Names.INSTANCES), Index.text("status"));
                models.createIndex(n.stored(Names.INSTANCES), Index.number("dueAt"));
                models.createIndex(n.stored(Names.COMMANDS), Index.number("dueAt"));
                models.createIndex(n.stored(Names.COMMANDS), Index.text("instance"));
                models.createIndex(n.stored(Names.COMMANDS), Index.text("status"));
                models.createIndex(n.stored(Names.DEADLINES), Index.number("dueAt"));
                models.createIndex(n.stored(Names.DEADLINES), Index.text("instance"));
            }
            ready = true;
        }
    }

    private Flow flow(String name) {
        Flow f = name == null ? null : flows.get(name);
        if (f == null) {
            throw new InvalidInputException("name", "no process manager or saga named " + name + " is registered; known: "
                    + flows.keySet().stream().sorted().toList());
        }
        return f;
    }

    private List<Flow> sortedFlows() {
        return flows.values().stream().sorted(Comparator.comparing(Flow::name)).toList();
    }

    static String checkDeadlineName(String name) {
        if (name == null || !name.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
            throw new InvalidInputException("deadline",
                    "a deadline name is 1-64 letters, digits, '_', '.' and '-', starting with a letter: " + name);
        }
        return name;
    }

    // ------------------------------------------------------------------ builder

    /** Configures a {@link SagaRuntime}. */
    public static final class Builder {
        private final EventStore events;
        private final ProjectionStore store;
        private final CommandBus bus;
        private final Map<String, Flow> flows = new LinkedHashMap<>();
        private final Map<String, ProjectionOptions> options = new LinkedHashMap<>();
        private final Map<String, String> prefixes = new LinkedHashMap<>();
        private CommandCodec codec;
        private Clock clock = Clock.systemUTC();
        private String instanceId = "sagas-" + UUID.randomUUID();
        private Duration pollInterval = Duration.ofMillis(500);
        private Duration dispatchClaim = Duration.ofSeconds(30);
        private int concurrency = 64;
        private int dispatchers = 1;
        private Consumer<ProjectionEngine.Builder> engineCustomizer;

        private Builder(EventStore events, ProjectionStore store, CommandBus bus) {
            this.events = Objects.requireNonNull(events, "events");
            this.store = Objects.requireNonNull(store, "store");
            this.bus = Objects.requireNonNull(bus, "bus");
        }

        /**
         * The projection options a process manager's projection runs with when none are given: one
         * segment (events in global log order), batches of 100, and a failing transition retried 10
         * times from 100 ms to 10 s apart before it is parked and the process manager stops
         * ({@link OnFailure#STOP}), because skipping an event would leave its instance in a state it
         * should never have.
         */
        public static ProjectionOptions defaultOptions() {
            return ProjectionOptions.builder().segments(1).batchSize(100).maxAttempts(10)
                    .backoff(Duration.ofMillis(100), Duration.ofSeconds(10)).onFailure(OnFailure.STOP).build();
        }

        public Builder register(ProcessManager<?> pm) {
            return register(pm, defaultOptions());
        }

        /** Registers a process manager whose projection runs with these options (segments, batch size, retries). */
        public Builder register(ProcessManager<?> pm, ProjectionOptions options) {
            return add(Objects.requireNonNull(pm, "pm").flow(), options);
        }

        public Builder register(Saga<?> saga) {
            return register(saga, defaultOptions());
        }

        /** Registers a saga; the options apply to the projection of its start events, if it has any. */
        public Builder register(Saga<?> saga, ProjectionOptions options) {
            return add(Objects.requireNonNull(saga, "saga").flow(), options);
        }

        private Builder add(Flow flow, ProjectionOptions options) {
            Objects.requireNonNull(options, "options");
            if (flows.containsKey(flow.name())) {
                throw new InvalidInputException("name", "a process manager or saga named " + flow.name() + " is registered twice");
            }
            String other = prefixes.putIfAbsent(flow.names().prefix(), flow.name());
            if (other != null) {
                throw new InvalidInputException("name", flow.name() + " and " + other + " would share the collections "
                        + flow.names().prefix() + "_*; rename one of them");
            }
            flows.put(flow.name(), flow);
            this.options.put(flow.name(), options);
            return this;
        }

        /** How issued commands are stored until dispatch (required when a process manager is registered). */
        public Builder commandCodec(CommandCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** The clock of deadlines, backoffs and claims (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** This runtime's identity in leases and claims (default: random); unique among live runtimes. */
        public Builder instanceId(String instanceId) {
            if (instanceId == null || !instanceId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
                throw new InvalidInputException("instanceId",
                        "instanceId is 1-100 characters of letters, digits, '.', '_' and '-': " + instanceId);
            }
            this.instanceId = instanceId;
            return this;
        }

        /** The longest the background thread waits before looking for due work again (default 500 ms). */
        public Builder pollInterval(Duration pollInterval) {
            if (pollInterval == null || pollInterval.compareTo(Duration.ofMillis(1)) < 0) {
                throw new InvalidInputException("pollInterval", "pollInterval must be at least 1 ms");
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * How long a dispatch may take before another runtime may dispatch the same command again,
         * presuming this one dead (default 30 s; the idempotency key keeps that harmless).
         */
        public Builder dispatchClaim(Duration claim) {
            if (claim == null || claim.compareTo(Duration.ofMillis(100)) < 0) {
                throw new InvalidInputException("dispatchClaim", "dispatchClaim must be at least 100 ms");
            }
            this.dispatchClaim = claim;
            return this;
        }

        /**
         * How many saga steps run at once at most, and how many instances' commands a dispatch batch
         * sends side by side (default 64).
         */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) throw new InvalidInputException("concurrency", "concurrency must be at least 1");
            this.concurrency = concurrency;
            return this;
        }

        /**
         * How many dispatch batches of one process manager run side by side in this runtime (default 1).
         * Each claims its own commands, so an instance's commands still go out one after the other in
         * issue order; more dispatchers keep commands flowing while a batch waits for its slowest instance.
         */
        public Builder dispatchers(int dispatchers) {
            if (dispatchers < 1 || dispatchers > 64) throw new InvalidInputException("dispatchers", "dispatchers must be 1-64");
            this.dispatchers = dispatchers;
            return this;
        }

        /** Adjusts the projection engine the runtime builds (lease TTL, poll interval, group). */
        public Builder engine(Consumer<ProjectionEngine.Builder> customizer) {
            this.engineCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        public SagaRuntime build() {
            if (flows.isEmpty()) throw new InvalidInputException("register", "register at least one process manager or saga");
            if (codec == null) {
                boolean needed = flows.values().stream().anyMatch(f -> !f.isSaga());
                if (needed) throw new InvalidInputException("commandCodec", "process managers need a command codec (commandCodec(...))");
                codec = new CommandCodec() {
                    @Override
                    public Encoded encode(Object command) {
                        throw new InvalidInputException("commandCodec", "no command codec is configured");
                    }

                    @Override
                    public Object decode(String type, String json) {
                        throw new InvalidInputException("commandCodec", "no command codec is configured");
                    }
                };
            }
            return new SagaRuntime(this);
        }
    }
}
