package dev.facta.postgres;

import dev.facta.projection.InlineProjections;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionKey;
import dev.facta.store.RecordedEvent;

import java.sql.Connection;
import java.util.List;
import java.util.Objects;

/**
 * Projections applied inside PostgreSQL append transactions: the {@link BeforeCommit} hook of a
 * {@link PostgresEventStore} that opens a projection transaction on the append's own connection and
 * hands the appended events to {@link InlineProjections}. Documents (and the projections'
 * checkpoints) commit with the events: a query right after {@code append} returns sees them, and an
 * append whose projection throws is rolled back whole and fails. Under group commit an append that
 * a projection refuses fails alone (see {@link BeforeCommit}).
 *
 * <pre>{@code
 * PostgresEventStore events = PostgresInlineProjections.install(
 *         PostgresEventStore.builder().jdbcUrl(url).schema("shop"), new OrderSummaries());
 * }</pre>
 *
 * With an application data source, migrate the schema first and build the hook over a projection
 * store on it: {@code new PostgresInlineProjections(new PostgresProjectionStore(ds, schema), projections)}.
 * When the event store must exist first (its own pool), build it with an unbound hook and
 * {@link #bind} that right after; appends fail until then, so no event goes unprojected.
 */
public final class PostgresInlineProjections implements BeforeCommit {

    private final List<Projection> projections;
    private volatile Bound bound;

    private record Bound(PostgresProjectionStore store, InlineProjections inline) {
    }

    /** An unbound hook: {@link #bind} it to the event store's projection store before appending. */
    public PostgresInlineProjections(List<Projection> projections) {
        this.projections = List.copyOf(Objects.requireNonNull(projections, "projections"));
    }

    /** A hook over a projection store on a migrated schema; registers the projections now. */
    public PostgresInlineProjections(PostgresProjectionStore store, List<Projection> projections) {
        this(projections);
        bind(store);
    }

    /**
     * Builds the event store with the projections applied inline (replacing any hook the builder
     * had), binds them to the projection store on its schema, and returns it.
     */
    public static PostgresEventStore install(PostgresEventStore.Builder builder, Projection... projections) {
        PostgresInlineProjections hook = new PostgresInlineProjections(List.of(projections));
        PostgresEventStore events = builder.beforeCommit(hook).build();
        try {
            hook.bind(PostgresProjectionStore.on(events));
        } catch (RuntimeException e) {
            events.close();
            throw e;
        }
        return events;
    }

    /**
     * Binds the hook to the projection store on the event store's schema and registers each
     * projection version there (one segment each).
     *
     * @throws IllegalStateException it is bound already
     * @throws dev.facta.InvalidInputException see {@link InlineProjections}
     */
    public synchronized PostgresInlineProjections bind(PostgresProjectionStore store) {
        Objects.requireNonNull(store, "store");
        if (bound != null) throw new IllegalStateException("inline projections are bound already, to " + bound.store());
        bound = new Bound(store, new InlineProjections(store, projections));
        return this;
    }

    /** The projection versions applied inline. */
    public List<ProjectionKey> keys() {
        Bound b = bound;
        return b != null ? b.inline().keys() : projections.stream().map(p -> new ProjectionKey(p.name(), p.version())).toList();
    }

    @Override
    public void beforeCommit(Connection connection, List<RecordedEvent> events) {
        Bound b = bound;
        if (b == null) {
            throw new IllegalStateException("inline projections " + keys() + " are not bound to a projection store yet;"
                    + " the append is refused so that no event goes unprojected");
        }
        b.store().inTransaction(connection, tx -> {
            b.inline().apply(events, tx);
            return null;
        });
    }

    @Override
    public String toString() {
        return "PostgresInlineProjections" + keys();
    }
}
