package dev.facta.store;

import dev.facta.FactaException;

/** The stream was soft-deleted: it can no longer be read by name nor appended to. */
public final class StreamDeletedException extends FactaException {
    private final StreamId stream;

    public StreamDeletedException(StreamId stream) {
        super("stream '" + stream + "' is deleted");
        this.stream = stream;
    }

    public StreamId stream() {
        return stream;
    }
}
