package dev.facta.readmodel;

import java.util.List;

/**
 * Where read-model collections live: in memory, in the SQLite file, or in PostgreSQL (jsonb
 * documents). Collections come into being when first written. Safe for use by many threads.
 */
public interface ReadModelStore {

    /** The collection of that name, each operation its own transaction. */
    <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec);

    /**
     * Declares an index on a collection; declaring the same index again does nothing.
     *
     * @throws UniqueViolationException a unique index, and documents already share a value
     */
    void createIndex(String collection, Index index);

    /** Deletes a collection with its documents and indexes. */
    void dropCollection(String collection);

    /** The names of the collections that hold documents or indexes, in name order. */
    List<String> collections();

    /**
     * Collection names are 1 to 48 characters: lower-case letters, digits and '_', starting with a
     * letter. They name tables in SQL stores, so nothing else is accepted.
     */
    static String checkName(String name) {
        if (name == null || !name.matches("[a-z][a-z0-9_]{0,47}")) {
            throw new dev.facta.InvalidInputException("collection",
                    "a collection name is 1-48 characters of a-z, 0-9 and '_', starting with a letter: " + name);
        }
        return name;
    }
}
