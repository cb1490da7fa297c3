package dev.facta.projection;

import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Query;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A collection of the active version of a projection, for queries: every read goes to the collection
 * the supplier resolves at that moment; writes are refused (only the projection writes its documents).
 */
final class ReadOnlyCollection<T> implements DocumentCollection<T> {
    private final Supplier<DocumentCollection<T>> target;

    ReadOnlyCollection(Supplier<DocumentCollection<T>> target) {
        this.target = target;
    }

    @Override
    public String name() {
        return target.get().name();
    }

    @Override
    public Optional<T> get(String id) {
        return target.get().get(id);
    }

    @Override
    public Map<String, T> getMany(Collection<String> ids) {
        return target.get().getMany(ids);
    }

    @Override
    public Page<T> find(Query query) {
        return target.get().find(query);
    }

    @Override
    public long count(Query query) {
        return target.get().count(query);
    }

    private static UnsupportedOperationException readOnly() {
        return new UnsupportedOperationException("a projection's read model is written only by the projection");
    }

    @Override
    public void put(String id, T document) {
        throw readOnly();
    }

    @Override
    public void putMany(Map<String, T> documents) {
        throw readOnly();
    }

    @Override
    public boolean delete(String id) {
        throw readOnly();
    }

    @Override
    public void update(String id, UnaryOperator<T> change) {
        throw readOnly();
    }

    @Override
    public void clear() {
        throw readOnly();
    }
}
