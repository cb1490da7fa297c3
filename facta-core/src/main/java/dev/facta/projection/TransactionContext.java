package dev.facta.projection;

import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;

import java.util.Set;

/** The {@link ProjectionContext} of one projection version and segment inside one store transaction. */
final class TransactionContext implements ProjectionContext {
    private final ProjectionKey key;
    private final int segment;
    private final Set<String> collections;
    private final ProjectionTransaction tx;

    TransactionContext(ProjectionKey key, int segment, Set<String> collections, ProjectionTransaction tx) {
        this.key = key;
        this.segment = segment;
        this.collections = Set.copyOf(collections);
        this.tx = tx;
    }

    @Override
    public String projection() {
        return key.name();
    }

    @Override
    public int version() {
        return key.version();
    }

    @Override
    public int segment() {
        return segment;
    }

    @Override
    public <T> DocumentCollection<T> collection(String name, DocumentCodec<T> codec) {
        if (name == null || !collections.contains(name)) {
            throw new InvalidInputException("collection", "projection " + key.name() + " does not declare the collection '"
                    + name + "' in collections(): " + collections.stream().sorted().toList());
        }
        return tx.collection(key.collection(name), codec);
    }

    @Override
    public <R> R unwrap(Class<R> type) {
        return tx.unwrap(type);
    }

    /** Checks that a projection's declared collections have legal names. */
    static void checkCollections(Projection p) {
        Set<String> names = p.collections();
        if (names == null) throw new InvalidInputException("collections", "projection " + p.name() + " returns null collections()");
        for (String n : names) dev.facta.readmodel.ReadModelStore.checkName(n);
    }
}
