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
}
