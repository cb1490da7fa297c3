package dev.facta.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An event store that hands every call to another one: the base for decorators (upcasting,
 * metrics, tracing), which override only what they change.
 */
public abstract class ForwardingEventStore implements EventStore {
    protected final EventStore delegate;

    protected ForwardingEventStore(EventStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The store this one decorates. */
    public EventStore underlying() {
        return delegate;
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        return delegate.append(stream, expected, events);
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        return delegate.readStream(stream, fromVersion, maxCount, direction);
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        return delegate.readAll(fromPosition, maxCount, filter);
    }

    @Override
    public long headPosition() {
        return delegate.headPosition();
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        return delegate.streamInfo(stream);
    }

    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        return delegate.listStreams(afterStream, limit);
    }

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        delegate.deleteStream(stream, expected);
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        delegate.setStreamMetadata(stream, metadata);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
