package dev.facta.store;

import java.util.List;

/**
 * A page of the global log: events in ascending position, and the position to read from next.
 * {@code next} is past every position this read looked at, so a filtered read that matched
 * nothing still moves forward; {@code endOfLog} says the read reached the head.
 */
public record AllSlice(List<RecordedEvent> events, long next, boolean endOfLog) {
    public AllSlice {
        events = List.copyOf(events);
    }
}
