package dev.facta.sqlite;

import dev.facta.projection.InlineProjections;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionTransaction;

import java.util.List;
import java.util.Objects;

/**
 * Projections applied inside the SQLite append transaction, so their documents commit with the
 * events: when {@code append} returns, queries already see the change, and an append whose projection
 * throws fails with that exception and leaves neither events nor documents. Attach them to an open
 * store:
 *
 * <pre>{@code
 * SqliteEventStore events = SqliteEventStore.open(path);
 * SqliteInlineProjections inline = SqliteInlineProjections.attach(events, new OrderSummaries());
 * events.append(...);                       // OrderSummaries has seen it when this returns
 * inline.store().readModels().collection("summaries_v1", codec).get(id);
 * }</pre>
 *
 * <p>Under group commit (concurrent appends merged into one transaction) the projections first see
 * the whole group's events at once; when they throw, the group is written again one append at a
 * time, each in its own savepoint, so only the append they refuse fails and the others commit (their
 * projection calls are then repeated, which is harmless for documents, since the first attempt was
 * rolled back, but means a projection must keep no state of its own). See {@link InlineProjections}
 * for what the projections see and how their checkpoints move.
 *
 * <p>Inline projections run on the store's writer thread with its write lock held: keep them small,
 * and do not append or use the store's other write paths from inside one (that is refused). Only
 * appends made through this store instance run them: every process that appends to the file must
 * attach the same inline projections, or its events will be missing from their read models.
 */
public final class SqliteInlineProjections implements AutoCloseable {

    private final SqliteProjectionStore store;
    private final InlineProjections inline;
    private final AutoCloseable hook;

    private SqliteInlineProjections(SqliteEventStore events, List<Projection> projections) {
        this.store = SqliteProjectionStore.on(events);
        this.inline = new InlineProjections(store, projections);
        this.hook = events.addAppendHook((db, recorded) -> {
            ProjectionTransaction tx = store.transaction(db);
            try {
                inline.apply(recorded, tx);
            } finally {
                SqliteProjectionStore.end(tx);
            }
        });
    }

    /**
     * Registers the projections (one segment each) in the store's file and applies them to every
     * later append of {@code events} until {@link #close()}.
     *
     * @throws dev.facta.InvalidInputException an illegal name or collection, or the same version twice
     */
    public static SqliteInlineProjections attach(SqliteEventStore events, List<Projection> projections) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(projections, "projections");
        return new SqliteInlineProjections(events, List.copyOf(projections));
    }

    public static SqliteInlineProjections attach(SqliteEventStore events, Projection... projections) {
        return attach(events, List.of(projections));
    }

    /** The projection versions applied inline. */
    public List<ProjectionKey> keys() {
        return inline.keys();
    }

    /** The projection store in the same file: the projections' records, checkpoints and read models. */
    public SqliteProjectionStore store() {
        return store;
    }

    /** Stops applying the projections to later appends; their documents and checkpoints stay. */
    @Override
    public void close() {
        try {
            hook.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot detach inline projections", e);
        }
    }

    @Override
    public String toString() {
        return "SqliteInlineProjections" + keys();
    }
}
