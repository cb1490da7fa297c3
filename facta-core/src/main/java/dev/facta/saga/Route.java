package dev.facta.saga;

import dev.facta.store.RecordedEvent;

import java.util.function.Function;

/**
 * How one event type reaches instances: it may start an instance (named by its id) when there is
 * none, and it may be handled by an existing instance (named by its id or by an association). When
 * it does both, an existing instance handles it and a missing one is started.
 */
record Route(String type, StartPart start, HandlePart handle) {

    /** Creates the state of a new instance from the decoded event. */
    @FunctionalInterface
    interface Start {
        Object start(Object event, ProcessContext context) throws Exception;
    }

    /** The new state of an existing instance after the decoded event. */
    @FunctionalInterface
    interface Handle {
        Object handle(Object state, Object event, ProcessContext context) throws Exception;
    }

    record StartPart(Function<RecordedEvent, Object> decode, Function<Object, String> key, Start start) {
    }

    /** {@code association} null: {@code key} gives the instance id itself. */
    record HandlePart(String association, Function<RecordedEvent, Object> decode, Function<Object, String> key,
                      Handle handle) {
    }
}
