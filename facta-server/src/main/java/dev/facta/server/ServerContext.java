package dev.facta.server;

import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the server's route groups share: the event store it serves (for one request: the caller's
 * tenant's store, seen through the caller's rights), the projection store in the same database
 * (absent for stores without one), the applications' state views, the JSON mapper, the metrics
 * registry behind {@code /metrics}, and the caller's {@link Access} for what the event store alone
 * does not cover (dead letters, read models).
 */
public record ServerContext(EventStore events, Optional<ProjectionStore> projections, List<StateView> stateViews,
                            JsonMapper json, PrometheusMeterRegistry metrics, Access access) {
    public ServerContext {
        stateViews = List.copyOf(stateViews);
        Objects.requireNonNull(access, "access");
    }

    /** A context with every right. */
    public ServerContext(EventStore events, Optional<ProjectionStore> projections, List<StateView> stateViews,
                         JsonMapper json, PrometheusMeterRegistry metrics) {
        this(events, projections, stateViews, json, metrics, Access.ALL);
    }

    /** The same context for one caller: its tenant's stores and its rights. */
    public ServerContext scoped(EventStore scopedEvents, Optional<ProjectionStore> scopedProjections, Access scopedAccess) {
        return new ServerContext(scopedEvents, scopedProjections, stateViews, json, metrics, scopedAccess);
    }
}
