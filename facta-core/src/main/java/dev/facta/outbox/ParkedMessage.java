package dev.facta.outbox;

import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.Documents;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A message the {@link OutboxRelay} holds back instead of publishing. The {@link Status#POISON}
 * message of a stream was refused by the destination on every attempt; every later message of the same
 * stream is {@link Status#HELD} behind it, so that no message overtakes it, while other streams keep
 * flowing. An operator releases the stream with {@link OutboxRelay#retryParked} or
 * {@link OutboxRelay#discardParked}. The event itself stays in the log; the entry records its position.
 *
 * @param attempts how often the destination refused it (0 for a held message that was never tried)
 * @param error    the last refusal (null for a held message)
 */
public record ParkedMessage(UUID eventId, String stream, long position, String eventType, Status status,
                            int attempts, String error, Instant parkedAt) {

    /** Why a message is parked. */
    public enum Status {
        /** Refused by the destination {@code maxAttempts} times; it blocks its stream. */
        POISON,
        /** Not sent because an earlier message of its stream is parked. */
        HELD
    }

    static final DocumentCodec<ParkedMessage> CODEC = new DocumentCodec<>() {
        @Override
        public String encode(ParkedMessage p) {
            StringBuilder sb = new StringBuilder(256).append('{');
            sb.append("\"eventId\":").append(Json.quote(p.eventId.toString()));
            sb.append(",\"stream\":").append(Json.quote(p.stream));
            sb.append(",\"position\":").append(p.position);
            sb.append(",\"eventType\":").append(Json.quote(p.eventType));
            sb.append(",\"status\":").append(Json.quote(p.status.name().toLowerCase(java.util.Locale.ROOT)));
            sb.append(",\"attempts\":").append(p.attempts);
            if (p.error != null) sb.append(",\"error\":").append(Json.quote(p.error));
            sb.append(",\"parkedAt\":").append(Json.quote(p.parkedAt.toString()));
            return sb.append('}').toString();
        }

        @Override
        public ParkedMessage decode(String json) {
            Map<String, Object> m = Documents.parse(json);
            return new ParkedMessage(UUID.fromString((String) m.get("eventId")), (String) m.get("stream"),
                    ((BigDecimal) m.get("position")).longValueExact(), (String) m.get("eventType"),
                    Status.valueOf(((String) m.get("status")).toUpperCase(java.util.Locale.ROOT)),
                    ((BigDecimal) m.get("attempts")).intValueExact(), (String) m.get("error"),
                    Instant.parse((String) m.get("parkedAt")));
        }
    };

    ParkedMessage asPoison(int attempts, String error, Instant at) {
        return new ParkedMessage(eventId, stream, position, eventType, Status.POISON, attempts, error, at);
    }
}
