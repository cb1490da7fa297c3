package dev.facta.upcasting;

import dev.facta.store.AllSlice;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.util.List;

/**
 * An event store whose reads come back upcast: wrap the store once and every consumer (aggregates,
 * projections, the server) reads events as the current code expects them. Appends pass through
 * unchanged, and stored events are never rewritten. A split event yields several events with the
 * same version and position; filters on the global log see the stored type.
 */
public final class UpcastingEventStore extends ForwardingEventStore {
    private final Upcasters upcasters;

    public UpcastingEventStore(EventStore store, Upcasters upcasters) {
        super(store);
        this.upcasters = upcasters;
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        return upcasters.applyAll(delegate.readStream(stream, fromVersion, maxCount, direction));
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AllSlice slice = delegate.readAll(fromPosition, maxCount, filter);
        return new AllSlice(upcasters.applyAll(slice.events()), slice.next(), slice.endOfLog());
    }

    @Override
    public String describe() {
        return delegate.describe() + " (upcasting)";
    }
}
