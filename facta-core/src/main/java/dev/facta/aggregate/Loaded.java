package dev.facta.aggregate;

import dev.facta.store.StreamId;

/** An aggregate's state as loaded: the state and the version of the last event it reflects ({@code -1}: none). */
public record Loaded<S>(StreamId stream, S state, long version) {
    public boolean isNew() {
        return version < 0;
    }
}
