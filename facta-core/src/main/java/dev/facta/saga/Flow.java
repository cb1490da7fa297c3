package dev.facta.saga;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.EventFilter;

import java.util.Map;

/**
 * What the runtime needs of a process manager or a saga definition: its name and collections, the
 * events it handles by type, and the codec of its state. Exactly one of {@code process} and
 * {@code saga} is set.
 */
record Flow(String name, Names names, Map<String, Route> routes, EventFilter filter, DocumentCodec<Object> codec,
            ProcessManager<?> process, Saga<?> saga) {

    boolean isSaga() {
        return saga != null;
    }

    boolean eventDriven() {
        return !routes.isEmpty();
    }
}
