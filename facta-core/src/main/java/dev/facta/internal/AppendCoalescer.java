package dev.facta.internal;

import dev.facta.FactaException;
import dev.facta.store.AppendResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit: appends from many threads are queued and one writer thread takes whatever has
 * queued up (up to {@code maxBatchEvents}) into one transaction. There is no timer: a lone
 * caller is written at once, and batches grow only while the previous transaction is busy, so
 * latency never rises to buy throughput.
 *
 * <p>Invariants: each request's future is completed exactly once; a request's fate (written,
 * repeat, failed) never depends on other requests in its batch except through the stream
 * state their writes leave, which the planner accounts for; when the batch writer throws, every
 * request it did not complete fails with that error.
 */
public final class AppendCoalescer implements AutoCloseable {

    /** A queued append and the future its caller waits on. */
    public record Pending(PreparedAppend append, CompletableFuture<AppendResult> future) {
        public void complete(AppendResult r) {
            future.complete(r);
        }

        public void fail(Throwable t) {
            future.completeExceptionally(t);
        }
    }

    /** Writes one batch in one transaction and completes every request's future. */
    @FunctionalInterface
    public interface BatchWriter {
        void write(List<Pending> batch) throws Exception;
    }

    private static final Pending POISON = new Pending(null, null);

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final BatchWriter writer;
    private final int maxBatchEvents;
    private final Thread thread;
    private volatile boolean closed;

    public AppendCoalescer(String name, int maxBatchEvents, BatchWriter writer) {
        this.writer = writer;
        this.maxBatchEvents = maxBatchEvents;
        this.thread = Thread.ofPlatform().name("facta-append-" + name).daemon(true).unstarted(this::run);
        this.thread.start();
    }

    /** Queues the append and waits for its outcome; rethrows the store's typed errors as they are. */
    public AppendResult append(PreparedAppend append) {
        if (closed) {
            throw new FactaException("event store is closed");
        }
        CompletableFuture<AppendResult> f = new CompletableFuture<>();
        Pending pending = new Pending(append, f);
        queue.add(pending);
        if (closed && queue.remove(pending)) {
            // close() raced with us and the writer may already be gone: do not wait forever
            pending.fail(new FactaException("event store is closed"));
        }
        return await(f);
    }

    public static AppendResult await(CompletableFuture<AppendResult> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // The append is already queued; its outcome must be reported, not abandoned.
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof CompletionException ce && ce.getCause() != null) t = ce.getCause();
        if (t instanceof RuntimeException re) return re;
        if (t instanceof Error err) throw err;
        return new FactaException("append failed: " + t.getMessage(), t);
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            Pending first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                if (closed) break;
                continue;
            }
            if (first == POISON) break;
            batch.add(first);
            int events = first.append().events().size();
            Pending next;
            boolean stop = false;
            while (events < maxBatchEvents && (next = queue.peek()) != null) {
                if (next == POISON) {
                    stop = true;
                    break;
                }
                if (events + next.append().events().size() > maxBatchEvents) break;
                queue.poll();
                batch.add(next);
                events += next.append().events().size();
            }
            try {
                writer.write(batch);
            } catch (Throwable t) {
                // the writer keeps serving; every caller in the batch gets the error
                for (Pending p : batch) p.fail(t);
            }
            for (Pending p : batch) {
                if (!p.future().isDone()) {
                    p.fail(new IllegalStateException("batch writer left an append without an outcome"));
                }
            }
            batch.clear();
            if (stop) break;
        }
        drainAndFail();
    }

    private void drainAndFail() {
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p != POISON) p.fail(new FactaException("event store is closed"));
        }
    }

    /** Finishes the batches already queued, then stops the writer. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.add(POISON);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainAndFail();
    }
}
