package dev.facta.store;

import dev.facta.InvalidInputException;

/**
 * What an append or delete expects of the stream: anything, that it has no events, that it has
 * some, or that its last event has exactly a given version (versions start at 0).
 */
public sealed interface ExpectedVersion {

    /** No check at all. */
    record Any() implements ExpectedVersion {
        @Override
        public String toString() {
            return "any";
        }
    }

    /** The stream must have no events yet. */
    record NoStream() implements ExpectedVersion {
        @Override
        public String toString() {
            return "no_stream";
        }
    }

    /** The stream must have at least one event. */
    record StreamExists() implements ExpectedVersion {
        @Override
        public String toString() {
            return "stream_exists";
        }
    }

    /** The stream's last event must have this version. */
    record Exact(long version) implements ExpectedVersion {
        public Exact {
            if (version < 0) {
                throw new InvalidInputException("expectedVersion", "an exact expected version must be >= 0, got " + version);
            }
        }

        @Override
        public String toString() {
            return Long.toString(version);
        }
    }

    ExpectedVersion ANY = new Any();
    ExpectedVersion NO_STREAM = new NoStream();
    ExpectedVersion STREAM_EXISTS = new StreamExists();

    static ExpectedVersion any() {
        return ANY;
    }

    static ExpectedVersion noStream() {
        return NO_STREAM;
    }

    static ExpectedVersion streamExists() {
        return STREAM_EXISTS;
    }

    static ExpectedVersion exactly(long version) {
        return new Exact(version);
    }

    /** Parses {@code any}, {@code no_stream}, {@code stream_exists} or a version number. */
    static ExpectedVersion parse(String text) {
        if (text == null) {
            throw new InvalidInputException("expectedVersion", "expected version is missing");
        }
        String t = text.trim();
        return switch (t) {
            case "any" -> ANY;
            case "no_stream" -> NO_STREAM;
            case "stream_exists" -> STREAM_EXISTS;
            default -> {
                try {
                    yield exactly(Long.parseLong(t));
                } catch (NumberFormatException e) {
                    throw new InvalidInputException("expectedVersion",
                            "expected version must be any, no_stream, stream_exists or a number >= 0, got '" + text + "'");
                }
            }
        };
    }

    /** Whether a stream whose last version is {@code current} ({@code -1}: no events) satisfies this. */
    default boolean matches(long current) {
        return switch (this) {
            case Any a -> true;
            case NoStream n -> current < 0;
            case StreamExists s -> current >= 0;
            case Exact e -> e.version() == current;
        };
    }
}
