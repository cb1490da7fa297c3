package dev.facta.projection;

import dev.facta.store.AllSlice;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Processes one segment of one projection version while its engine holds the segment's lease, on
 * its own virtual thread. Every batch is one store transaction that is fenced with the lease, checks
 * that the segment's checkpoint is where this worker left it (a rebuild or an operator may have moved
 * it), applies the events and saves the new checkpoint.
 */
final class SegmentWorker {
    private static final System.Logger LOG = System.getLogger(ProjectionEngine.class.getName());

    private final ProjectionEngine engine;
    private final ProjectionEngine.Registration reg;
    private final ProjectionKey key;
    private final int segment;
    private final Thread thread;
    private volatile Lease lease;
    private volatile boolean stopRequested;
    private volatile boolean releaseOnExit;
    private volatile boolean lost;

    /** The segment's checkpoint as this worker last read or wrote it; -1 when it must be read again. */
    private long saved = -1;
    private long savedAtNanos;
    /** When this worker stopped the projection (STOP policy); it idles until a newer record says otherwise. */
    private long stoppedAtNanos;
    /** Positions of dead letters in front of the checkpoint (parked under STOP, or from before a rebuild). */
    private final TreeSet<Long> lettersAhead = new TreeSet<>();
    private Throwable lastFailure;

    SegmentWorker(ProjectionEngine engine, ProjectionEngine.Registration reg, int segment, Lease lease) {
        this.engine = engine;
        this.reg = reg;
        this.key = reg.key();
        this.segment = segment;
        this.lease = lease;
        this.thread = Thread.ofVirtual().name("facta-projection-" + key.name() + "-v" + key.version() + "-" + segment)
                .unstarted(this::run);
    }

    ProjectionKey key() {
        return key;
    }

    int segment() {
        return segment;
    }

    Lease lease() {
        return lease;
    }

    void renewed(Lease renewed) {
        this.lease = renewed;
    }

    void start() {
        thread.start();
    }

    /** Asks the worker to end after the batch in flight; with {@code release} it then gives up its lease. */
    void stop(boolean release) {
        releaseOnExit = release;
        stopRequested = true;
        engine.wakeup().signal();
    }

    /** The lease was lost: end at once, without touching the lease. */
    void drop() {
        lost = true;
        stopRequested = true;
        engine.wakeup().signal();
    }

    boolean stopping() {
        return stopRequested || engine.halted();
    }

    void join(Duration timeout) throws InterruptedException {
        thread.join(timeout);
    }

    boolean alive() {
        return thread.isAlive();
    }

    /** How soon a worker that just applied events reads again when no signal comes first. */
    static final long HOT_WAIT_MILLIS = 5;
    private long waitNanos;
    private boolean applied;

    private void run() {
        try {
            while (!stopping()) {
                try {
                    step();
                } catch (FencedOutException e) {
                    lost = true;
                    LOG.log(System.Logger.Level.DEBUG, "{0} segment {1}: lease taken over", key, segment);
                    break;
                } catch (ProjectionEngine.Halted e) {
                    break;
                } catch (InterruptedException e) {
                    break;
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    if (stopping()) break;
                    LOG.log(System.Logger.Level.WARNING, "projection " + key + " segment " + segment
                            + ": " + e + "; retrying in " + engine.pollInterval().toMillis() + " ms", e);
                    saved = -1;
                    try {
                        engine.wakeup().sleep(engine.pollInterval(), this::stopping);
                    } catch (InterruptedException ie) {
                        break;
                    }
                }
            }
        } finally {
            if (releaseOnExit && !lost && !engine.halted()) {
                try {
                    engine.store().release(lease);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "could not release the lease of " + key + " segment " + segment, e);
                }
            }
            engine.workerEnded(this);
        }
    }

    private void step() throws InterruptedException {
        long seen = engine.wakeup().current();
        ProjectionEngine.Cached cached = engine.cached(key);
        if (cached == null || !engine.eligible(cached.record())) {
            idle(seen);
            return;
        }
        ProjectionRecord record = cached.record();
        if (stoppedAtNanos != 0) {
            if (cached.readAtNanos() - stoppedAtNanos < 0 || record.stopped()) {
                saved = -1; // a resume, retry or discard may move the checkpoint and dead letters
                idle(seen);
                return;
            }
            stoppedAtNanos = 0;
        }
        if (record.paused() || record.stopped()) {
            if (record.stopped()) saved = -1; // a resume, retry or discard may move the checkpoint and dead letters
            idle(seen);
            return;
        }
        if (saved < 0) {
            reload();
        } else if (cached.readAtNanos() - savedAtNanos > 0 && checkpointOf(record) != saved) {
            reload(); // a rebuild reset it, or an operator moved it past a dead letter
        }
        Batch batch = read(record.segments());
        ProjectionEngine.Cached now = engine.cached(key);
        if (now != null && (now.record().paused() || now.record().stopped())) {
            // paused or stopped while reading: pause() refreshes the records before it returns, so no event
            // appended after it returned is applied here; the next step idles
            return;
        }
        if (batch.events().isEmpty()) {
            if (batch.last() > saved && !commitOrReload(batch.events(), batch.last())) return;
            if (batch.endOfLog()) awaitEvents(seen);
            return;
        }
        try {
            commitOrReload(batch.events(), batch.last());
            applied = true;
        } catch (ProjectionFailure failure) {
            lastFailure = failure.getCause();
            handleFailure(batch);
        }
    }

    private long checkpointOf(ProjectionRecord record) {
        return segment < record.checkpoints().size() ? record.checkpoints().get(segment) : 0;
    }

    private void idle(long seen) throws InterruptedException {
        engine.wakeup().await(seen, engine.pollInterval(), this::stopping);
    }

    /**
     * Caught up: waits for a signal, but after applying events looks again within
     * {@value #HOT_WAIT_MILLIS} ms and doubles the wait on every empty read, up to the poll
     * interval, so that a busy log is followed closely even when the store's signals lag behind
     * its commits (LISTEN/NOTIFY under heavy write load), while an idle one costs one read per
     * poll interval.
     */
    private void awaitEvents(long seen) throws InterruptedException {
        long max = engine.pollInterval().toNanos();
        waitNanos = applied || waitNanos == 0 ? Math.min(max, HOT_WAIT_MILLIS * 1_000_000) : Math.min(max, waitNanos * 2);
        applied = false;
        engine.wakeup().await(seen, Duration.ofNanos(waitNanos), this::stopping);
    }

    private record Batch(List<RecordedEvent> events, long last, boolean endOfLog) {
    }

    /** This segment's next events after {@code saved}, and the position the checkpoint may move to. */
    private Batch read(int segments) {
        int want = reg.options().batchSize();
        List<RecordedEvent> mine = new ArrayList<>();
        long last = saved;
        boolean end = false;
        for (int slices = 0; slices <= segments && !end && mine.size() < want; slices++) {
            AllSlice slice = engine.events().readAll(last + 1, want, reg.projection().filter());
            boolean full = false;
            for (RecordedEvent e : slice.events()) {
                if (Segments.of(e.stream(), segments) != segment) continue;
                mine.add(e);
                if (mine.size() == want) {
                    last = e.position();
                    full = true;
                    break;
                }
            }
            if (!full) {
                last = Math.max(last, slice.next() - 1);
                end = slice.endOfLog();
            }
        }
        return new Batch(mine, last, end);
    }

    /** Reads the checkpoint (fenced) and the dead letters in front of it. */
    private void reload() {
        Lease l = lease;
        long cp = engine.store().inTransaction(tx -> {
            tx.fence(l);
            return tx.checkpoint(key, segment);
        });
        lettersAhead.clear();
        for (DeadLetter d : engine.allDeadLetters(key)) {
            if (d.segment() == segment && d.position() > cp) lettersAhead.add(d.position());
        }
        saved = cp;
        savedAtNanos = System.nanoTime();
    }

    private boolean commitOrReload(List<RecordedEvent> events, long to) {
        if (commit(events, to)) return true;
        reload();
        return false;
    }

    /**
     * Applies events and moves the checkpoint to {@code to} in one fenced transaction. False when the
     * checkpoint was not where this worker left it (nothing was applied).
     *
     * @throws ProjectionFailure the projection threw (the transaction was rolled back)
     */
    private boolean commit(List<RecordedEvent> events, long to) {
        long from = saved;
        Lease l = lease;
        Long ahead = lettersAhead.ceiling(from + 1);
        List<DeadLetter> covered = ahead != null && ahead <= to ? engine.deadLettersBetween(key, segment, from, to) : List.of();
        boolean ok = engine.store().inTransaction(tx -> {
            tx.fence(l);
            if (tx.checkpoint(key, segment) != from) return false;
            if (!events.isEmpty()) {
                TransactionContext context = new TransactionContext(key, segment, reg.projection().collections(), tx);
                try {
                    reg.projection().applyBatch(events, context);
                } catch (Throwable t) {
                    if (t instanceof VirtualMachineError vme) throw vme;
                    throw new ProjectionFailure(t);
                }
            }
            for (DeadLetter d : covered) tx.deleteDeadLetter(d.id()); // the events were applied after all
            tx.saveCheckpoint(key, segment, to);
            engine.checkHalted();
            return true;
        });
        if (ok) {
            saved = to;
            savedAtNanos = System.nanoTime();
            lettersAhead.headSet(to, true).clear();
        }
        return ok;
    }

    /**
     * The batch failed: commits the events before the failing one, retries that one alone with
     * backoff, and parks it when it still fails.
     */
    private void handleFailure(Batch batch) throws InterruptedException {
        List<RecordedEvent> events = batch.events();
        int from = 0;
        int to = events.size();
        // [from, to) is known to fail as a whole and everything before from is committed
        while (to - from > 1) {
            if (stopping()) return;
            int mid = (from + to) >>> 1;
            try {
                if (!commitOrReload(events.subList(from, mid), events.get(mid - 1).position())) return;
                from = mid;
            } catch (ProjectionFailure f) {
                lastFailure = f.getCause();
                to = mid;
                continue;
            }
            try {
                long end = to == events.size() ? batch.last() : events.get(to - 1).position();
                commitOrReload(events.subList(from, to), end);
                return; // the rest went through this time
            } catch (ProjectionFailure f) {
                lastFailure = f.getCause();
            }
        }
        RecordedEvent failing = events.get(from);
        recordError(failing, lastFailure);
        int attempts = 1;
        while (attempts < reg.options().maxAttempts()) {
            engine.wakeup().sleep(backoff(attempts), this::stopping);
            if (stopping()) return; // the next owner tries again
            attempts++;
            failing = reread(failing);
            try {
                commitOrReload(List.of(failing), failing.position());
                return;
            } catch (ProjectionFailure f) {
                lastFailure = f.getCause();
                recordError(failing, lastFailure);
            }
        }
        park(failing, attempts, lastFailure);
    }

    /**
     * The event as the store returns it now, so a retry that waited sees what changed meanwhile (the
     * data of a subject forgotten in between reads masked); the event as read before when that fails.
     */
    private RecordedEvent reread(RecordedEvent e) {
        try {
            List<RecordedEvent> again = engine.events().readAll(e.position(), 1, EventFilter.all()).events();
            return !again.isEmpty() && again.getFirst().id().equals(e.id()) ? again.getFirst() : e;
        } catch (RuntimeException unreadable) {
            return e;
        }
    }

    private Duration backoff(int attempt) {
        long initial = reg.options().initialBackoff().toNanos();
        long max = reg.options().maxBackoff().toNanos();
        long d = initial;
        for (int i = 1; i < attempt && d < max; i++) d = d > max / 2 ? max : d * 2;
        d = Math.min(d, max);
        long jittered = d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
        return Duration.ofNanos(jittered);
    }

    private void recordError(RecordedEvent event, Throwable error) {
        String text = ProjectionEngine.describe(event, error);
        LOG.log(System.Logger.Level.INFO, "projection " + key + " segment " + segment + " failed on " + text);
        try {
            engine.store().inTransaction(tx -> {
                tx.recordError(key, text);
                return null;
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not record the error of " + key, e);
        }
    }

    /** Parks the event: SKIP moves the checkpoint past it, STOP stops the projection in front of it. */
    private void park(RecordedEvent failing, int attempts, Throwable error) {
        boolean stop = reg.options().onFailure() == OnFailure.STOP;
        String text = ProjectionEngine.describe(failing, error);
        long from = saved;
        Lease l = lease;
        List<DeadLetter> earlier = lettersAhead.contains(failing.position())
                ? engine.deadLettersBetween(key, segment, failing.position() - 1, failing.position()) : List.of();
        boolean ok = engine.store().inTransaction(tx -> {
            tx.fence(l);
            if (tx.checkpoint(key, segment) != from) return false;
            int total = attempts;
            for (DeadLetter d : earlier) {
                if (tx.deleteDeadLetter(d.id())) total += d.attempts(); // parked before: one letter, all attempts
            }
            tx.park(new DeadLetter(0, key, segment, failing.position(), failing.id(), failing.stream().value(),
                    failing.type(), total, text, engine.now()));
            tx.recordError(key, text);
            if (stop) {
                tx.setStopped(key, true);
            } else {
                tx.saveCheckpoint(key, segment, failing.position());
            }
            engine.checkHalted();
            return true;
        });
        if (!ok) {
            reload();
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "projection " + key + " parked " + text + " after " + attempts
                + " attempts" + (stop ? "; the projection is stopped until resumed" : ""));
        if (stop) {
            lettersAhead.add(failing.position());
            stoppedAtNanos = System.nanoTime();
            engine.recordsChanged();
        } else {
            saved = failing.position();
            savedAtNanos = System.nanoTime();
        }
    }

    /** A projection's own failure, carried out of the store transaction so it rolls back. */
    static final class ProjectionFailure extends RuntimeException {
        ProjectionFailure(Throwable cause) {
            super(cause.toString(), cause, false, false);
        }
    }
}
