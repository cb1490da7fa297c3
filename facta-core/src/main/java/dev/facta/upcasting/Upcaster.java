package dev.facta.upcasting;

import dev.facta.store.RecordedEvent;

import java.util.List;

/**
 * Turns a stored event of one type and schema revision into its next revision, on read. It may
 * change the data, rename the type, or split the event into several; each returned event must
 * carry a higher revision (see {@link Revisions#withRevision}). Stored events are never
 * rewritten: upcasting happens every time they are read.
 */
public interface Upcaster {

    /** The event type this upcaster reads. */
    String eventType();

    /** The schema revision it reads; events without a revision are revision 1. */
    int fromRevision();

    List<RecordedEvent> upcast(RecordedEvent event);
}
