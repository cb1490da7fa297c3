package dev.facta.crypto;

import java.util.List;
import java.util.Optional;

/**
 * Where the subjects' data keys live, wrapped by a master key: one key per data subject. Destroying
 * a subject's key is crypto-shredding: every value encrypted under it becomes unreadable for good.
 *
 * <p>Implementations: {@link InMemoryKeyStore}, {@code SqliteKeyStore} (facta-sqlite, in the events'
 * file) and {@code PostgresKeyStore} (facta-postgres). Several processes may share one store;
 * {@link #createOrGet} must then hand all of them the same key. Implementations are thread-safe.
 * Subjects are plain strings today; tenant-scoped key stores are expected to qualify them.
 */
public interface KeyStore extends AutoCloseable {

    /**
     * Stores {@code candidate} unless the subject already has a key, and returns the key the subject
     * has now (the candidate, or the one that was there, perhaps written a moment ago by another
     * process).
     */
    WrappedKey createOrGet(WrappedKey candidate);

    /** The subject's key, or empty when it has none (never had one, or it was destroyed). */
    Optional<WrappedKey> get(String subject);

    /** Deletes the subject's key; true when there was one. */
    boolean destroy(String subject);

    /** Subjects that have a key, in name order, starting after {@code afterSubject} (null: from the first). */
    List<String> subjects(String afterSubject, int limit);

    /** A one-line description for diagnostics. */
    String describe();

    @Override
    default void close() {
    }
}
