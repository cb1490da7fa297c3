package dev.facta.internal;

import dev.facta.FactaException;
import dev.facta.store.AppendResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * Group commit: appends from many threads are queued and one writer thread takes whatever has
 * queued up (up to {@code maxBatchEvents}) into one transaction. A lone caller is written at
 * once. When the previous batch held several appends, their callers are likely to come back
 * with their next append within microseconds of being answered; the writer then waits up to
 * {@code linger} for as many appends as the previous batch held before it starts the
 * transaction, so that a steady set of writers shares one commit instead of splitting into a
 * large batch and a trickle of small ones (the idea of PostgreSQL's {@code commit_delay} with
 * {@code commit_siblings}).
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

        /** Completes the caller with what the planner decided: its result, or its error. */
        public void resolve(AppendPlanner.Outcome outcome) {
            switch (outcome) {
                case AppendPlanner.Write w -> complete(w.result());
                case AppendPlanner.Done d -> complete(d.result());
                case AppendPlanner.Failed f -> fail(f.error());
            }
        }
    }

    /** Writes one batch in one transaction and completes every request's future. */
    @FunctionalInterface
    public interface BatchWriter {
        void write(List<Pending> batch) throws Exception;
    }

    private static final Pending POISON = new Pending(null, null);

    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final BatchWriter writer;
    private final int maxBatchEvents;
    private final long lingerNanos;
    private final Thread thread;
    private volatile boolean closed;

    public AppendCoalescer(String name, int maxBatchEvents, BatchWriter writer) {
        this(name, maxBatchEvents, java.time.Duration.ZERO, writer);
    }

    public AppendCoalescer(String name, int maxBatchEvents, java.time.Duration linger, BatchWriter writer) {
        this.writer = writer;
        this.maxBatchEvents = maxBatchEvents;
        this.lingerNanos = linger.toNanos();
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
        int previousSize = 0;
        boolean stop = false;
        while (!stop) {
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
            long deadline = System.nanoTime() + lingerNanos;
            while (events < maxBatchEvents) {
                Pending next = queue.poll();
                if (next == null && lingerNanos > 0 && batch.size() < previousSize) {
                    long left = deadline - System.nanoTime();
                    if (left > 0) {
                        try {
                            next = queue.poll(left, TimeUnit.NANOSECONDS);
                        } catch (InterruptedException e) {
                            next = null;
                        }
                    }
                }
                if (next == null) break;
                if (next == POISON) {
                    stop = true;
                    break;
                }
                if (events + next.append().events().size() > maxBatchEvents) {
                    queue.offerFirst(next); // first in line for the next batch
                    break;
                }
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
            previousSize = batch.size();
            batch.clear();
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
