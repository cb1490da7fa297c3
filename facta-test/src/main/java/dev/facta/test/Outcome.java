package dev.facta.test;

import java.util.ArrayList;
import java.util.List;
import org.opentest4j.AssertionFailedError;

/**
 * What a command (or an aggregate action) did: the events it produced, or the exception it threw.
 * Shared by both fixtures so their failures read the same.
 */
final class Outcome<E> {
    private final String subject;
    private final List<E> events;
    private final Throwable failure;

    private Outcome(String subject, List<E> events, Throwable failure) {
        this.subject = subject;
        this.events = events;
        this.failure = failure;
    }

    static <E> Outcome<E> events(String subject, List<? extends E> events) {
        return new Outcome<>(subject, new ArrayList<>(events), null);
    }

    static <E> Outcome<E> failure(String subject, Throwable failure) {
        return new Outcome<>(subject, null, failure);
    }

    /** Runs user code, keeping what it throws; errors the JVM cannot recover from pass through. */
    static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError v) throw v;
    }

    boolean failed() {
        return failure != null;
    }

    List<E> events() {
        return events;
    }

    void expectEvents(List<?> expected) {
        if (failure != null) {
            throw error("Expected " + subject + " to produce these events:\n" + Diffs.plain(expected)
                    + "but it failed with " + Diffs.describe(failure), failure);
        }
        Diffs.events(expected, events).ifPresent(message -> {
            throw error(message, Diffs.plain(expected), Diffs.plain(events));
        });
    }

    void expectNothing() {
        if (failure != null) {
            throw error("Expected " + subject + " to produce no events but it failed with "
                    + Diffs.describe(failure), failure);
        }
        if (!events.isEmpty()) {
            throw error("Expected " + subject + " to produce no events but it produced "
                    + count(events.size()) + ":\n" + Diffs.listing(events, 0), Diffs.plain(List.of()), Diffs.plain(events));
        }
    }

    void expectError(Class<? extends Throwable> type, String messagePart) {
        if (type == null) throw new IllegalArgumentException("the expected error type must not be null");
        String wanted = type.getSimpleName() + (messagePart == null ? "" : " with a message containing \"" + messagePart + "\"");
        if (failure == null) {
            throw error("Expected " + subject + " to fail with " + wanted + " but it succeeded and produced "
                    + (events.isEmpty() ? "no events" : count(events.size()) + ":\n" + Diffs.plain(events)));
        }
        if (!type.isInstance(failure)) {
            throw error("Expected " + subject + " to fail with " + wanted + " but it failed with "
                    + Diffs.describe(failure), failure);
        }
        if (messagePart != null && (failure.getMessage() == null || !failure.getMessage().contains(messagePart))) {
            throw error("Expected " + subject + " to fail with " + wanted + " but the message was "
                    + Diffs.show(failure.getMessage()), messagePart, failure.getMessage(), failure);
        }
    }

    void expectSuccess(String forWhat) {
        if (failure != null) {
            throw error("Cannot check " + forWhat + ": " + subject + " failed with "
                    + Diffs.describe(failure), failure);
        }
    }

    private static String count(int n) {
        return n == 1 ? "1 event" : n + " events";
    }

    // Messages end without a trailing newline, however their last listing ends.
    private static AssertionFailedError error(String message) {
        return new AssertionFailedError(message.stripTrailing());
    }

    private static AssertionFailedError error(String message, Throwable cause) {
        return new AssertionFailedError(message.stripTrailing(), cause);
    }

    private static AssertionFailedError error(String message, Object expected, Object actual) {
        return new AssertionFailedError(message.stripTrailing(), expected, actual);
    }

    private static AssertionFailedError error(String message, Object expected, Object actual, Throwable cause) {
        return new AssertionFailedError(message.stripTrailing(), expected, actual, cause);
    }
}
