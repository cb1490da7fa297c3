package dev.facta.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.opentest4j.AssertionFailedError;

/**
 * Compares event lists with a readable diff: both lists one event per line, numbered, the first
 * differing index marked, and for records the components that differ
 * ({@code quantity: expected=2 actual=3}). Events are compared with {@code equals}, in order.
 */
public final class EventAssertions {
    private EventAssertions() {
    }

    /** Fails with {@link AssertionFailedError} unless {@code actual} equals {@code expected}, element by element. */
    public static void assertEvents(List<?> expected, List<?> actual) {
        List<?> e = copy(expected, "expected");
        List<?> a = copy(actual, "actual");
        Diffs.events(e, a).ifPresent(message -> {
            throw new AssertionFailedError(message, Diffs.plain(e), Diffs.plain(a));
        });
    }

    /** The text {@link #assertEvents} would fail with, or empty when the lists are equal. */
    public static Optional<String> difference(List<?> expected, List<?> actual) {
        return Diffs.events(copy(expected, "expected"), copy(actual, "actual"));
    }

    // A snapshot that tolerates null elements: a null event is a bug worth showing, not an NPE.
    private static List<?> copy(List<?> events, String which) {
        if (events == null) throw new IllegalArgumentException(which + " events must not be null (use List.of())");
        return new ArrayList<>(events);
    }
}
