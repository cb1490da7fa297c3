package dev.facta.aggregate;

import java.util.List;

/** Helpers for working with aggregate roots outside a repository (tests, fixtures, tools). */
public final class Aggregates {
    private Aggregates() {
    }

    /**
     * Replays {@code events} into a fresh aggregate, as a repository does when loading: handlers
     * run, nothing becomes pending, and the version becomes the number of events minus one.
     */
    public static <E, A extends AggregateRoot<E>> A replay(A fresh, List<? extends E> events) {
        if (fresh.version() != -1 || !fresh.pendingEvents().isEmpty()) {
            throw new IllegalArgumentException("replay needs a fresh aggregate");
        }
        long v = -1;
        for (E e : events) fresh.replay(e, ++v);
        return fresh;
    }
}
