package dev.facta.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

/**
 * An event as the store keeps it: its place in its stream ({@code version}, from 0) and in the
 * global log ({@code position}, from 1, dense and strictly increasing in commit order), and the
 * time it was recorded.
 */
public record RecordedEvent(UUID id, StreamId stream, long version, long position, String type,
                            byte[] data, Metadata metadata, Instant recordedAt) {

    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }

    public String category() {
        return stream.category();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordedEvent other
                && id.equals(other.id)
                && stream.equals(other.stream)
                && version == other.version
                && position == other.position
                && type.equals(other.type)
                && Arrays.equals(data, other.data)
                && metadata.equals(other.metadata)
                && recordedAt.equals(other.recordedAt);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "RecordedEvent[" + stream + "@" + version + " #" + position + " " + type + " " + dataAsString() + "]";
    }
}
