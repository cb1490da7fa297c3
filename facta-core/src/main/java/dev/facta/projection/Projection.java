package dev.facta.projection;

import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.util.List;
import java.util.Set;

/**
 * Turns events into a read model. The engine hands it the events that pass {@link #filter()} in
 * global-log order (and so in order within every stream), in batches, each batch inside one
 * transaction of the {@link ProjectionStore} that also records the projection's checkpoint: the
 * read model and the checkpoint change together or not at all.
 *
 * <p>A projection keeps no state of its own between calls; everything it derives goes through the
 * context (documents, or the store's own connection for plain SQL). When an event throws, the
 * batch is rolled back, the events before it are applied again and committed, and the event is
 * retried with backoff; after the configured number of attempts it is parked as a dead letter.
 *
 * <p>Changing what a projection computes means a new {@link #version()}: the new version builds
 * its own collections beside the old one's and takes over once it has caught up (blue-green).
 */
public interface Projection {

    /** Stable name: lower-case letters, digits, '-' and '_'; the key of its checkpoints. */
    String name();

    /** The version of what it computes; a new version rebuilds beside the old one. */
    default int version() {
        return 1;
    }

    /** Which events it wants; the others never reach it (but its checkpoint moves past them). */
    default EventFilter filter() {
        return EventFilter.all();
    }

    /**
     * The document collections it owns (names before versioning). A rebuild clears them, and
     * {@link ProjectionContext#collection} accepts only these.
     */
    default Set<String> collections() {
        return Set.of();
    }

    /** Applies one event. Throwing fails this event. */
    void apply(RecordedEvent event, ProjectionContext context) throws Exception;

    /**
     * Applies a batch, in order. Override to load what the batch needs in one round trip
     * ({@link dev.facta.readmodel.DocumentCollection#getMany}) before applying it.
     */
    default void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        for (RecordedEvent e : events) apply(e, context);
    }

    /**
     * Removes what this projection built, before a rebuild from the start. The default clears its
     * {@link #collections()}; plain-SQL projections delete from their own tables here.
     */
    default void reset(ProjectionContext context) throws Exception {
        for (String c : collections()) context.collection(c, dev.facta.readmodel.DocumentCodec.json()).clear();
    }
}
