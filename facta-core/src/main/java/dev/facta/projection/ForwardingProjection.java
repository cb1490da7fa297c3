package dev.facta.projection;

import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A projection that hands everything to another: the base of decorators that add behaviour around
 * a projection (metrics, tracing) while keeping its identity, filter, collections and reset.
 * Subclasses override {@link #apply} and {@link #applyBatch} as they need.
 */
public abstract class ForwardingProjection implements Projection {
    protected final Projection delegate;

    protected ForwardingProjection(Projection delegate) {
        this.delegate = Objects.requireNonNull(delegate, "projection");
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public int version() {
        return delegate.version();
    }

    @Override
    public EventFilter filter() {
        return delegate.filter();
    }

    @Override
    public Set<String> collections() {
        return delegate.collections();
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
        delegate.apply(event, context);
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        delegate.applyBatch(events, context);
    }

    @Override
    public void reset(ProjectionContext context) throws Exception {
        delegate.reset(context);
    }
}
