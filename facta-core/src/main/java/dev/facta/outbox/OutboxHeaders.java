package dev.facta.outbox;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The header names every Facta publisher puts on a message, the same on NATS, RabbitMQ and
 * webhooks, and the encoding of their values.
 *
 * <p>Values of {@code Facta-*} headers are printable ASCII: every character outside {@code 0x20..0x7E},
 * and {@code %} itself, is written as {@code %HH} escapes of its UTF-8 bytes (so {@code order-ä} is
 * {@code order-%C3%A4}). {@link #decode} reverses it; {@link InboxMessage} does that for its readers.
 * {@code traceparent} and {@code tracestate} are W3C trace-context headers, passed as they are.
 */
public final class OutboxHeaders {
    /** The message id: the event's id. Consumers drop duplicates by it ({@link Inbox}). */
    public static final String MESSAGE_ID = "Facta-Message-Id";
    /** The stream the event belongs to. */
    public static final String STREAM = "Facta-Stream";
    /** The event's version in its stream (from 0). */
    public static final String STREAM_VERSION = "Facta-Stream-Version";
    /** The event's position in the global log. */
    public static final String POSITION = "Facta-Position";
    /** The event type. */
    public static final String EVENT_TYPE = "Facta-Event-Type";
    /** When the event was recorded, ISO-8601 in UTC. */
    public static final String RECORDED_AT = "Facta-Recorded-At";
    public static final String CORRELATION_ID = "Facta-Correlation-Id";
    public static final String CAUSATION_ID = "Facta-Causation-Id";
    public static final String TENANT = "Facta-Tenant";
    /** The event's other metadata values as one flat JSON object of strings (absent when there are none). */
    public static final String METADATA = "Facta-Metadata";
    /** W3C trace context, taken from the event's metadata value of the same name. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private OutboxHeaders() {
    }

    /** Escapes a value into printable ASCII (see the class comment). */
    public static String encode(String value) {
        boolean plain = true;
        for (int i = 0; i < value.length() && plain; i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c <= 0x7E && c != '%';
        }
        if (plain) return value;
        StringBuilder sb = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            i += Character.charCount(cp);
            if (cp >= 0x20 && cp <= 0x7E && cp != '%') {
                sb.append((char) cp);
            } else {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sb.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
            }
        }
        return sb.toString();
    }

    /**
     * Reverses {@link #encode}. A {@code %} not followed by two hex digits is kept as it is, so values
     * written by other producers come through unchanged.
     */
    public static String decode(String value) {
        if (value == null || value.indexOf('%') < 0) return value;
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); ) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && hex(value.charAt(i + 1)) >= 0
                    && hex(value.charAt(i + 2)) >= 0) {
                out.write(hex(value.charAt(i + 1)) * 16 + hex(value.charAt(i + 2)));
                i += 3;
            } else {
                int cp = value.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }
}
