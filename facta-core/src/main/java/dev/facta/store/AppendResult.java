package dev.facta.store;

/**
 * The outcome of a successful append: the version to expect for the next append to the stream
 * (the version of the last event written) and the global positions of the first and last event.
 */
public record AppendResult(StreamId stream, long nextExpectedVersion, long firstPosition, long lastPosition) {
    public AppendResult {
        if (nextExpectedVersion < 0 || firstPosition < 1 || lastPosition < firstPosition) {
            throw new IllegalArgumentException("inconsistent append result: version " + nextExpectedVersion
                    + ", positions " + firstPosition + ".." + lastPosition);
        }
    }

    /** The global position of the last event written. */
    public long position() {
        return lastPosition;
    }
}
