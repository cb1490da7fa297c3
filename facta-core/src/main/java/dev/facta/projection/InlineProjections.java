package dev.facta.projection;

import dev.facta.FactaException;
import dev.facta.store.RecordedEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Projections applied inside the append's own transaction, so the read model changes exactly when
 * the events are committed: a query right after an append sees it, and an append whose projection
 * throws is rolled back whole. A store that supports them (SQLite, PostgreSQL) opens a
 * {@link ProjectionTransaction} on the append's connection just before committing and calls
 * {@link #apply}; this class does the rest.
 *
 * <p>Each projection receives the appended events that pass its filter, with a context for segment 0
 * bound to that transaction, and its checkpoint moves to the last appended position, so its status
 * and lag read like any other projection's. Operator flags (pause, stop, rebuild) do not apply: an
 * inline projection is part of every append. It sees only events appended while it is installed; to
 * build one over events already stored, run it once with a {@link ProjectionEngine}.
 *
 * <p>Keep inline projections small: their work lengthens every append transaction.
 */
public final class InlineProjections {

    private record Entry(Projection projection, ProjectionKey key) {
    }

    private final List<Entry> entries;

    /**
     * Registers each projection version in {@code store} with one segment.
     *
     * @throws dev.facta.InvalidInputException an illegal name or collection, the same version twice,
     *                                         or a version the store knows with more segments
     */
    public InlineProjections(ProjectionStore store, List<Projection> projections) {
        Objects.requireNonNull(store, "store");
        List<Entry> list = new ArrayList<>();
        for (Projection p : projections) {
            Objects.requireNonNull(p, "projection");
            ProjectionKey key = new ProjectionKey(p.name(), p.version());
            TransactionContext.checkCollections(p);
            if (list.stream().anyMatch(e -> e.key().equals(key))) {
                throw new dev.facta.InvalidInputException("projection", "projection " + key + " is registered twice");
            }
            list.add(new Entry(p, key));
        }
        for (Entry e : list) store.register(e.key(), 1);
        this.entries = List.copyOf(list);
    }

    public InlineProjections(ProjectionStore store, Projection... projections) {
        this(store, List.of(projections));
    }

    /** The projection versions applied inline. */
    public List<ProjectionKey> keys() {
        return entries.stream().map(Entry::key).toList();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Applies every inline projection to the appended events (ascending positions) inside {@code tx},
     * which the caller commits with the append. A projection's unchecked exception propagates
     * unchanged, a checked one wrapped in a {@link FactaException}; the caller then rolls the append back.
     */
    public void apply(List<RecordedEvent> appended, ProjectionTransaction tx) {
        Objects.requireNonNull(tx, "tx");
        if (appended.isEmpty()) return;
        long last = appended.getLast().position();
        for (Entry e : entries) {
            List<RecordedEvent> wanted = new ArrayList<>(appended.size());
            for (RecordedEvent r : appended) if (e.projection().filter().test(r)) wanted.add(r);
            if (!wanted.isEmpty()) {
                try {
                    e.projection().applyBatch(wanted, new TransactionContext(e.key(), 0, e.projection().collections(), tx));
                } catch (RuntimeException | Error x) {
                    throw x;
                } catch (Exception x) {
                    throw new FactaException("inline projection " + e.key() + " failed: " + x, x);
                }
            }
            tx.saveCheckpoint(e.key(), 0, last);
        }
    }
}
