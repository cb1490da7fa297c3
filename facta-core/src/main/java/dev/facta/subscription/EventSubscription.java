package dev.facta.subscription;

import dev.facta.FactaException;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendNotifier;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;

import java.time.Duration;
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
 * <p>Wake-ups come from the store's {@link AppendNotifier} when it has one (in-process signal);
 * otherwise, and as a safety net against a missed signal or another process's appends, the loop
 * polls every {@code pollInterval}. A handler that throws stops the subscription; its
 * {@link #done()} future then fails with the error, and {@link #position()} says where it stopped.
 */
public final class EventSubscription implements AutoCloseable {

    private final EventStore store;
    private final EventFilter filter;
    private final Consumer<RecordedEvent> handler;
    private final Duration pollInterval;
    private final int batchSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AutoCloseable listener;
    private final Thread thread;
    private boolean signalled;
    private volatile boolean closed;
    private volatile long next;
    private volatile boolean live;

    private EventSubscription(EventStore store, long from, EventFilter filter, Consumer<RecordedEvent> handler,
                              Duration pollInterval, int batchSize, String name) {
        this.store = Objects.requireNonNull(store);
        this.filter = filter == null ? EventFilter.all() : filter;
        this.handler = Objects.requireNonNull(handler);
        this.pollInterval = pollInterval;
        this.batchSize = batchSize;
        this.next = Math.max(1, from);
        this.listener = store instanceof AppendNotifier n ? n.onAppend(this::signal) : null;
        this.thread = Thread.ofVirtual().name("facta-subscription-" + name).unstarted(this::run);
    }

    /**
     * Subscribes to the global log from {@code fromPosition} (inclusive; 1 is the beginning),
     * optionally filtered, polling at most every {@code pollInterval} when the store gives no signal.
     */
    public static EventSubscription toAll(EventStore store, long fromPosition, EventFilter filter,
                                          Consumer<RecordedEvent> handler, Duration pollInterval) {
        EventSubscription s = new EventSubscription(store, fromPosition, filter, handler, pollInterval, 500, "all");
        s.thread.start();
        return s;
    }

    public static EventSubscription toAll(EventStore store, long fromPosition, Consumer<RecordedEvent> handler) {
        return toAll(store, fromPosition, EventFilter.all(), handler, Duration.ofMillis(500));
    }

    /** The position the subscription reads from next: every event below it was handled (or filtered out). */
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
                AllSlice slice = store.readAll(next, batchSize, filter);
                for (RecordedEvent e : slice.events()) {
                    if (closed) break;
                    handler.accept(e);
                    next = e.position() + 1;
                }
                if (!closed) next = Math.max(next, slice.next());
                if (slice.endOfLog()) {
                    live = true;
                    awaitNews();
                }
            }
            done.complete(null);
        } catch (Throwable t) {
            done.completeExceptionally(closed ? new FactaException("subscription closed", t) : t);
        } finally {
            closeListener();
        }
    }

    private void awaitNews() throws InterruptedException {
        lock.lock();
        try {
            if (!signalled && !closed) wake.await(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
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
