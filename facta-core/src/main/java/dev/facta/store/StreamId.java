package dev.facta.store;

import dev.facta.InvalidInputException;

/**
 * The name of an event stream. By convention the part before the first {@code -} is its
 * category: {@code order-123} belongs to category {@code order}; a name without {@code -} is
 * its own category.
 *
 * <p>Names are 1 to {@value #MAX_LENGTH} characters, contain no control characters, and do
 * not start or end with whitespace.
 */
public record StreamId(String value) implements Comparable<StreamId> {
    public static final int MAX_LENGTH = 256;

    public StreamId {
        if (value == null || value.isEmpty()) {
            throw new InvalidInputException("stream", "stream name must not be empty");
        }
        if (value.length() > MAX_LENGTH) {
            throw new InvalidInputException("stream", "stream name is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new InvalidInputException("stream",
                        "stream name contains the control character U+" + String.format("%04X", (int) c) + " at index " + i);
            }
            if (Character.isSurrogate(c) && !validSurrogate(value, i)) {
                throw new InvalidInputException("stream", "stream name contains an unpaired surrogate at index " + i);
            }
        }
        if (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))) {
            throw new InvalidInputException("stream", "stream name must not start or end with whitespace");
        }
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    public static StreamId of(String value) {
        return new StreamId(value);
    }

    /** {@code category-id}, e.g. {@code StreamId.of("order", "123")} is {@code order-123}. */
    public static StreamId of(String category, Object id) {
        return new StreamId(category + "-" + id);
    }

    /** The part before the first {@code -}, or the whole name when there is none. */
    public String category() {
        return categoryOf(value);
    }

    /** The category of a raw stream name, by the same rule as {@link #category()}. */
    public static String categoryOf(String streamName) {
        int dash = streamName.indexOf('-');
        return dash <= 0 ? streamName : streamName.substring(0, dash);
    }

    @Override
    public int compareTo(StreamId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
