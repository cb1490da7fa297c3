package dev.facta.readmodel;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A named collection of JSON documents keyed by id: the read-model repository. Obtained from a
 * {@link ReadModelStore} (each call its own transaction) or, inside a projection, from its
 * {@link dev.facta.projection.ProjectionContext} (every change commits with the projection's
 * checkpoint, or not at all).
 *
 * <p>Ids are 1 to 512 characters, without control characters. Bad ids, documents that are not a JSON
 * object and malformed queries are refused with {@link dev.facta.InvalidInputException} and change
 * nothing. A write that a unique {@link Index} refuses fails with {@link UniqueViolationException} and
 * changes nothing.
 */
public interface DocumentCollection<T> {

    /** The collection's name. */
    String name();

    Optional<T> get(String id);

    /** The documents that exist among {@code ids}, keyed by id: one round trip for a batch. */
    Map<String, T> getMany(Collection<String> ids);

    /** Inserts or replaces the document. */
    void put(String id, T document);

    /** Inserts or replaces several documents at once: all of them, or none when one is refused. */
    void putMany(Map<String, T> documents);

    /** Deletes the document; false when there was none. */
    boolean delete(String id);

    /**
     * Replaces the document with {@code change} applied to it (to {@code null} when there is none);
     * a {@code null} result deletes it.
     */
    default void update(String id, UnaryOperator<T> change) {
        T before = get(id).orElse(null);
        T after = change.apply(before);
        if (after == null) {
            if (before != null) delete(id);
        } else {
            put(id, after);
        }
    }

    /** One page of the documents that match, in the query's order. */
    Page<T> find(Query query);

    /** How many documents match the query's conditions (its order and page are ignored). */
    long count(Query query);

    /** Deletes every document of the collection. */
    void clear();
}
