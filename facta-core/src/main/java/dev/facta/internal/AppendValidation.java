package dev.facta.internal;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.EventTooLargeException;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StoreLimits;
import dev.facta.store.StreamId;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a whole append before anything is written; the first problem refuses the batch. */
public final class AppendValidation {
    public static final int MAX_TYPE_LENGTH = 256;

    private AppendValidation() {
    }

    public static PreparedAppend prepare(StreamId stream, ExpectedVersion expected, List<EventData> events, StoreLimits limits) {
        if (stream == null) {
            throw new InvalidInputException("stream", "stream is missing");
        }
        if (expected == null) {
            throw new InvalidInputException("expectedVersion", "expected version is missing");
        }
        if (events == null || events.isEmpty()) {
            throw new InvalidInputException("events", "an append needs at least one event");
        }
        if (events.size() > limits.maxEventsPerAppend()) {
            throw new InvalidInputException("events", "an append holds at most " + limits.maxEventsPerAppend()
                    + " events, got " + events.size());
        }
        List<PreparedEvent> prepared = new ArrayList<>(events.size());
        Set<java.util.UUID> ids = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String field = "events[" + i + "]";
            EventData e = events.get(i);
            if (e == null) {
                throw new InvalidInputException(field, field + " is null");
            }
            checkType(e.type(), field + ".type");
            if (e.data() == null) {
                throw new InvalidInputException(field + ".data", field + ".data is missing");
            }
            String metadataJson = MetadataCodec.toJson(e.metadata());
            long size = (long) e.data().length + metadataJson.getBytes(StandardCharsets.UTF_8).length;
            if (size > limits.maxEventBytes()) {
                throw new EventTooLargeException(field, size, limits.maxEventBytes());
            }
            String data = Json.utf8(e.data(), field + ".data");
            if (data.indexOf('\u0000') >= 0) {
                throw new InvalidInputException(field + ".data", field + ".data contains a NUL character");
            }
            Json.validate(data, limits.maxJsonDepth(), field + ".data");
            if (metadataJson.indexOf('\u0000') >= 0 || metadataJson.contains("\\u0000")) {
                throw new InvalidInputException(field + ".metadata", field + ".metadata contains a NUL character");
            }
            if (!ids.add(e.id())) {
                throw new InvalidInputException(field + ".id", "event id " + e.id() + " appears twice in one append");
            }
            prepared.add(new PreparedEvent(e.id(), e.type(), data, e.metadata(), metadataJson));
        }
        return new PreparedAppend(stream, expected, List.copyOf(prepared));
    }

    public static void checkType(String type, String field) {
        if (type == null || type.isBlank()) {
            throw new InvalidInputException(field, field + " is missing");
        }
        if (type.length() > MAX_TYPE_LENGTH) {
            throw new InvalidInputException(field, field + " is longer than " + MAX_TYPE_LENGTH + " characters");
        }
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                throw new InvalidInputException(field, field + " must not contain whitespace or control characters");
            }
        }
    }

    public static void checkPosition(long position) {
        if (position < 0) {
            throw new InvalidInputException("from", "position must be >= 0, got " + position);
        }
    }

    public static void checkVersion(long version) {
        if (version < 0) {
            throw new InvalidInputException("from", "version must be >= 0, got " + version);
        }
    }

    public static int checkCount(int maxCount) {
        if (maxCount < 0) {
            throw new InvalidInputException("limit", "limit must be >= 0, got " + maxCount);
        }
        return Math.min(maxCount, dev.facta.store.EventStore.MAX_READ);
    }
}
