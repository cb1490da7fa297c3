package dev.facta.projection;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;

/**
 * One transaction of a {@link ProjectionStore}: read-model changes, checkpoints and dead letters
 * written through it commit together when the work returns and roll back together when it throws.
 * Used by one thread; not valid after the work returns.
 */
public interface ProjectionTransaction {

    /**
     * Checks that {@code lease} is still the current lease of its segment and keeps it so until
     * this transaction ends (a concurrent acquisition waits, or cannot commit). Call it first.
     *
     * @throws FencedOutException the lease was taken over
     */
    void fence(Lease lease);

    /**
     * The segment's checkpoint (0 when none was saved), read with a lock that keeps other
     * transactions from changing it until this one ends: a worker calls it right after
     * {@link #fence} and abandons the batch when it is not the position it expected (a rebuild
     * reset it), so a rebuild and a batch can never interleave.
     */
    long checkpoint(ProjectionKey key, int segment);

    /** Records that every event of the segment at or below {@code position} was handled. */
    void saveCheckpoint(ProjectionKey key, int segment, long position);

    /** Parks an event; returns the dead letter's id. */
    long park(DeadLetter letter);

    /** Removes a dead letter; false when there was none with that id. */
    boolean deleteDeadLetter(long id);

    /** Records the last error (null clears it). */
    void recordError(ProjectionKey key, String error);

    /** Marks the version stopped (after a failure under the STOP policy) or running again. */
    void setStopped(ProjectionKey key, boolean stopped);

    /**
     * Sets every checkpoint of the version to 0 and clears its rebuild request, locking the
     * checkpoints (call it first in a rebuild's transaction, before clearing the read model).
     */
    void resetCheckpoints(ProjectionKey key);

    /** A read-model collection, by its stored name, bound to this transaction. */
    <T> DocumentCollection<T> collection(String storedName, DocumentCodec<T> codec);

    /** @see ProjectionContext#unwrap */
    <R> R unwrap(Class<R> type);
}
