package dev.facta.aggregate;

import java.util.List;

/**
 * Domain logic as three plain functions: what a command decides given the current state, how
 * each event changes the state, and the state before any event. Commands, events and state are
 * the application's own types (typically a sealed interface of records for the events, handled
 * with an exhaustive {@code switch}); nothing here depends on a store.
 *
 * <p>{@code decide} must not change anything: it returns the events to append, or throws to
 * refuse the command (nothing is then written). {@code evolve} must be a pure function of its
 * arguments, since it is replayed on every load.
 *
 * @param <C> command type
 * @param <E> event type
 * @param <S> state type
 */
public interface Decider<C, E, S> {

    S initialState();

    List<E> decide(C command, S state);

    S evolve(S state, E event);

    /** The state after the given events, from the initial state. */
    default S replay(Iterable<? extends E> events) {
        S state = initialState();
        for (E e : events) state = evolve(state, e);
        return state;
    }

    /** Builds a decider from three functions. */
    static <C, E, S> Decider<C, E, S> of(java.util.function.Supplier<S> initialState,
                                         java.util.function.BiFunction<C, S, List<E>> decide,
                                         java.util.function.BiFunction<S, E, S> evolve) {
        return new Decider<>() {
            @Override
            public S initialState() {
                return initialState.get();
            }

            @Override
            public List<E> decide(C command, S state) {
                return decide.apply(command, state);
            }

            @Override
            public S evolve(S state, E event) {
                return evolve.apply(state, event);
            }
        };
    }
}
