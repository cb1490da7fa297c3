package dev.facta.aggregate;

import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventStore;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads a stream's events as domain events, page by page, from one version up to another. */
final class StreamLoader<E> {

    record Decoded<E>(E event, long version, Instant recordedAt) {
    }

    private static final int PAGE = 1_000;

    private final EventStore store;
    private final EventSerializer serializer;
    private final Class<E> eventType;

    StreamLoader(EventStore store, EventSerializer serializer, Class<E> eventType) {
        this.store = store;
        this.serializer = serializer;
        this.eventType = eventType;
    }

    EventSerializer serializer() {
        return serializer;
    }

    /** Events with versions from {@code from} to {@code to}, inclusive; none for a stream without events. */
    List<Decoded<E>> read(StreamId stream, long from, long to) {
        List<Decoded<E>> out = new ArrayList<>();
        long next = from;
        while (next <= to) {
            List<RecordedEvent> page;
            try {
                page = store.readStream(stream, next, PAGE, ReadDirection.FORWARD);
            } catch (StreamNotFoundException none) {
                return out;
            }
            for (RecordedEvent r : page) {
                if (r.version() > to) return out;
                out.add(new Decoded<>(serializer.deserialize(r.type(), r.data(), eventType), r.version(), r.recordedAt()));
            }
            if (page.size() < PAGE) return out;
            next = page.getLast().version() + 1;
        }
        return out;
    }
}
