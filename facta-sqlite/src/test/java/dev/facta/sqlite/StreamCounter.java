package dev.facta.sqlite;

import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionKey;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.store.RecordedEvent;

import java.util.Set;

/**
 * Counts each stream's events into one document per stream ({@code {"count":n,"last":v}}) and throws
 * when a stream's events arrive out of order or twice, so an engine running it under STOP halts on
 * the first violation. Optionally sleeps per event, so a catch-up takes long enough to be cut short.
 * Used by the crash tests in this JVM and by {@link OtherProcessProjector} in another.
 */
final class StreamCounter implements Projection {
    static final ProjectionKey KEY = new ProjectionKey("stream-counts", 1);
    static final String COLLECTION = "streams";

    private final long sleepMillis;

    StreamCounter(long sleepMillis) {
        this.sleepMillis = sleepMillis;
    }

    @Override
    public String name() {
        return KEY.name();
    }

    @Override
    public Set<String> collections() {
        return Set.of(COLLECTION);
    }

    @Override
    public void apply(RecordedEvent e, ProjectionContext context) throws Exception {
        if (sleepMillis > 0) Thread.sleep(sleepMillis);
        DocumentCollection<String> streams = context.collection(COLLECTION, DocumentCodec.json());
        String doc = streams.get(e.stream().value()).orElse(null);
        long count = doc == null ? 0 : field(doc, "count");
        long last = doc == null ? -1 : field(doc, "last");
        if (e.version() != last + 1) {
            throw new IllegalStateException(e.stream() + " version " + e.version() + " after " + last);
        }
        streams.put(e.stream().value(), "{\"count\":" + (count + 1) + ",\"last\":" + e.version() + "}");
    }

    static long field(String doc, String name) {
        return Long.parseLong(doc.replaceAll(".*\"" + name + "\":(-?\\d+).*", "$1"));
    }
}
