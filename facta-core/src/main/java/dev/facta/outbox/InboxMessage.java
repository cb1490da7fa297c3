package dev.facta.outbox;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.store.Metadata;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A message received from a broker or endpoint, on its way into an {@link Inbox}. The {@link #id()} is
 * what duplicates are recognized by: for messages a Facta relay sent, the event id.
 *
 * @param id          the message id (1 to 512 characters, no control characters)
 * @param destination where it arrived: the NATS subject, the RabbitMQ routing key, the webhook path
 * @param headers     the headers as received; {@link #header} looks them up ignoring case
 * @param payload     the body
 */
public record InboxMessage(String id, String destination, Map<String, String> headers, byte[] payload) {

    public InboxMessage {
        if (id == null || id.isEmpty()) throw new InvalidInputException("id", "a message has no id");
        dev.facta.readmodel.Documents.checkId(id); // 1-512 characters, no control characters
        Objects.requireNonNull(destination, "destination");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
        Objects.requireNonNull(payload, "payload");
    }

    /** A header's raw value, its name matched ignoring case; null when absent. */
    public String header(String name) {
        String v = headers.get(name);
        if (v != null) return v;
        for (var e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) return e.getValue();
        }
        return null;
    }

    /** A {@code Facta-*} header's value, decoded ({@link OutboxHeaders#decode}); null when absent. */
    public String factaHeader(String name) {
        return OutboxHeaders.decode(header(name));
    }

    /** The event type, when a Facta relay sent it. */
    public String type() {
        return factaHeader(OutboxHeaders.EVENT_TYPE);
    }

    /** The stream of the event, when a Facta relay sent it. */
    public String stream() {
        return factaHeader(OutboxHeaders.STREAM);
    }

    /** The event's version in its stream, or -1 when the header is absent. */
    public long streamVersion() {
        String v = header(OutboxHeaders.STREAM_VERSION);
        return v == null ? -1 : Long.parseLong(v.trim());
    }

    /** The event's metadata as the relay sent it: correlation and causation ids, tenant, other values, trace context. */
    public Metadata metadata() {
        Map<String, String> values = new LinkedHashMap<>();
        String json = factaHeader(OutboxHeaders.METADATA);
        if (json != null) Json.readFlatObject(json, "metadata", values::put);
        String traceparent = header(OutboxHeaders.TRACEPARENT);
        if (traceparent != null) values.put(OutboxHeaders.TRACEPARENT, OutboxHeaders.decode(traceparent));
        String tracestate = header(OutboxHeaders.TRACESTATE);
        if (tracestate != null) values.put(OutboxHeaders.TRACESTATE, OutboxHeaders.decode(tracestate));
        return new Metadata(factaHeader(OutboxHeaders.CORRELATION_ID), factaHeader(OutboxHeaders.CAUSATION_ID),
                factaHeader(OutboxHeaders.TENANT), values);
    }

    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "InboxMessage[" + id + " " + destination + (type() == null ? "" : " " + type()) + " "
                + payload.length + " bytes]";
    }
}
