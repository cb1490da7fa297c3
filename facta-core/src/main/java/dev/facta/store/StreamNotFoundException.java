package dev.facta.store;

import dev.facta.FactaException;

/** The stream has never had an event. */
public final class StreamNotFoundException extends FactaException {
    private final StreamId stream;

    public StreamNotFoundException(StreamId stream) {
        super("stream '" + stream + "' not found");
        this.stream = stream;
    }

    public StreamId stream() {
        return stream;
    }
}
