package dev.facta.aggregate;

import dev.facta.store.StreamId;

import java.util.List;

/**
 * The outcome of a command that was handled: the events it appended (none when it decided
 * nothing), the state and version after them, and how many attempts it took.
 */
public record Handled<E, S>(StreamId stream, List<E> events, S state, long version, int attempts) {
    public Handled {
        events = List.copyOf(events);
    }
}
