package dev.facta.store;

import dev.facta.internal.Uuids;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * An event to append: its id (a UUIDv7 when none is given), its type name, its data as UTF-8
 * JSON, and its metadata. The id makes retries idempotent: re-sending an append whose events
 * were already written does not write them twice.
 */
public record EventData(UUID id, String type, byte[] data, Metadata metadata) {

    public EventData {
        if (id == null) {
            id = Uuids.v7();
        }
        if (metadata == null) {
            metadata = Metadata.empty();
        }
        // type and data are checked by the store, which refuses the whole batch with a typed error
    }

    public static EventData of(String type, String json) {
        return new EventData(null, type, json == null ? null : json.getBytes(StandardCharsets.UTF_8), Metadata.empty());
    }

    public static EventData of(String type, String json, Metadata metadata) {
        return new EventData(null, type, json == null ? null : json.getBytes(StandardCharsets.UTF_8), metadata);
    }

    public static EventData of(UUID id, String type, String json, Metadata metadata) {
        return new EventData(id, type, json == null ? null : json.getBytes(StandardCharsets.UTF_8), metadata);
    }

    public EventData withMetadata(Metadata m) {
        return new EventData(id, type, data, m);
    }

    public String dataAsString() {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventData other
                && id.equals(other.id)
                && Objects.equals(type, other.type)
                && java.util.Arrays.equals(data, other.data)
                && metadata.equals(other.metadata);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "EventData[id=" + id + ", type=" + type + ", data=" + dataAsString() + ", metadata=" + metadata + "]";
    }
}
