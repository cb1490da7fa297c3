package dev.facta.projection;

import dev.facta.readmodel.ReadModelStore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where projections keep their progress, leases, dead letters and operator flags, next to the read
 * models they build, so that one transaction covers both. In-memory, SQLite (the events' file) and
 * PostgreSQL implementations; every process that opens the same database shares one view, so an
 * operator can pause or rebuild a projection from the CLI while applications run it.
 */
public interface ProjectionStore {

    /** Work inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(ProjectionTransaction tx) throws Exception;
    }

    /**
     * Runs {@code work} in one transaction: commits when it returns, rolls back when it throws
     * (the exception is rethrown unchanged when unchecked, wrapped in a
     * {@link dev.facta.FactaException} otherwise).
     */
    <T> T inTransaction(Work<T> work);

    /** The read models in the same database, for queries outside projections. */
    ReadModelStore readModels();

    // ------------------------------------------------------------------ registry and flags

    /**
     * Makes the version known with its number of segments; idempotent. The first version of a
     * name becomes {@link ProjectionState#ACTIVE}, a later one {@link ProjectionState#BUILDING}.
     *
     * @throws dev.facta.InvalidInputException it is known with a different number of segments
     */
    ProjectionRecord register(ProjectionKey key, int segments);

    Optional<ProjectionRecord> find(ProjectionKey key);

    /** Every known version, by name then version. */
    List<ProjectionRecord> list();

    /** The active version of a name, if any. */
    default Optional<ProjectionRecord> active(String name) {
        return list().stream().filter(r -> r.key().name().equals(name) && r.state() == ProjectionState.ACTIVE).findFirst();
    }

    /** Sets or clears the paused flag of every version of the name; false when the name is unknown. */
    boolean setPaused(String name, boolean paused);

    /** Clears the stopped flag of every version of the name so processing resumes; false when unknown. */
    default boolean resume(String name) {
        boolean found = false;
        for (ProjectionRecord r : list()) {
            if (!r.key().name().equals(name)) continue;
            found = true;
            if (r.stopped()) inTransaction(tx -> {
                tx.setStopped(r.key(), false);
                return null;
            });
        }
        return found | setPaused(name, false);
    }

    /** Asks for a rebuild of the active version of the name; false when there is none. */
    boolean requestRebuild(String name);

    /**
     * Atomically makes {@code key} the active version of its name and retires the one before:
     * the blue-green switch. Queries through {@link ProjectionEngine#readModel} follow at once.
     */
    void activate(ProjectionKey key);

    // ------------------------------------------------------------------ leases

    /**
     * Takes the segment's lease for {@code owner} when it is free, expired or already the owner's
     * (an owner re-acquiring gets a new token). Empty when another owner holds it.
     */
    Optional<Lease> acquire(ProjectionKey key, int segment, String owner, Duration ttl);

    /** Extends a lease still held with the same token; empty when it was lost. */
    Optional<Lease> renew(Lease lease, Duration ttl);

    /** Gives a lease up so another owner can take it at once; nothing when it was already lost. */
    void release(Lease lease);

    /** Every current (unexpired) lease of the version. */
    List<Lease> leases(ProjectionKey key);

    /**
     * Announces that {@code owner} is alive in the group (an engine's projections) until
     * {@code ttl} from now, and returns the owners alive now, in name order. Owners share
     * segments fairly by this list.
     */
    List<String> heartbeat(String group, String owner, Duration ttl);

    /** Removes the owner from the group at once (clean shutdown). */
    void leave(String group, String owner);

    // ------------------------------------------------------------------ dead letters

    /** Parked events of a version, oldest first, after the given dead-letter id. */
    List<DeadLetter> deadLetters(ProjectionKey key, long afterId, int limit);

    Optional<DeadLetter> deadLetter(long id);
}
