package dev.facta.server;

import dev.facta.store.AllSlice;
import dev.facta.store.AppendNotifier;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The store as one caller may see it, so that every route (the admin API's included) honours the
 * caller's grants without checks of its own: reading a stream it may not read, and appending to,
 * deleting or changing the settings of a stream it may not write are refused with 403
 * {@code forbidden} before the store is touched; the global log and the stream list leave out the
 * streams it may not read (the log's {@code next} still moves past them); a stream it may not read
 * has no {@link #streamInfo}. Closing it closes nothing: the store belongs to the server.
 */
class GrantedEventStore extends ForwardingEventStore {
    private final Access access;

    private GrantedEventStore(EventStore store, Access access) {
        super(store);
        this.access = access;
    }

    /** The store seen through the caller's rights (the store itself when they are all rights). */
    static EventStore wrap(EventStore store, Access access) {
        if (access == Access.ALL) return store;
        return store instanceof AppendNotifier notifier ? new Notifying(store, access, notifier) : new GrantedEventStore(store, access);
    }

    private void checkRead(StreamId stream) {
        if (!access.canRead(stream.value())) {
            throw new ApiException(403, "forbidden", "this token may not read stream '" + stream.value() + "'");
        }
    }

    private void checkWrite(StreamId stream) {
        if (!access.canWrite(stream.value())) {
            throw new ApiException(403, "forbidden", "this token may not write to stream '" + stream.value() + "'");
        }
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        checkWrite(stream);
        return delegate.append(stream, expected, events);
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        checkRead(stream);
        return readable(delegate.readStream(stream, fromVersion, maxCount, direction));
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AllSlice slice = delegate.readAll(fromPosition, maxCount, filter);
        List<RecordedEvent> kept = readable(slice.events());
        return kept.size() == slice.events().size() ? slice : new AllSlice(kept, slice.next(), slice.endOfLog());
    }

    /** Checks every event again, so rights narrowed during a read apply to what it returns. */
    private List<RecordedEvent> readable(List<RecordedEvent> events) {
        List<RecordedEvent> kept = null;
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            boolean ok = access.canRead(e.stream().value());
            if (!ok && kept == null) kept = new ArrayList<>(events.subList(0, i));
            else if (ok && kept != null) kept.add(e);
        }
        return kept == null ? events : kept;
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        if (!access.canRead(stream.value())) return Optional.empty();
        return delegate.streamInfo(stream);
    }

    /** Readable streams only; a short page still means the end, as for any store. */
    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        List<StreamInfo> out = new ArrayList<>();
        String cursor = afterStream;
        while (out.size() < limit) {
            List<StreamInfo> page = delegate.listStreams(cursor, limit);
            for (StreamInfo s : page) {
                if (access.canRead(s.stream().value()) && out.size() < limit) out.add(s);
            }
            if (page.size() < limit) break;
            cursor = page.getLast().stream().value();
        }
        return out;
    }

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        checkWrite(stream);
        delegate.deleteStream(stream, expected);
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        checkWrite(stream);
        delegate.setStreamMetadata(stream, metadata);
    }

    @Override
    public void close() {
        // the server's store, not the caller's
    }

    private static final class Notifying extends GrantedEventStore implements AppendNotifier {
        private final AppendNotifier notifier;

        Notifying(EventStore store, Access access, AppendNotifier notifier) {
            super(store, access);
            this.notifier = notifier;
        }

        @Override
        public AutoCloseable onAppend(Runnable listener) {
            return notifier.onAppend(listener);
        }
    }
}
