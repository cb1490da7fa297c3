package dev.facta.saga;

import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.util.List;
import java.util.Set;

/**
 * Feeds a process manager (or an event-started saga) from the projection engine: every batch is one
 * {@link Session} in the engine's transaction, so instance state, issued commands, deadlines and the
 * checkpoint commit together.
 */
final class FlowProjection implements Projection {
    private final SagaRuntime runtime;
    private final Flow flow;

    FlowProjection(SagaRuntime runtime, Flow flow) {
        this.runtime = runtime;
        this.flow = flow;
    }

    @Override
    public String name() {
        return flow.name();
    }

    @Override
    public EventFilter filter() {
        return flow.filter();
    }

    @Override
    public Set<String> collections() {
        return flow.names().all();
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
        applyBatch(List.of(event), context);
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        Session s = new Session(runtime, flow, kind -> context.collection(flow.names().base(kind), SagaJson.CODEC));
        if (runtime.canDispatchEagerly()) s.dispatchEagerly();
        s.handleEvents(events);
        s.finish();
        if (!s.eager().isEmpty()) runtime.afterCommit(flow, s.eager(), s.waits());
        if (s.due()) runtime.signal();
    }

    /**
     * Keeps everything: instances remember the last version they handled of each stream, so replaying
     * the log after a rebuild changes nothing, while clearing the documents would start every
     * process again and issue its commands anew.
     */
    @Override
    public void reset(ProjectionContext context) {
    }
}
