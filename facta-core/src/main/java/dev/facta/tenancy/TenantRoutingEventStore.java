package dev.facta.tenancy;

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

/** See {@link MultiTenantStore#routing()}. */
final class TenantRoutingEventStore implements EventStore {
    private final MultiTenantStore tenants;

    TenantRoutingEventStore(MultiTenantStore tenants) {
        this.tenants = tenants;
    }

    private EventStore store(String operation) {
        return tenants.current(operation).events();
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        return store("append").append(stream, expected, events);
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        return store("readStream").readStream(stream, fromVersion, maxCount, direction);
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        return store("readAll").readAll(fromPosition, maxCount, filter);
    }

    @Override
    public long headPosition() {
        return store("headPosition").headPosition();
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        return store("streamInfo").streamInfo(stream);
    }

    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        return store("listStreams").listStreams(afterStream, limit);
    }

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        store("deleteStream").deleteStream(stream, expected);
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        store("setStreamMetadata").setStreamMetadata(stream, metadata);
    }

    @Override
    public String describe() {
        return "tenant routing over " + tenants.describe();
    }

    @Override
    public void close() {
        // the multi-tenant store owns the tenants' stores
    }
}
