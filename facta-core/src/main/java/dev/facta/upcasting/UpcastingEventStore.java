package dev.facta.upcasting;

import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;

import java.util.List;
import java.util.Optional;

/**
 * An event store whose reads come back upcast: wrap the store once and every consumer (aggregates,
 * projections, the server) reads events as the current code expects them. Appends pass through
 * unchanged, and stored events are never rewritten. A split event yields several events with the
 * same version and position; filters on the global log see the stored type.
 */
public final class UpcastingEventStore implements EventStore {
    private final EventStore store;
    private final Upcasters upcasters;

    public UpcastingEventStore(EventStore store, Upcasters upcasters) {
        this.store = store;
        this.upcasters = upcasters;
    }

    public EventStore underlying() {
        return store;
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        return store.append(stream, expected, events);
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        return upcasters.applyAll(store.readStream(stream, fromVersion, maxCount, direction));
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AllSlice slice = store.readAll(fromPosition, maxCount, filter);
        return new AllSlice(upcasters.applyAll(slice.events()), slice.next(), slice.endOfLog());
    }

    @Override
    public long headPosition() {
        return store.headPosition();
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        return store.streamInfo(stream);
    }

    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        return store.listStreams(afterStream, limit);
    }

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        store.deleteStream(stream, expected);
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        store.setStreamMetadata(stream, metadata);
    }

    @Override
    public String describe() {
        return store.describe() + " (upcasting)";
    }

    @Override
    public void close() {
        store.close();
    }
}
