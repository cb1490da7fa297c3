package dev.facta.aggregate.snapshot;

import dev.facta.store.StreamId;

import java.time.Instant;

/**
 * An aggregate's state after event {@code version} of its stream, encoded, with the schema
 * version of the state's shape when it was taken: a snapshot of another schema version is
 * ignored and the aggregate is replayed in full.
 */
public record Snapshot(StreamId stream, long version, int schemaVersion, byte[] state, Instant takenAt) {
}
