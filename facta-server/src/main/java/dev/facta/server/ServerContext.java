package dev.facta.server;

import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Optional;

/**
 * What the server's route groups share: the event store it serves, the projection store in the same
 * database (absent for stores without one), the applications' state views, the JSON mapper and the
 * metrics registry behind {@code /metrics}.
 */
public record ServerContext(EventStore events, Optional<ProjectionStore> projections, List<StateView> stateViews,
                            JsonMapper json, PrometheusMeterRegistry metrics) {
    public ServerContext {
        stateViews = List.copyOf(stateViews);
    }
}
