package dev.facta.server;

import dev.facta.projection.DeadLetter;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.time.Instant;

/** Puts what the admin API shows beside the events into a projection store: a projection with an error, dead letters, a read model. */
final class Seeds {
    static final ProjectionKey SUMMARIES = new ProjectionKey("summaries", 1);

    private Seeds() {
    }

    /** Registers the projection {@code summaries} with a last error quoting the marker. */
    static void projection(ProjectionStore store, String marker) {
        store.register(SUMMARIES, 1);
        store.inTransaction(tx -> {
            tx.recordError(SUMMARIES, "failed on {\"secret\":\"" + marker + "\"}");
            return null;
        });
    }

    /** Parks every event of the stream as a dead letter of {@code summaries}, its error quoting the marker. */
    static void deadLetters(ProjectionStore store, EventStore events, String stream, String marker) {
        for (RecordedEvent e : events.readStream(new StreamId(stream))) {
            store.inTransaction(tx -> tx.park(new DeadLetter(0, SUMMARIES, 0, e.position(), e.id(), e.stream().value(), e.type(), 3,
                    "boom " + marker, Instant.now())));
        }
    }

    /** A read-model document holding the marker. */
    static void readModel(ProjectionStore store, String collection, String id, String marker) {
        store.readModels().collection(collection, DocumentCodec.json()).put(id, "{\"secret\":\"" + marker + "\"}");
    }
}
