package dev.facta.server;

import dev.facta.store.EventStore;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;
import dev.facta.subscription.EventSubscription;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One {@code GET /subscribe/all} connection: the global log from a position as Server-Sent Events,
 * catch-up then live, one SSE event per recorded event with {@code id: <position>}, so a browser's
 * EventSource that reconnects sends {@code Last-Event-ID} and resumes after the last event it saw.
 *
 * <p>An {@link EventSubscription} delivers the events in position order on its own thread, which
 * writes them; the request's thread waits, flushes what catch-up left buffered, sends a comment as a
 * heartbeat when the stream has been quiet (so proxies keep it open and a vanished client is noticed),
 * and ends the stream when the client goes, the subscription fails (an {@code error} event, after
 * which the client may resume), or the server shuts down (a {@code shutdown} event). Writes from the
 * two threads are serialized by one lock. A slow client slows only its own subscription: nothing is
 * queued in memory.
 *
 * <p>Each event is checked against the caller's {@link Access} as it is sent, so narrowed grants
 * apply at once; when the caller may no longer read at all (its token revoked, its tenant or every
 * read grant taken away) the stream ends with an {@code access_revoked} error event as soon as
 * {@link #recheck} is called, which the server does on every token change.
 */
final class SseStream {
    private static final System.Logger LOG = System.getLogger(SseStream.class.getName());
    /** How long written events may sit in the buffer during catch-up before they are flushed. */
    private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final OutputStream out;
    private final JsonMapper json;
    private final Duration heartbeat;
    private final Access access;
    private final BooleanSupplier allowed;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean dirty;
    private boolean failed;
    private boolean shutdown;
    private boolean revoked;
    private long lastWriteNanos = System.nanoTime();
    private volatile EventSubscription subscription;

    SseStream(OutputStream out, JsonMapper json, Duration heartbeat, Access access, BooleanSupplier allowed) {
        this.out = out;
        this.json = json;
        this.heartbeat = heartbeat;
        this.access = access;
        this.allowed = allowed;
    }

    /**
     * Streams until the client leaves, the subscription fails or {@link #shutdown} is called; returns
     * normally in every case.
     */
    void run(EventStore store, long fromPosition) {
        write(": facta global log from position " + fromPosition + "\nretry: 2000\n\n", true);
        EventSubscription sub = EventSubscription.toAll(store, fromPosition, EventFilter.all(), this::send, Duration.ofMillis(500));
        subscription = sub;
        sub.done().whenComplete((ignored, error) -> wake());
        String ending = null;
        try {
            lock.lock();
            try {
                while (!failed && !shutdown && !sub.done().isDone()) {
                    if (!allowed.getAsBoolean()) {
                        revoked = true;
                        break;
                    }
                    long now = System.nanoTime();
                    if (dirty && now - lastWriteNanos >= FLUSH_NANOS) {
                        flushLocked();
                    } else if (now - lastWriteNanos >= heartbeat.toNanos()) {
                        writeLocked(": keep-alive\n\n", true);
                    }
                    long wait = dirty ? FLUSH_NANOS : heartbeat.toNanos() - (System.nanoTime() - lastWriteNanos);
                    changed.awaitNanos(Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1)));
                }
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sub.close();
        }
        if (failed) return;
        if (revoked) {
            ending = "event: error\ndata: {\"error\":\"access_revoked\",\"message\":\"the token may no longer read this log\"}\n\n";
        } else if (shutdown) {
            ending = "event: shutdown\ndata: {\"reason\":\"the server is shutting down\"}\n\n";
        } else if (sub.done().isCompletedExceptionally()) {
            Throwable cause = sub.done().exceptionNow();
            LOG.log(System.Logger.Level.WARNING, "a subscription of the global log failed at position " + sub.position(), cause);
            ending = "event: error\ndata: {\"error\":\"internal_error\",\"message\":\"reading the log failed; reconnect to resume\"}\n\n";
        }
        if (ending != null) write(ending, true);
    }

    /** Ends the stream with a {@code shutdown} event; {@link #run} returns soon after. */
    void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Makes the stream check its caller's rights again at once (after a token change). */
    void recheck() {
        wake();
    }

    private void wake() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void send(RecordedEvent e) {
        if (!allowed.getAsBoolean()) {
            wake(); // the waiting thread ends the stream
            return;
        }
        if (!access.canRead(e.stream().value())) return;
        String data = EventJson.toJson(json, e);
        StringBuilder frame = new StringBuilder(data.length() + 32).append("id: ").append(e.position()).append('\n');
        // An event's stored data may span lines; each line becomes its own data field, which the client joins with \n.
        int start = 0;
        for (int i = 0; i <= data.length(); i++) {
            if (i == data.length() || data.charAt(i) == '\n' || data.charAt(i) == '\r') {
                frame.append("data: ").append(data, start, i).append('\n');
                if (i + 1 < data.length() && data.charAt(i) == '\r' && data.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        frame.append('\n');
        EventSubscription sub = subscription;
        boolean live = sub != null && sub.isLive();
        if (!write(frame.toString(), live)) {
            throw new UncheckedIOException(new IOException("the subscriber has gone"));
        }
    }

    /** Writes a frame, flushing when asked; false when the client has gone. */
    private boolean write(String frame, boolean flush) {
        lock.lock();
        try {
            return writeLocked(frame, flush);
        } finally {
            lock.unlock();
        }
    }

    private boolean writeLocked(String frame, boolean flush) {
        if (failed) return false;
        try {
            out.write(frame.getBytes(StandardCharsets.UTF_8));
            lastWriteNanos = System.nanoTime();
            if (flush) {
                out.flush();
                dirty = false;
            } else if (!dirty) {
                dirty = true;
                // the waiting thread switches from heartbeat waits to the short flush wait
                changed.signalAll();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            failed = true;
            changed.signalAll();
            return false;
        }
    }

    private void flushLocked() {
        try {
            out.flush();
            dirty = false;
        } catch (IOException | RuntimeException e) {
            failed = true;
        }
    }
}
