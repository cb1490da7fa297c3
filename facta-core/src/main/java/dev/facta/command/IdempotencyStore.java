package dev.facta.command;

import java.time.Instant;

/**
 * Remembers the outcome of commands by idempotency key until it expires. {@link #begin} either
 * reserves the key for the caller, or answers with the outcome of the first caller, waiting for
 * it while it is still running; so a key's command runs at most once while it is remembered.
 */
public interface IdempotencyStore {

    /** What {@link #begin} found: the key is now the caller's to run, or an earlier result. */
    sealed interface Begin {
    }

    /** The caller holds the key: run the command, then {@link #complete} or {@link #abandon}. */
    record Reserved() implements Begin {
    }

    /** The command already ran under this key; this is its result. */
    record Completed(Object result) implements Begin {
    }

    /** Blocks while another caller runs the same key. */
    Begin begin(String key, Instant expiresAt) throws InterruptedException;

    void complete(String key, Object result);

    /** The reserved command failed: forget the key, so a retry may run it. */
    void abandon(String key);

    /**
     * Extends the lease of a key that is still running, so that a command taking longer than the
     * lease is not taken over and run a second time; {@link IdempotencyMiddleware} calls it
     * periodically while the handler runs. Returns false when the key is no longer running
     * (completed, abandoned, or taken over after its lease had passed). Stores without leases (one
     * process) only say whether it is running.
     */
    boolean extend(String key);

    /** Removes completed keys whose time has passed (they already count as absent); returns how many. */
    int deleteExpired();

    /**
     * Runs {@link #deleteExpired} every {@code interval} on a virtual thread until the returned
     * handle is closed; a failure is logged and the next round goes on.
     */
    static AutoCloseable cleanEvery(IdempotencyStore store, java.time.Duration interval) {
        java.util.Objects.requireNonNull(store, "store");
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new dev.facta.InvalidInputException("interval", "the cleanup interval must be positive: " + interval);
        }
        Thread t = Thread.ofVirtual().name("facta-idempotency-cleanup").start(() -> {
            System.Logger log = System.getLogger(IdempotencyStore.class.getName());
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    int n = store.deleteExpired();
                    if (n > 0) log.log(System.Logger.Level.DEBUG, "deleted {0} expired idempotency keys", n);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.log(System.Logger.Level.WARNING, "deleting expired idempotency keys failed; trying again in " + interval, e);
                }
            }
        });
        return () -> {
            t.interrupt();
            t.join(5_000);
        };
    }
}
