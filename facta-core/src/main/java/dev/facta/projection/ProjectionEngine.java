package dev.facta.projection;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendNotifier;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs projections: reads the global log, hands each projection the events that pass its filter and
 * saves its checkpoint in the same {@link ProjectionStore} transaction as the read model it builds, so
 * after a crash nothing is applied twice and nothing is lost.
 *
 * <p><b>Scale-out.</b> A projection's events are split by stream into {@link ProjectionOptions#segments}
 * ({@link Segments#of}); one engine at a time processes a segment, under a lease. Engines of the same
 * {@code group} on the same store share the segments of a projection version fairly: every {@code ttl/3}
 * each one announces itself ({@link ProjectionStore#heartbeat}, per projection version, so engines that
 * run different projections do not count for each other), takes free or expired segments up to
 * {@code ceil(segments / engines)}, gives up extra segments one at a time when more engines are alive,
 * and renews its leases. A worker whose lease was taken over stops at once, and its work is fenced: a
 * transaction under a lost lease cannot commit. When an engine dies, its leases expire and the others
 * take its segments within about {@code ttl + ttl/3}.
 *
 * <p><b>Failures.</b> When a batch throws, it is rolled back, the events before the failing one are
 * committed (found by splitting the batch in halves), and the failing event is retried alone with
 * exponential backoff and jitter up to {@link ProjectionOptions#maxAttempts}; then it is parked as a
 * {@link DeadLetter} and the projection either skips it or stops in front of it
 * ({@link OnFailure}). Every failure is recorded as the projection's last error, which stays visible
 * with its time ({@link ProjectionRecord#lastErrorAt}) until a later failure replaces it or a rebuild
 * clears it.
 *
 * <p><b>Operators.</b> Pause, resume, rebuild and stop flags live in the store, so the CLI can set them
 * while applications run: paused or stopped projections idle (keeping their leases), and a requested
 * rebuild is carried out by the engine holding segment 0, in one transaction that resets every
 * checkpoint and then clears the projection's read model; every segment then starts again from the
 * beginning of the log.
 *
 * <p><b>Blue-green.</b> Registering a new {@link Projection#version()} of a projection builds it beside
 * the active one; once every segment of the new version has caught up with the head of the log, the
 * engine holding its segment 0 {@linkplain ProjectionStore#activate activates} it, the old version is
 * retired and no longer processed, and {@link #readModel} follows the new version.
 *
 * <p>The engine is safe for use by many threads. Segment workers and the coordinator run on virtual
 * threads; new events wake workers at once when the event store is an {@link AppendNotifier}, and
 * otherwise after at most {@code pollInterval}.
 */
public final class ProjectionEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProjectionEngine.class.getName());
    private static final int MAX_ERROR_TEXT = 2000;

    /** A projection version this engine runs, with its options. */
    record Registration(Projection projection, ProjectionOptions options, ProjectionKey key) {
    }

    /** A record as last read from the store, with when the read started. */
    record Cached(ProjectionRecord record, long readAtNanos) {
    }

    private record SegmentRef(ProjectionKey key, int segment) {
    }

    /** Thrown inside a transaction of a halted engine so that it rolls back, as if the process had died. */
    static final class Halted extends RuntimeException {
        Halted() {
            super("projection engine halted", null, false, false);
        }
    }

    private enum Lifecycle { NEW, RUNNING, CLOSED }

    private final EventStore events;
    private final ProjectionStore store;
    private final String instanceId;
    private final String group;
    private final Duration pollInterval;
    private final Duration leaseTtl;
    private final Clock clock;
    private final Map<ProjectionKey, Registration> registrations;
    private final ConcurrentHashMap<SegmentRef, SegmentWorker> workers = new ConcurrentHashMap<>();
    private final Set<ProjectionKey> joined = ConcurrentHashMap.newKeySet();
    private final Set<ProjectionKey> rebuilding = ConcurrentHashMap.newKeySet();
    private final Set<Thread> rebuilds = ConcurrentHashMap.newKeySet();
    private final Wakeup wakeup = new Wakeup();
    private final Wakeup coordinatorWakeup = new Wakeup();
    private final AtomicLong activations = new AtomicLong();
    /** The active version of each projection name as last looked up, shared by every read-model handle. */
    private final Map<String, ActiveLookup> activeLookups = new java.util.concurrent.ConcurrentHashMap<>();

    /** An active-version lookup: the record, when it was read and under which activation generation. */
    private record ActiveLookup(ProjectionRecord record, long at, long generation) {
    }
    private final Object recordsLock = new Object();
    private volatile Map<ProjectionKey, Cached> records = Map.of();
    private volatile boolean closing;
    private volatile boolean halted;
    private Lifecycle lifecycle = Lifecycle.NEW;
    private Thread coordinator;
    private AutoCloseable listener;

    private ProjectionEngine(Builder b) {
        this.events = b.events;
        this.store = b.store;
        this.instanceId = b.instanceId;
        this.group = b.group;
        this.pollInterval = b.pollInterval;
        this.leaseTtl = b.leaseTtl;
        this.clock = b.clock;
        this.registrations = Map.copyOf(b.registrations);
    }

    /** Starts building an engine over an event store and the projection store its read models live in. */
    public static Builder builder(EventStore events, ProjectionStore store) {
        return new Builder(events, store);
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Registers every projection version in the store and starts processing. Returns at once; segments
     * are taken up by a coordinator thread.
     *
     * @throws InvalidInputException a version is already known with another number of segments
     */
    public synchronized ProjectionEngine start() {
        if (lifecycle != Lifecycle.NEW) throw new FactaException("projection engine " + instanceId + " was already started");
        for (Registration r : sortedRegistrations()) store.register(r.key(), r.options().segments());
        refreshRecords();
        listener = events instanceof AppendNotifier n ? n.onAppend(wakeup::signal) : null;
        coordinator = Thread.ofVirtual().name("facta-projections-" + instanceId).start(this::coordinate);
        lifecycle = Lifecycle.RUNNING;
        return this;
    }

    /**
     * Stops gracefully: every worker finishes the batch in flight, leases are released so other
     * engines take the segments at once, and the engine leaves its groups. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (lifecycle == Lifecycle.CLOSED) return;
        boolean wasRunning = lifecycle == Lifecycle.RUNNING;
        lifecycle = Lifecycle.CLOSED;
        if (!wasRunning) return;
        closing = true;
        coordinatorWakeup.signal();
        try {
            coordinator.join(Duration.ofSeconds(30)); // no worker starts after this
            for (SegmentWorker w : workers.values()) w.stop(true);
            for (SegmentWorker w : List.copyOf(workers.values())) w.join(Duration.ofSeconds(30));
            for (Thread t : List.copyOf(rebuilds)) t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ProjectionKey key : joined) {
            try {
                store.leave(memberGroup(key), instanceId);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not leave the group of " + key, e);
            }
        }
        joined.clear();
        closeListener();
    }

    /**
     * Stops at once as if the process had died: transactions in flight roll back, leases are neither
     * released nor renewed and the engine does not leave its groups, so others take over only when
     * its leases expire. For tests of crash safety.
     */
    synchronized void halt() {
        if (lifecycle != Lifecycle.RUNNING) {
            lifecycle = Lifecycle.CLOSED;
            return;
        }
        lifecycle = Lifecycle.CLOSED;
        halted = true;
        closing = true;
        wakeup.signal();
        coordinatorWakeup.signal();
        try {
            coordinator.join(Duration.ofSeconds(30));
            for (SegmentWorker w : List.copyOf(workers.values())) w.join(Duration.ofSeconds(30));
            for (Thread t : List.copyOf(rebuilds)) t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeListener();
    }

    private void closeListener() {
        if (listener == null) return;
        try {
            listener.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the append listener failed", e);
        }
        listener = null;
    }

    /** This engine's identity in leases and groups. */
    public String instanceId() {
        return instanceId;
    }

    /** The group whose engines share segments. */
    public String group() {
        return group;
    }

    /** The projection versions this engine runs, by name then version. */
    public List<ProjectionKey> projections() {
        return sortedRegistrations().stream().map(Registration::key).toList();
    }

    // ------------------------------------------------------------------ operations

    /** The status of every stored version of the projections this engine runs, by name then version. */
    public List<ProjectionStatus> status() {
        Set<String> names = names();
        List<ProjectionStatus> out = new ArrayList<>();
        for (ProjectionRecord r : store.list()) {
            if (names.contains(r.key().name())) out.add(ProjectionStatus.of(r, events, store.leases(r.key()), clock));
        }
        return out;
    }

    /** The status of the active version of a projection, if it has one. */
    public Optional<ProjectionStatus> status(String name) {
        return store.active(ProjectionKey.checkName(name)).map(r -> ProjectionStatus.of(r, events, store.leases(r.key()), clock));
    }

    /**
     * Waits until every segment of the projection's active version has handled the log up to its head
     * as it is now. False when that did not happen within {@code timeout} (or the thread was interrupted).
     */
    public boolean awaitCaughtUp(String name, Duration timeout) {
        ProjectionKey.checkName(name);
        long head = events.headPosition();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<ProjectionRecord> active = store.active(name);
            if (active.isPresent() && active.get().position() >= head) return true;
            if (System.nanoTime() - deadline >= 0) return false;
            try {
                Thread.sleep(Math.min(25, Math.max(1, pollInterval.toMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Pauses every version of a projection in every process using the store; leases are kept.
     *
     * @throws InvalidInputException the store does not know the projection
     */
    public void pause(String name) {
        if (!store.setPaused(ProjectionKey.checkName(name), true)) throw unknown(name);
        recordsChanged();
    }

    /**
     * Lets a paused or stopped projection go on; a stopped one first tries again the event it stopped at.
     *
     * @throws InvalidInputException the store does not know the projection
     */
    public void resume(String name) {
        if (!store.resume(ProjectionKey.checkName(name))) throw unknown(name);
        recordsChanged();
    }

    /**
     * Rebuilds the active version of a projection now, from this process: in one transaction its
     * checkpoints are reset and its read model cleared ({@link Projection#reset}); its dead letters are
     * dropped and its error and stop cleared. Every segment, in every engine, then starts again from
     * the beginning of the log.
     *
     * @throws InvalidInputException the projection has no active version this engine runs
     */
    public void rebuild(String name) {
        ProjectionRecord active = store.active(ProjectionKey.checkName(name)).orElseThrow(() -> unknown(name));
        Registration reg = registrations.get(active.key());
        if (reg == null) throw notRunHere(active.key());
        rebuild(reg, null);
    }

    /** The dead letters of every version of a projection, by id (oldest first). */
    public List<DeadLetter> deadLetters(String name) {
        ProjectionKey.checkName(name);
        List<DeadLetter> out = new ArrayList<>();
        for (ProjectionRecord r : store.list()) {
            if (r.key().name().equals(name)) out.addAll(allDeadLetters(r.key()));
        }
        out.sort(Comparator.comparingLong(DeadLetter::id));
        return out;
    }

    /**
     * Applies a parked event again with the projection version it was parked from, and deletes the
     * dead letter in the same transaction. An event parked under {@link OnFailure#STOP} (its segment
     * waits in front of it) also moves the segment's checkpoint past it, and the projection resumes when
     * no other segment waits on a dead letter.
     *
     * @return empty when the event was applied; otherwise the dead letter as parked again (a new id,
     *         one more attempt, the new error)
     * @throws InvalidInputException there is no such dead letter, this engine does not run its
     *                               projection version, or its segment has not reached it yet
     */
    public Optional<DeadLetter> retryDeadLetter(long id) {
        DeadLetter letter = store.deadLetter(id).orElseThrow(
                () -> new InvalidInputException("deadLetter", "there is no dead letter " + id));
        Registration reg = registrations.get(letter.key());
        if (reg == null) throw notRunHere(letter.key());
        RecordedEvent event = eventAt(letter);
        ProjectionKey key = letter.key();
        long checkpoint = checkpoint(key, letter.segment());
        boolean blocking = letter.position() > checkpoint;
        if (blocking) checkNothingBefore(reg, letter, checkpoint);
        List<DeadLetter> others = blocking ? otherLetters(letter) : List.of();
        try {
            store.inTransaction(tx -> {
                if (blocking && tx.checkpoint(key, letter.segment()) != checkpoint) throw moved(letter);
                TransactionContext context = new TransactionContext(key, letter.segment(), reg.projection().collections(), tx);
                try {
                    reg.projection().applyBatch(List.of(event), context);
                } catch (Throwable t) {
                    if (t instanceof VirtualMachineError vme) throw vme;
                    throw new SegmentWorker.ProjectionFailure(t);
                }
                if (!tx.deleteDeadLetter(id)) throw gone(id);
                if (blocking) {
                    tx.saveCheckpoint(key, letter.segment(), letter.position());
                    if (noneBlocking(tx, others)) tx.setStopped(key, false);
                }
                return null;
            });
        } catch (SegmentWorker.ProjectionFailure failure) {
            String text = describe(event, failure.getCause());
            DeadLetter again = new DeadLetter(0, key, letter.segment(), letter.position(), letter.eventId(),
                    letter.stream(), letter.eventType(), letter.attempts() + 1, text, now());
            long newId = store.inTransaction(tx -> {
                if (!tx.deleteDeadLetter(id)) throw gone(id);
                tx.recordError(key, text);
                return tx.park(again);
            });
            return Optional.of(new DeadLetter(newId, again.key(), again.segment(), again.position(), again.eventId(),
                    again.stream(), again.eventType(), again.attempts(), again.error(), again.parkedAt()));
        }
        recordsChanged();
        return Optional.empty();
    }

    /**
     * Deletes a dead letter without applying its event. For an event parked under
     * {@link OnFailure#STOP} this skips it: the segment's checkpoint moves past it in the same
     * transaction, and the projection resumes when no other segment waits on a dead letter.
     *
     * @return false when there was no such dead letter
     * @throws InvalidInputException its segment has not reached it yet
     */
    public boolean discardDeadLetter(long id) {
        Optional<DeadLetter> found = store.deadLetter(id);
        if (found.isEmpty()) return false;
        DeadLetter letter = found.get();
        ProjectionKey key = letter.key();
        long checkpoint = checkpoint(key, letter.segment());
        boolean blocking = letter.position() > checkpoint;
        Registration reg = registrations.get(key);
        if (blocking && reg != null) checkNothingBefore(reg, letter, checkpoint);
        List<DeadLetter> others = blocking ? otherLetters(letter) : List.of();
        try {
            store.inTransaction(tx -> {
                if (blocking && tx.checkpoint(key, letter.segment()) != checkpoint) throw moved(letter);
                if (!tx.deleteDeadLetter(id)) throw gone(id);
                if (blocking) {
                    tx.saveCheckpoint(key, letter.segment(), letter.position());
                    if (noneBlocking(tx, others)) tx.setStopped(key, false);
                }
                return null;
            });
        } catch (Gone g) {
            return false;
        }
        recordsChanged();
        return true;
    }

    /**
     * A collection of the projection's active version, for queries: reads go to the stored collection
     * of whichever version is active, re-resolved at least every {@code pollInterval} and at once after
     * this engine activates a new version. Writes throw {@link UnsupportedOperationException}.
     *
     * @param collection a collection name as the projection declares it (without the version)
     * @throws InvalidInputException an illegal name, or a collection the projection (when this engine
     *                               runs it) does not declare
     */
    public <T> DocumentCollection<T> readModel(String projectionName, String collection, DocumentCodec<T> codec) {
        ProjectionKey.checkName(projectionName);
        ReadModelStore.checkName(collection);
        Objects.requireNonNull(codec, "codec");
        boolean runHere = false;
        boolean declared = false;
        for (Registration r : registrations.values()) {
            if (!r.key().name().equals(projectionName)) continue;
            runHere = true;
            declared |= r.projection().collections().contains(collection);
        }
        if (runHere && !declared) {
            throw new InvalidInputException("collection", "projection " + projectionName + " declares no collection '" + collection + "'");
        }
        return new ReadOnlyCollection<>(new ActiveResolver<>(projectionName, collection, codec));
    }

    /** Resolves the active version's collection, caching it for a poll interval or until an activation. */
    private final class ActiveResolver<T> implements java.util.function.Supplier<DocumentCollection<T>> {
        private final String name;
        private final String collection;
        private final DocumentCodec<T> codec;
        private DocumentCollection<T> resolved;
        private long resolvedAt;
        private long generation = -1;

        ActiveResolver(String name, String collection, DocumentCodec<T> codec) {
            this.name = name;
            this.collection = collection;
            this.codec = codec;
        }

        @Override
        public synchronized DocumentCollection<T> get() {
            long now = System.nanoTime();
            long gen = activations.get();
            if (resolved == null || gen != generation || now - resolvedAt >= pollInterval.toNanos()) {
                ProjectionRecord active = activeVersion(name, now, gen);
                resolved = store.readModels().collection(active.key().collection(collection), codec);
                resolvedAt = now;
                generation = gen;
            }
            return resolved;
        }
    }

    /**
     * The active version of a projection, looked up in the store at most once per poll interval
     * (and again after every activation) however many read-model handles ask: applications often
     * take a new handle for every query, and each lookup is a round trip to the store.
     */
    private ProjectionRecord activeVersion(String name, long now, long generation) {
        ActiveLookup known = activeLookups.get(name);
        if (known != null && known.generation() == generation && now - known.at() < pollInterval.toNanos()) {
            return known.record();
        }
        ProjectionRecord active = store.active(name).orElseThrow(
                () -> new InvalidInputException("projection", "projection " + name + " has no active version"));
        activeLookups.put(name, new ActiveLookup(active, now, generation));
        return active;
    }

    // ------------------------------------------------------------------ coordinator

    private void coordinate() {
        long nextLeaseRound = System.nanoTime();
        Duration third = leaseTtl.dividedBy(3);
        Duration tick = pollInterval.compareTo(third) < 0 ? pollInterval : third;
        while (!closing) {
            long seen = coordinatorWakeup.current();
            try {
                refreshRecords();
                retireIneligible();
                if (System.nanoTime() - nextLeaseRound >= 0) {
                    nextLeaseRound = System.nanoTime() + third.toNanos();
                    leaseRound();
                }
                maintenance();
            } catch (Halted h) {
                break;
            } catch (RuntimeException e) {
                if (closing) break;
                LOG.log(System.Logger.Level.WARNING, "projection engine " + instanceId + ": " + e, e);
            }
            try {
                coordinatorWakeup.await(seen, tick, () -> closing);
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    private void leaseRound() {
        for (Registration reg : sortedRegistrations()) {
            if (closing) return;
            Cached c = records.get(reg.key());
            if (c == null || !eligible(c.record())) continue;
            List<String> owners = null;
            try {
                owners = store.heartbeat(memberGroup(reg.key()), instanceId, leaseTtl);
                joined.add(reg.key());
            } catch (RuntimeException e) {
                if (closing) return;
                LOG.log(System.Logger.Level.WARNING, "projection " + reg.key() + ": heartbeat failed: " + e, e);
            }
            renew(reg.key());
            if (owners == null || closing) continue;
            try {
                balance(reg, c.record(), owners);
            } catch (RuntimeException e) {
                if (closing) return;
                LOG.log(System.Logger.Level.WARNING, "projection " + reg.key() + ": taking segments failed: " + e, e);
            }
        }
    }

    private void renew(ProjectionKey key) {
        for (SegmentWorker w : workers.values()) {
            if (!w.key().equals(key) || halted) continue;
            try {
                Optional<Lease> renewed = store.renew(w.lease(), leaseTtl);
                if (renewed.isPresent()) {
                    w.renewed(renewed.get());
                } else {
                    LOG.log(System.Logger.Level.INFO, "projection {0} segment {1}: lease lost", key, w.segment());
                    w.drop();
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "projection " + key + " segment " + w.segment()
                        + ": renewing the lease failed: " + e, e);
            }
        }
    }

    private void balance(Registration reg, ProjectionRecord record, List<String> owners) {
        ProjectionKey key = reg.key();
        int segments = record.segments();
        int share = Math.ceilDiv(segments, Math.max(1, owners.size()));
        List<SegmentWorker> held = new ArrayList<>();
        int releasing = 0;
        for (SegmentWorker w : workers.values()) {
            if (!w.key().equals(key)) continue;
            held.add(w);
            if (w.stopping()) releasing++;
        }
        if (held.size() - releasing > share) {
            if (releasing == 0) {
                SegmentWorker extra = held.stream().max(Comparator.comparingInt(SegmentWorker::segment)).orElseThrow();
                LOG.log(System.Logger.Level.DEBUG, "projection {0}: giving segment {1} up to another engine", key, extra.segment());
                extra.stop(true);
            }
            return;
        }
        if (held.size() >= share || closing) return;
        Set<Integer> taken = new HashSet<>();
        for (Lease l : store.leases(key)) {
            if (!l.owner().equals(instanceId)) taken.add(l.segment());
        }
        int me = owners.indexOf(instanceId);
        int first = me < 0 ? 0 : (int) ((long) me * share % segments);
        int count = held.size();
        for (int i = 0; i < segments && count < share && !closing; i++) {
            int s = (first + i) % segments;
            if (taken.contains(s) || workers.containsKey(new SegmentRef(key, s))) continue;
            Optional<Lease> lease = store.acquire(key, s, instanceId, leaseTtl);
            if (lease.isEmpty()) continue;
            SegmentWorker w = new SegmentWorker(this, reg, s, lease.get());
            workers.put(new SegmentRef(key, s), w);
            w.start();
            count++;
        }
    }

    /** Stops the workers of versions that are retired or superseded, and leaves their groups. */
    private void retireIneligible() {
        for (Registration reg : sortedRegistrations()) {
            Cached c = records.get(reg.key());
            if (c == null || eligible(c.record())) continue;
            boolean any = false;
            for (SegmentWorker w : workers.values()) {
                if (w.key().equals(reg.key())) {
                    any = true;
                    if (!w.stopping()) w.stop(true);
                }
            }
            if (!any && joined.remove(reg.key())) store.leave(memberGroup(reg.key()), instanceId);
        }
    }

    /** Rebuild requests and blue-green activation, carried out by the owner of segment 0. */
    private void maintenance() {
        for (Registration reg : sortedRegistrations()) {
            if (closing) return;
            Cached c = records.get(reg.key());
            if (c == null || !eligible(c.record())) continue;
            SegmentWorker first = workers.get(new SegmentRef(reg.key(), 0));
            if (first == null || first.stopping()) continue;
            ProjectionRecord r = c.record();
            if (r.rebuildRequested() && rebuilding.add(reg.key())) {
                Lease lease = first.lease();
                Thread t = Thread.ofVirtual().name("facta-rebuild-" + reg.key().name()).unstarted(() -> {
                    try {
                        // the request may have been carried out since the record was read
                        if (store.find(reg.key()).map(ProjectionRecord::rebuildRequested).orElse(false)) rebuild(reg, lease);
                    } catch (Halted h) {
                        // the process "died" during the rebuild: nothing was committed
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "rebuild of " + reg.key() + " failed: " + e, e);
                    } finally {
                        rebuilding.remove(reg.key());
                        rebuilds.remove(Thread.currentThread());
                    }
                });
                rebuilds.add(t);
                t.start();
            } else if (r.state() == ProjectionState.BUILDING && !r.rebuildRequested()) {
                maybeActivate(reg.key());
            }
        }
    }

    private void maybeActivate(ProjectionKey key) {
        long head = events.headPosition();
        Optional<ProjectionRecord> fresh = store.find(key);
        if (fresh.isEmpty()) return;
        ProjectionRecord r = fresh.get();
        if (r.state() != ProjectionState.BUILDING || r.paused() || r.stopped() || r.rebuildRequested()) return;
        if (r.position() < head) return;
        Optional<ProjectionRecord> active = store.active(key.name());
        if (active.isPresent() && active.get().key().version() > key.version()) return;
        store.activate(key);
        activations.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "projection {0} caught up at position {1} and is now active", key, head);
        recordsChanged();
    }

    private void rebuild(Registration reg, Lease fence) {
        ProjectionKey key = reg.key();
        List<DeadLetter> letters = allDeadLetters(key);
        store.inTransaction(tx -> {
            if (fence != null) tx.fence(fence);
            tx.resetCheckpoints(key);
            for (DeadLetter d : letters) tx.deleteDeadLetter(d.id());
            tx.recordError(key, null);
            tx.setStopped(key, false);
            reg.projection().reset(new TransactionContext(key, 0, reg.projection().collections(), tx));
            checkHalted();
            return null;
        });
        LOG.log(System.Logger.Level.INFO, "projection {0} reset for a rebuild", key);
        recordsChanged();
    }

    // ------------------------------------------------------------------ shared with the workers

    EventStore events() {
        return events;
    }

    ProjectionStore store() {
        return store;
    }

    Wakeup wakeup() {
        return wakeup;
    }

    Duration pollInterval() {
        return pollInterval;
    }

    boolean halted() {
        return halted;
    }

    void checkHalted() {
        if (halted) throw new Halted();
    }

    Instant now() {
        return clock.instant();
    }

    Cached cached(ProjectionKey key) {
        return records.get(key);
    }

    void workerEnded(SegmentWorker w) {
        workers.remove(new SegmentRef(w.key(), w.segment()), w);
        coordinatorWakeup.signal();
    }

    /** Re-reads the records now and wakes the workers (after a change made by this process). */
    void recordsChanged() {
        try {
            refreshRecords();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "refreshing projection records failed", e);
        }
        wakeup.signal();
    }

    private void refreshRecords() {
        long at = System.nanoTime();
        Map<ProjectionKey, Cached> fresh = new HashMap<>();
        for (ProjectionRecord r : store.list()) fresh.put(r.key(), new Cached(r, at));
        Map<ProjectionKey, Cached> before = records;
        synchronized (recordsLock) {
            if (at - newestRead(before) < 0) return; // a newer read got there first
            records = Map.copyOf(fresh);
        }
        if (changed(before, fresh)) wakeup.signal();
    }

    private static long newestRead(Map<ProjectionKey, Cached> map) {
        long newest = Long.MIN_VALUE;
        boolean any = false;
        for (Cached c : map.values()) {
            if (!any || c.readAtNanos() - newest > 0) newest = c.readAtNanos();
            any = true;
        }
        return any ? newest : System.nanoTime() - Long.MAX_VALUE / 2;
    }

    private static boolean changed(Map<ProjectionKey, Cached> before, Map<ProjectionKey, Cached> after) {
        if (!before.keySet().equals(after.keySet())) return true;
        for (var e : after.entrySet()) {
            ProjectionRecord a = e.getValue().record();
            ProjectionRecord b = before.get(e.getKey()).record();
            if (a.state() != b.state() || a.paused() != b.paused() || a.stopped() != b.stopped()
                    || a.rebuildRequested() != b.rebuildRequested()) return true;
        }
        return false;
    }

    /**
     * Whether a version is to be processed: not retired, and not an older version building beside a
     * newer active one.
     */
    boolean eligible(ProjectionRecord r) {
        if (r.state() == ProjectionState.RETIRED) return false;
        if (r.state() == ProjectionState.ACTIVE) return true;
        for (Cached c : records.values()) {
            ProjectionRecord o = c.record();
            if (o.state() == ProjectionState.ACTIVE && o.key().name().equals(r.key().name())
                    && o.key().version() > r.key().version()) return false;
        }
        return true;
    }

    /** Every dead letter of a version, oldest first. */
    List<DeadLetter> allDeadLetters(ProjectionKey key) {
        List<DeadLetter> out = new ArrayList<>();
        long after = 0;
        while (true) {
            List<DeadLetter> page = store.deadLetters(key, after, 500);
            out.addAll(page);
            if (page.size() < 500) return out;
            after = page.getLast().id();
        }
    }

    /** The dead letters of a segment with a position in {@code (after, upTo]}. */
    List<DeadLetter> deadLettersBetween(ProjectionKey key, int segment, long after, long upTo) {
        List<DeadLetter> out = new ArrayList<>();
        for (DeadLetter d : allDeadLetters(key)) {
            if (d.segment() == segment && d.position() > after && d.position() <= upTo) out.add(d);
        }
        return out;
    }

    /** One line about a failure: which event, and the error. */
    static String describe(RecordedEvent e, Throwable error) {
        String text = "event #" + e.position() + " (" + e.stream() + "@" + e.version() + ", " + e.type() + "): "
                + (error == null ? "unknown error" : error.getClass().getName()
                + (error.getMessage() == null ? "" : ": " + error.getMessage()));
        return text.length() > MAX_ERROR_TEXT ? text.substring(0, MAX_ERROR_TEXT - 1) + "…" : text;
    }

    // ------------------------------------------------------------------ helpers

    private List<Registration> sortedRegistrations() {
        return registrations.values().stream()
                .sorted(Comparator.comparing((Registration r) -> r.key().name()).thenComparingInt(r -> r.key().version()))
                .toList();
    }

    private Set<String> names() {
        Set<String> names = new HashSet<>();
        for (ProjectionKey k : registrations.keySet()) names.add(k.name());
        return names;
    }

    private String memberGroup(ProjectionKey key) {
        return group + ":" + key.name() + ":v" + key.version();
    }

    private long checkpoint(ProjectionKey key, int segment) {
        ProjectionRecord r = store.find(key).orElseThrow(() -> unknown(key.name()));
        return segment < r.checkpoints().size() ? r.checkpoints().get(segment) : 0;
    }

    private RecordedEvent eventAt(DeadLetter letter) {
        AllSlice slice = events.readAll(letter.position(), 1, EventFilter.all());
        if (slice.events().isEmpty() || slice.events().getFirst().position() != letter.position()
                || !slice.events().getFirst().id().equals(letter.eventId())) {
            throw new FactaException("the event of dead letter " + letter.id() + " (position " + letter.position()
                    + ", id " + letter.eventId() + ") is no longer in the log");
        }
        return slice.events().getFirst();
    }

    /** Refuses to handle a letter its segment has not reached: an earlier event of the segment is unhandled. */
    private void checkNothingBefore(Registration reg, DeadLetter letter, long checkpoint) {
        int segments = reg.options().segments();
        long p = checkpoint + 1;
        while (p < letter.position()) {
            AllSlice slice = events.readAll(p, 500, reg.projection().filter());
            for (RecordedEvent e : slice.events()) {
                if (e.position() >= letter.position()) return;
                if (Segments.of(e.stream(), segments) == letter.segment()) {
                    throw new InvalidInputException("deadLetter", "segment " + letter.segment() + " of " + letter.key()
                            + " has not reached dead letter " + letter.id() + " yet (it is at position " + checkpoint
                            + "); resume the projection instead");
                }
            }
            if (slice.endOfLog()) return;
            p = slice.next();
        }
    }

    private List<DeadLetter> otherLetters(DeadLetter letter) {
        List<DeadLetter> out = new ArrayList<>(allDeadLetters(letter.key()));
        out.removeIf(d -> d.id() == letter.id());
        return out;
    }

    private static boolean noneBlocking(ProjectionTransaction tx, List<DeadLetter> others) {
        for (DeadLetter d : others) {
            if (d.position() > tx.checkpoint(d.key(), d.segment())) return false;
        }
        return true;
    }

    /** The dead letter was deleted by someone else meanwhile. */
    private static final class Gone extends FactaException {
        Gone(long id) {
            super("dead letter " + id + " was handled by someone else meanwhile");
        }
    }

    private static Gone gone(long id) {
        return new Gone(id);
    }

    private static FactaException moved(DeadLetter letter) {
        return new FactaException("the checkpoint of " + letter.key() + " segment " + letter.segment()
                + " moved while handling dead letter " + letter.id() + "; try again");
    }

    private static InvalidInputException unknown(String name) {
        return new InvalidInputException("projection", "unknown projection: " + name);
    }

    private static InvalidInputException notRunHere(ProjectionKey key) {
        return new InvalidInputException("projection", "projection " + key + " is not registered in this engine");
    }

    // ------------------------------------------------------------------ builder

    /** Configures a {@link ProjectionEngine}. */
    public static final class Builder {
        private final EventStore events;
        private final ProjectionStore store;
        private final Map<ProjectionKey, Registration> registrations = new LinkedHashMap<>();
        private String instanceId = "engine-" + UUID.randomUUID();
        private String group = "default";
        private Duration pollInterval = Duration.ofMillis(500);
        private Duration leaseTtl = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();

        private Builder(EventStore events, ProjectionStore store) {
            this.events = Objects.requireNonNull(events, "events");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** This engine's identity in leases and groups (default: random). Must be unique among live engines. */
        public Builder instanceId(String instanceId) {
            this.instanceId = checkId("instanceId", instanceId);
            return this;
        }

        /** Engines of the same group on the same store share the segments of their projections (default {@code default}). */
        public Builder group(String group) {
            this.group = checkId("group", group);
            return this;
        }

        /**
         * Adds a projection version to run.
         *
         * @throws InvalidInputException an illegal name or collection name, or the version is already registered
         */
        public Builder register(Projection projection, ProjectionOptions options) {
            Objects.requireNonNull(projection, "projection");
            Objects.requireNonNull(options, "options");
            ProjectionKey key = new ProjectionKey(projection.name(), projection.version());
            TransactionContext.checkCollections(projection);
            Objects.requireNonNull(projection.filter(), "filter");
            if (registrations.containsKey(key)) {
                throw new InvalidInputException("projection", "projection " + key + " is registered twice");
            }
            registrations.put(key, new Registration(projection, options, key));
            return this;
        }

        /** Adds a projection version with {@link ProjectionOptions#defaults()}. */
        public Builder register(Projection projection) {
            return register(projection, ProjectionOptions.defaults());
        }

        /** The longest a worker waits before looking for new events without a wake-up signal (default 500 ms). */
        public Builder pollInterval(Duration pollInterval) {
            if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
                throw new InvalidInputException("pollInterval", "pollInterval must be positive");
            }
            this.pollInterval = pollInterval;
            return this;
        }

        /** How long a segment lease lasts unless renewed (default 10 s); leases are renewed every third of it. */
        public Builder leaseTtl(Duration leaseTtl) {
            if (leaseTtl == null || leaseTtl.compareTo(Duration.ofMillis(30)) < 0) {
                throw new InvalidInputException("leaseTtl", "leaseTtl must be at least 30 ms");
            }
            this.leaseTtl = leaseTtl;
            return this;
        }

        /** The clock for dead-letter and status times (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The engine, not yet started. */
        public ProjectionEngine build() {
            if (registrations.isEmpty()) throw new InvalidInputException("projections", "register at least one projection");
            return new ProjectionEngine(this);
        }

        private static String checkId(String field, String value) {
            if (value == null || !value.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
                throw new InvalidInputException(field, field + " is 1-100 characters of letters, digits, '.', '_' and '-': " + value);
            }
            return value;
        }
    }
}
