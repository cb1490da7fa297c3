package dev.facta.command;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Idempotency keys in this process's memory. Concurrent callers of one key share one future:
 * the first runs the command, the others wait for its result. An expired key counts as absent at
 * once; the memory it holds is swept at most once a second.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private record Entry(CompletableFuture<Object> outcome, Instant expiresAt) {
    }

    /** Marks an abandoned run, so waiters go back and try to reserve the key themselves. */
    private static final Object ABANDONED = new Object();

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    /** Sweeping scans every key, so it runs at most once a second, not on every command. */
    private final java.util.concurrent.atomic.AtomicLong nextSweep = new java.util.concurrent.atomic.AtomicLong();

    public InMemoryIdempotencyStore() {
        this(Clock.systemUTC());
    }

    public InMemoryIdempotencyStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Begin begin(String key, Instant expiresAt) throws InterruptedException {
        sweep();
        while (true) {
            Entry mine = new Entry(new CompletableFuture<>(), expiresAt);
            Entry existing = entries.compute(key, (k, e) -> e == null || expired(e) ? mine : e);
            if (existing == mine) return new Reserved();
            try {
                Object result = existing.outcome().get();
                if (result != ABANDONED) return new Completed(result);
            } catch (ExecutionException e) {
                // abandoned runs complete normally with ABANDONED; nothing else completes exceptionally
            }
        }
    }

    @Override
    public void complete(String key, Object result) {
        Entry e = entries.get(key);
        if (e != null) e.outcome().complete(result);
    }

    @Override
    public void abandon(String key) {
        Entry e = entries.remove(key);
        if (e != null) e.outcome().complete(ABANDONED);
    }

    /** Keys here live as long as this process, so there is no lease to extend: true while it runs. */
    @Override
    public boolean extend(String key) {
        Entry e = entries.get(key);
        return e != null && !e.outcome().isDone();
    }

    @Override
    public int deleteExpired() {
        int n = 0;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (expired(it.next())) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    private boolean expired(Entry e) {
        return e.outcome().isDone() && !clock.instant().isBefore(e.expiresAt());
    }

    private void sweep() {
        long now = System.nanoTime();
        long due = nextSweep.get();
        if (now - due < 0 || !nextSweep.compareAndSet(due, now + 1_000_000_000L)) return;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (expired(it.next())) it.remove();
        }
    }
}
