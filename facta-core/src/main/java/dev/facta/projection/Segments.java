package dev.facta.projection;

import dev.facta.InvalidInputException;
import dev.facta.store.StreamId;

import java.nio.charset.StandardCharsets;

/**
 * Which segment of a partitioned projection an event belongs to: a stable hash of its stream's
 * name (32-bit FNV-1a over the name's UTF-8 bytes) modulo the number of segments. Every event of a
 * stream lands in the same segment, so one worker sees a stream's events in order; the hash is the
 * same in every process and JVM, so processes sharing a projection agree on the split.
 */
public final class Segments {
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private Segments() {
    }

    /**
     * The segment of a stream, from 0 to {@code segments - 1}.
     *
     * @throws InvalidInputException {@code segments} is below 1
     */
    public static int of(StreamId stream, int segments) {
        if (segments < 1) throw new InvalidInputException("segments", "a projection has at least 1 segment: " + segments);
        if (segments == 1) return 0;
        return Integer.remainderUnsigned(hash(stream.value()), segments);
    }

    /** The 32-bit FNV-1a hash of the text's UTF-8 bytes. */
    static int hash(String text) {
        int h = FNV_OFFSET;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }
}
