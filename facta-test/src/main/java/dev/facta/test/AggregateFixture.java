package dev.facta.test;

import dev.facta.aggregate.AggregateRoot;
import dev.facta.aggregate.Aggregates;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/**
 * Given/When/Then for an {@link AggregateRoot}: a fresh aggregate from the factory replays the
 * given events (as a repository does when loading), the action runs on it, and the events it
 * applied ({@link AggregateRoot#pendingEvents()}), or the exception that refused it, are checked.
 *
 * <pre>{@code
 * AggregateFixture.of(Order::new)
 *         .given(new OrderPlaced("o-1", "c-7"))
 *         .when(order -> order.addItem("apple", 2))
 *         .then(new ItemAdded("apple", 2));
 * }</pre>
 *
 * <p>Failures read as {@link DeciderFixture}'s do. Each {@code when} starts from a fresh aggregate.
 *
 * @param <A> the aggregate type
 * @param <E> its event type
 */
public final class AggregateFixture<A extends AggregateRoot<E>, E> {
    private final Supplier<A> factory;

    private AggregateFixture(Supplier<A> factory) {
        this.factory = factory;
    }

    /** {@code factory} makes a fresh aggregate, typically the constructor ({@code Order::new}). */
    public static <A extends AggregateRoot<E>, E> AggregateFixture<A, E> of(Supplier<A> factory) {
        if (factory == null) throw new IllegalArgumentException("factory must not be null");
        return new AggregateFixture<>(factory);
    }

    /** The events already stored for the aggregate, oldest first. */
    @SafeVarargs
    public final Given<A, E> given(E... events) {
        return given(Arrays.asList(events));
    }

    /** The events already stored for the aggregate, oldest first. */
    public Given<A, E> given(List<? extends E> events) {
        return new Given<>(factory, List.copyOf(events));
    }

    /** A new aggregate with no history. */
    public Given<A, E> givenNothing() {
        return given(List.of());
    }

    /** The history, ready for an action. */
    public static final class Given<A extends AggregateRoot<E>, E> {
        private final Supplier<A> factory;
        private final List<E> history;

        private Given(Supplier<A> factory, List<E> history) {
            this.factory = factory;
            this.history = history;
        }

        /** Runs {@code action} on the aggregate loaded from the given events; what it throws is kept for {@code thenError}. */
        public Then<A, E> when(Consumer<? super A> action) {
            A aggregate = factory.get();
            if (aggregate == null) throw new AssertionFailedError("Cannot set up the test: the factory returned null");
            try {
                Aggregates.replay(aggregate, history);
            } catch (Throwable t) {
                Outcome.rethrowIfFatal(t);
                throw new AssertionFailedError("Cannot set up the test: replaying the given events\n" + Diffs.plain(history)
                        + "failed with " + Diffs.describe(t), t);
            }
            String subject = "the action on " + Diffs.typeName(aggregate);
            Outcome<E> outcome;
            try {
                action.accept(aggregate);
                outcome = Outcome.events(subject, aggregate.pendingEvents());
            } catch (Throwable t) {
                Outcome.rethrowIfFatal(t);
                outcome = Outcome.failure(subject, t);
            }
            return new Then<>(aggregate, outcome);
        }
    }

    /** What the action applied, to be checked; each check returns this stage so checks chain. */
    public static final class Then<A extends AggregateRoot<E>, E> {
        private final A aggregate;
        private final Outcome<E> outcome;

        private Then(A aggregate, Outcome<E> outcome) {
            this.aggregate = aggregate;
            this.outcome = outcome;
        }

        /** The action applied exactly these events, in this order (compared with {@code equals}). */
        @SafeVarargs
        public final Then<A, E> then(E... expected) {
            return then(Arrays.asList(expected));
        }

        /** The action applied exactly these events, in this order (compared with {@code equals}). */
        public Then<A, E> then(List<? extends E> expected) {
            outcome.expectEvents(expected);
            return this;
        }

        /** The action was accepted and applied no events. */
        public Then<A, E> thenNothing() {
            outcome.expectNothing();
            return this;
        }

        /** The action was refused with an exception of this type (or a subtype). */
        public Then<A, E> thenError(Class<? extends Throwable> type) {
            outcome.expectError(type, null);
            return this;
        }

        /** The action was refused with an exception of this type whose message contains {@code messagePart}. */
        public Then<A, E> thenError(Class<? extends Throwable> type, String messagePart) {
            if (messagePart == null) throw new IllegalArgumentException("messagePart must not be null");
            outcome.expectError(type, messagePart);
            return this;
        }

        /** Checks the aggregate after the action, with the caller's own assertions. */
        public Then<A, E> thenState(Consumer<? super A> assertions) {
            outcome.expectSuccess("the aggregate's state");
            assertions.accept(aggregate);
            return this;
        }
    }
}
