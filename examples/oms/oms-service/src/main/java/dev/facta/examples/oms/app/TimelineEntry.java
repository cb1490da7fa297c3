package dev.facta.examples.oms.app;

import java.time.Instant;

/** One event of an order's audit trail; {@code data} is the event's JSON. */
public record TimelineEntry(long version, long position, String type, Instant at, String data, String correlationId,
                            String causationId) {
}
