package dev.facta.outbox;

import dev.facta.internal.Json;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One event of the log on its way to a broker or endpoint. Its {@link #id()} is the event's id, so a
 * message sent twice (after a crash between the broker's acknowledgement and the relay's checkpoint)
 * carries the same id both times: brokers that deduplicate use it, and an {@link Inbox} drops the
 * second copy.
 *
 * @param event   the event as recorded
 * @param headers the headers to send, by {@link OutboxHeaders} name, values already encoded
 */
public record OutboxMessage(RecordedEvent event, Map<String, String> headers) {

    public OutboxMessage {
        Objects.requireNonNull(event, "event");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
    }

    /** The message for an event, with the standard headers ({@link #headersOf}). */
    public static OutboxMessage of(RecordedEvent event) {
        return new OutboxMessage(event, headersOf(event));
    }

    /** The message id: the event id. */
    public UUID id() {
        return event.id();
    }

    /** The stream name, which keeps the order: messages of one stream are published in stream order. */
    public String stream() {
        return event.stream().value();
    }

    /** The stream's category (the part of its name before the first {@code -}). */
    public String category() {
        return event.stream().category();
    }

    public String type() {
        return event.type();
    }

    /** The body: the event's data as stored. */
    public byte[] payload() {
        return event.data();
    }

    /**
     * The standard headers of an event: id, stream, version, position, type, time, correlation and
     * causation ids, tenant, {@code traceparent}/{@code tracestate}, and the other metadata values as
     * one JSON header.
     */
    public static Map<String, String> headersOf(RecordedEvent e) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(OutboxHeaders.MESSAGE_ID, e.id().toString());
        h.put(OutboxHeaders.STREAM, OutboxHeaders.encode(e.stream().value()));
        h.put(OutboxHeaders.STREAM_VERSION, Long.toString(e.version()));
        h.put(OutboxHeaders.POSITION, Long.toString(e.position()));
        h.put(OutboxHeaders.EVENT_TYPE, OutboxHeaders.encode(e.type()));
        h.put(OutboxHeaders.RECORDED_AT, e.recordedAt().toString());
        Metadata m = e.metadata();
        if (m.correlationId() != null) h.put(OutboxHeaders.CORRELATION_ID, OutboxHeaders.encode(m.correlationId()));
        if (m.causationId() != null) h.put(OutboxHeaders.CAUSATION_ID, OutboxHeaders.encode(m.causationId()));
        if (m.tenant() != null) h.put(OutboxHeaders.TENANT, OutboxHeaders.encode(m.tenant()));
        Map<String, String> rest = new LinkedHashMap<>(m.values());
        String traceparent = rest.remove(OutboxHeaders.TRACEPARENT);
        String tracestate = rest.remove(OutboxHeaders.TRACESTATE);
        if (traceparent != null) h.put(OutboxHeaders.TRACEPARENT, OutboxHeaders.encode(traceparent));
        if (tracestate != null) h.put(OutboxHeaders.TRACESTATE, OutboxHeaders.encode(tracestate));
        if (!rest.isEmpty()) h.put(OutboxHeaders.METADATA, OutboxHeaders.encode(Json.writeFlatObject(rest)));
        return h;
    }

    @Override
    public String toString() {
        return "OutboxMessage[" + id() + " " + stream() + "@" + event.version() + " #" + event.position() + " " + type() + "]";
    }
}
