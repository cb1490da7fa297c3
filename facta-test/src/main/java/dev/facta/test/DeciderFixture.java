package dev.facta.test;

import dev.facta.aggregate.Decider;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.opentest4j.AssertionFailedError;

/**
 * Given/When/Then for a {@link Decider}: the given events are evolved from the initial state, the
 * command is decided against that state, and the decided events (or the exception that refused
 * the command) are checked. No store and no repository are involved; each stage is immutable, so
 * a {@code Given} can be shared by several {@code when}s.
 *
 * <pre>{@code
 * DeciderFixture.of(new OrderDecider())
 *         .given(new OrderPlaced("o-1", "c-7"))
 *         .when(new AddItem("apple", 2))
 *         .then(new ItemAdded("apple", 2));
 * }</pre>
 *
 * <p>A mismatch throws {@link AssertionFailedError} whose message lists expected and actual
 * events, numbered, with the first difference marked and the differing record components named.
 *
 * @param <C> command type
 * @param <E> event type
 * @param <S> state type
 */
public final class DeciderFixture<C, E, S> {
    private final Decider<C, E, S> decider;

    private DeciderFixture(Decider<C, E, S> decider) {
        this.decider = decider;
    }

    public static <C, E, S> DeciderFixture<C, E, S> of(Decider<C, E, S> decider) {
        if (decider == null) throw new IllegalArgumentException("decider must not be null");
        return new DeciderFixture<>(decider);
    }

    /** The events that already happened, oldest first. */
    @SafeVarargs
    public final Given<C, E, S> given(E... events) {
        return given(Arrays.asList(events));
    }

    /** The events that already happened, oldest first. */
    public Given<C, E, S> given(List<? extends E> events) {
        return new Given<>(decider, List.copyOf(events));
    }

    /** No history: the command is decided against the initial state. */
    public Given<C, E, S> givenNothing() {
        return given(List.of());
    }

    /** The history, ready for a command. */
    public static final class Given<C, E, S> {
        private final Decider<C, E, S> decider;
        private final List<E> history;

        private Given(Decider<C, E, S> decider, List<E> history) {
            this.decider = decider;
            this.history = history;
        }

        /** Decides {@code command} against the state the given events lead to; what it throws is kept for {@code thenError}. */
        public Then<E, S> when(C command) {
            S state = decider.initialState();
            for (int i = 0; i < history.size(); i++) {
                try {
                    state = decider.evolve(state, history.get(i));
                } catch (Throwable t) {
                    Outcome.rethrowIfFatal(t);
                    throw new AssertionFailedError("Cannot set up the test: evolving given event #" + i + " "
                            + Diffs.show(history.get(i)) + " failed with " + Diffs.describe(t), t);
                }
            }
            String subject = "command " + Diffs.show(command);
            List<E> decided;
            try {
                decided = decider.decide(command, state);
            } catch (Throwable t) {
                Outcome.rethrowIfFatal(t);
                return new Then<>(decider, state, Outcome.failure(subject, t));
            }
            if (decided == null) {
                throw new AssertionFailedError("decide returned null for " + subject + "; return List.of() to decide nothing");
            }
            return new Then<>(decider, state, Outcome.events(subject, decided));
        }
    }

    /** What the command decided, to be checked; each check returns this stage so checks chain. */
    public static final class Then<E, S> {
        private final Decider<?, E, S> decider;
        private final S stateBefore;
        private final Outcome<E> outcome;

        private Then(Decider<?, E, S> decider, S stateBefore, Outcome<E> outcome) {
            this.decider = decider;
            this.stateBefore = stateBefore;
            this.outcome = outcome;
        }

        /** The command decided exactly these events, in this order (compared with {@code equals}). */
        @SafeVarargs
        public final Then<E, S> then(E... expected) {
            return then(Arrays.asList(expected));
        }

        /** The command decided exactly these events, in this order (compared with {@code equals}). */
        public Then<E, S> then(List<? extends E> expected) {
            outcome.expectEvents(expected);
            return this;
        }

        /** The command was accepted and decided no events. */
        public Then<E, S> thenNothing() {
            outcome.expectNothing();
            return this;
        }

        /** The command was refused with an exception of this type (or a subtype). */
        public Then<E, S> thenError(Class<? extends Throwable> type) {
            outcome.expectError(type, null);
            return this;
        }

        /** The command was refused with an exception of this type whose message contains {@code messagePart}. */
        public Then<E, S> thenError(Class<? extends Throwable> type, String messagePart) {
            if (messagePart == null) throw new IllegalArgumentException("messagePart must not be null");
            outcome.expectError(type, messagePart);
            return this;
        }

        /** Checks the state after the given and the decided events, with the caller's own assertions. */
        public Then<E, S> thenState(Consumer<? super S> assertions) {
            assertions.accept(stateAfter());
            return this;
        }

        /** The state after the given and the decided events equals {@code expected}. */
        public Then<E, S> thenState(S expected) {
            S actual = stateAfter();
            Diffs.value("State", expected, actual).ifPresent(message -> {
                throw new AssertionFailedError(message, expected, actual);
            });
            return this;
        }

        private S stateAfter() {
            outcome.expectSuccess("the state");
            S state = stateBefore;
            List<E> decided = outcome.events();
            for (int i = 0; i < decided.size(); i++) {
                try {
                    state = decider.evolve(state, decided.get(i));
                } catch (Throwable t) {
                    Outcome.rethrowIfFatal(t);
                    throw new AssertionFailedError("Evolving decided event #" + i + " " + Diffs.show(decided.get(i))
                            + " failed with " + Diffs.describe(t), t);
                }
            }
            return state;
        }
    }
}
