package dev.facta.store;

import dev.facta.FactaException;

/**
 * An append or delete named an expected version the stream was not at. {@code actual} is the
 * stream's last version when the check ran ({@code -1} when the stream has no events).
 */
public final class WrongExpectedVersionException extends FactaException {
    private final StreamId stream;
    private final ExpectedVersion expected;
    private final long actual;

    public WrongExpectedVersionException(StreamId stream, ExpectedVersion expected, long actual) {
        super("stream '" + stream + "' expected version " + expected + " but is at " + describe(actual));
        this.stream = stream;
        this.expected = expected;
        this.actual = actual;
    }

    private static String describe(long actual) {
        return actual < 0 ? "no_stream" : Long.toString(actual);
    }

    public StreamId stream() {
        return stream;
    }

    public ExpectedVersion expected() {
        return expected;
    }

    /** The stream's last version, {@code -1} when it has no events. */
    public long actual() {
        return actual;
    }
}
