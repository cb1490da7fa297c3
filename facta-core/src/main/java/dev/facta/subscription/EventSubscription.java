package dev.facta.subscription;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendNotifier;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Follows the global log from a position: first the events already stored (catch-up), then new
 * ones as they are committed (live), delivered to one handler in position order on the
 * subscription's own virtual thread. Catch-up and live are one loop reading
 * {@code position >= next}, so there is no hand-over where an event could be skipped or seen
 * twice; the stores' dense, commit-ordered positions make that read complete.
 *
 * <p>Three kinds: the whole log ({@link #toAll}), one category of streams over the filtered log
 * ({@link #toCategory}), and one stream by its versions ({@link #toStream}); a stream subscription
 * waits for a stream that does not exist yet, and ends with
 * {@link dev.facta.store.StreamDeletedException} when the stream is deleted.
 *
 * <p>Wake-ups come from the store's {@link AppendNotifier} when it has one (an in-process signal,
 * or LISTEN/NOTIFY on PostgreSQL); otherwise, and as a safety net against a missed or late signal,
 * the loop polls. The poll adapts: right after a read that delivered events it looks again within
 * {@value #HOT_WAIT_MILLIS} ms, and every read that finds nothing doubles the wait, up to
 * {@code pollInterval}. So a busy log is followed closely even when signals lag behind commits (a
 * database under heavy write load delivers notifications late), and an idle one costs one read per
 * {@code pollInterval}. A handler that throws stops the subscription; its
 * {@link #done()} future then fails with the error, and {@link #position()} says where it stopped.
 */
public final class EventSubscription implements AutoCloseable {

    private final EventStore store;
    /** The stream followed by version, or null when following the global log by position. */
    private final StreamId stream;
    private final EventFilter filter;
    private final Consumer<RecordedEvent> handler;
    private final Duration pollInterval;
    /** How soon a subscription that just delivered events looks again when no signal comes first. */
    static final long HOT_WAIT_MILLIS = 5;
    private long waitNanos;
    private boolean delivered;
    private final int batchSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AutoCloseable listener;
    private final Thread thread;
    /** Set by a signal, cleared by the loop before it reads; volatile so that busy writers skip the lock. */
    private volatile boolean signalled;
    private volatile boolean closed;
    private volatile long next;
    private volatile boolean live;

    private EventSubscription(EventStore store, StreamId stream, long from, EventFilter filter,
                              Consumer<RecordedEvent> handler, Duration pollInterval, int batchSize, String name) {
        this.store = Objects.requireNonNull(store);
        this.stream = stream;
        this.filter = filter == null ? EventFilter.all() : filter;
        this.handler = Objects.requireNonNull(handler);
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new InvalidInputException("pollInterval", "pollInterval must be positive");
        }
        this.pollInterval = pollInterval;
        this.batchSize = batchSize;
        this.next = stream == null ? Math.max(1, from) : from;
        this.listener = store instanceof AppendNotifier n ? n.onAppend(this::signal) : null;
        this.thread = Thread.ofVirtual().name("facta-subscription-" + name).unstarted(this::run);
    }

    /**
     * Subscribes to the global log from {@code fromPosition} (inclusive; 1 is the beginning),
     * optionally filtered, polling at most every {@code pollInterval} when the store gives no signal.
     */
    public static EventSubscription toAll(EventStore store, long fromPosition, EventFilter filter,
                                          Consumer<RecordedEvent> handler, Duration pollInterval) {
        EventSubscription s = new EventSubscription(store, null, fromPosition, filter, handler, pollInterval, 500, "all");
        s.thread.start();
        return s;
    }

    public static EventSubscription toAll(EventStore store, long fromPosition, Consumer<RecordedEvent> handler) {
        return toAll(store, fromPosition, EventFilter.all(), handler, Duration.ofMillis(500));
    }

    /**
     * Subscribes to the events of one category of streams ({@code order} for {@code order-1},
     * {@code order-2}, ...) in global-log order, from {@code fromPosition} (inclusive; 1 is the
     * beginning): a subscription to the log filtered by category, with the same guarantees.
     *
     * @throws InvalidInputException the category is empty
     */
    public static EventSubscription toCategory(EventStore store, String category, long fromPosition,
                                               Consumer<RecordedEvent> handler, Duration pollInterval) {
        if (category == null || category.isEmpty()) {
            throw new InvalidInputException("category", "a category must not be empty");
        }
        EventSubscription s = new EventSubscription(store, null, fromPosition, EventFilter.categories(category), handler,
                pollInterval, 500, "category-" + category);
        s.thread.start();
        return s;
    }

    public static EventSubscription toCategory(EventStore store, String category, long fromPosition,
                                               Consumer<RecordedEvent> handler) {
        return toCategory(store, category, fromPosition, handler, Duration.ofMillis(500));
    }

    /**
     * Subscribes to one stream from {@code fromVersion} (inclusive; 0 is its first event): its events
     * already stored, then new ones, in version order, each exactly once. A stream without events is
     * waited for. When the stream is deleted the subscription ends and {@link #done()} fails with
     * {@link dev.facta.store.StreamDeletedException}. Events hidden by the stream's metadata
     * (truncation, maximum count or age) are not delivered.
     *
     * @throws InvalidInputException {@code fromVersion} is negative
     */
    public static EventSubscription toStream(EventStore store, StreamId stream, long fromVersion,
                                             Consumer<RecordedEvent> handler, Duration pollInterval) {
        Objects.requireNonNull(stream, "stream");
        if (fromVersion < 0) {
            throw new InvalidInputException("fromVersion", "a stream version is >= 0: " + fromVersion);
        }
        EventSubscription s = new EventSubscription(store, stream, fromVersion, EventFilter.all(), handler,
                pollInterval, 500, "stream-" + stream);
        s.thread.start();
        return s;
    }

    public static EventSubscription toStream(EventStore store, StreamId stream, long fromVersion,
                                             Consumer<RecordedEvent> handler) {
        return toStream(store, stream, fromVersion, handler, Duration.ofMillis(500));
    }

    /**
     * Where the subscription reads from next: every event below it was handled (or filtered out). A
     * global-log or category subscription counts in positions, a stream subscription in versions of
     * its stream.
     */
    public long position() {
        return next;
    }

    /** Whether it has caught up with the log at least once. */
    public boolean isLive() {
        return live;
    }

    /** Completes when the subscription is closed, or fails with the handler's error. */
    public CompletableFuture<Void> done() {
        return done;
    }

    private void signal() {
        // Already pending: the loop has not cleared it yet, so its next read comes after this commit.
        if (signalled && !closed) return;
        lock.lock();
        try {
            signalled = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            while (!closed) {
                boolean caughtUp = stream == null ? readLog() : readStream();
                if (caughtUp) {
                    live = true;
                    awaitNews(delivered);
                    delivered = false;
                }
            }
            done.complete(null);
        } catch (Throwable t) {
            done.completeExceptionally(closed ? new FactaException("subscription closed", t) : t);
        } finally {
            closeListener();
        }
    }

    /** Delivers the next page of the global log; true when it reached the head. */
    private boolean readLog() {
        AllSlice slice = store.readAll(next, batchSize, filter);
        for (RecordedEvent e : slice.events()) {
            if (closed) break;
            handler.accept(e);
            next = e.position() + 1;
            delivered = true;
        }
        if (!closed) next = Math.max(next, slice.next());
        return slice.endOfLog();
    }

    /** Delivers the next page of the stream; true when it reached its end (or it has no events yet). */
    private boolean readStream() {
        List<RecordedEvent> page;
        try {
            page = store.readStream(stream, next, batchSize, ReadDirection.FORWARD);
        } catch (StreamNotFoundException notYet) {
            return true;
        }
        for (RecordedEvent e : page) {
            if (closed) break;
            handler.accept(e);
            next = e.version() + 1;
            delivered = true;
        }
        return page.size() < batchSize;
    }

    private void awaitNews(boolean justDelivered) throws InterruptedException {
        long max = pollInterval.toNanos();
        waitNanos = justDelivered || waitNanos == 0 ? Math.min(max, TimeUnit.MILLISECONDS.toNanos(HOT_WAIT_MILLIS))
                : Math.min(max, waitNanos * 2);
        lock.lock();
        try {
            if (!signalled && !closed) wake.await(waitNanos, TimeUnit.NANOSECONDS);
            signalled = false;
        } finally {
            lock.unlock();
        }
    }

    private void closeListener() {
        if (listener == null) return;
        try {
            listener.close();
        } catch (Exception ignored) {
            // removing a listener cannot fail in a way the caller could act on
        }
    }

    /** Stops after the event being handled, if any; waits up to 5 seconds for the thread to end. */
    @Override
    public void close() {
        closed = true;
        signal();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!done.isDone()) done.complete(null);
    }
}
