package dev.facta.upcasting;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.nio.charset.StandardCharsets;

/**
 * An event's schema revision lives in its metadata under {@value #KEY}; an event without one is
 * revision 1. Write new events with {@link #stamp} when their type has more than one revision.
 */
public final class Revisions {
    public static final String KEY = "facta.revision";

    private Revisions() {
    }

    public static int of(RecordedEvent e) {
        return of(e.metadata());
    }

    public static int of(Metadata m) {
        String r = m.values().get(KEY);
        if (r == null) return 1;
        try {
            return Integer.parseInt(r);
        } catch (NumberFormatException ex) {
            throw new InvalidInputException("metadata." + KEY, "event revision must be a number, got '" + r + "'");
        }
    }

    /** Event data stamped with a schema revision, for appending. */
    public static EventData stamp(EventData e, int revision) {
        return e.withMetadata(e.metadata().with(KEY, Integer.toString(revision)));
    }

    /** A copy of a read event with a new type, data and revision, keeping its place in the log. */
    public static RecordedEvent withRevision(RecordedEvent e, String type, String json, int revision) {
        return new RecordedEvent(e.id(), e.stream(), e.version(), e.position(), type,
                json.getBytes(StandardCharsets.UTF_8), e.metadata().with(KEY, Integer.toString(revision)), e.recordedAt());
    }
}
