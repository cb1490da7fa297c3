package dev.facta.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.facta.aggregate.Decider;
import dev.facta.aggregate.DomainRuleViolation;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The fixture itself: every wrong expectation must fail, with a message that says why. */
class DeciderFixtureTest {

    sealed interface Event {
    }

    record Deposited(int amount) implements Event {
    }

    record Withdrawn(int amount) implements Event {
    }

    sealed interface Command {
    }

    record Deposit(int amount) implements Command {
    }

    record Withdraw(int amount) implements Command {
    }

    record Account(int balance) {
    }

    /** A tiny account: deposits must be positive, withdrawals must be covered; withdrawing 0 decides nothing. */
    static final Decider<Command, Event, Account> ACCOUNT = Decider.of(
            () -> new Account(0),
            (command, state) -> switch (command) {
                case Deposit d -> {
                    if (d.amount() <= 0) throw new DomainRuleViolation("deposit must be positive");
                    yield List.of(new Deposited(d.amount()));
                }
                case Withdraw w -> {
                    if (w.amount() > state.balance()) throw new DomainRuleViolation("insufficient funds: balance " + state.balance());
                    yield w.amount() == 0 ? List.of() : List.of(new Withdrawn(w.amount()));
                }
            },
            (state, event) -> switch (event) {
                case Deposited d -> new Account(state.balance() + d.amount());
                case Withdrawn w -> new Account(state.balance() - w.amount());
            });

    private final DeciderFixture<Command, Event, Account> account = DeciderFixture.of(ACCOUNT);

    private static AssertionFailedError failureOf(ThrowingCallable check) {
        AssertionFailedError e = catchThrowableOfType(AssertionFailedError.class, check);
        assertThat(e).as("the fixture should have failed").isNotNull();
        return e;
    }

    @Nested
    class WhenExpectationsHold {
        @Test
        void matching_events_errors_and_states_pass() {
            assertThatCode(() -> {
                account.given(new Deposited(10)).when(new Withdraw(4)).then(new Withdrawn(4)).thenState(new Account(6));
                account.given(List.of(new Deposited(10))).when(new Withdraw(0)).thenNothing().thenState(new Account(10));
                account.givenNothing().when(new Withdraw(1)).thenError(DomainRuleViolation.class);
                account.givenNothing().when(new Withdraw(1)).thenError(RuntimeException.class, "balance 0");
                account.givenNothing().when(new Deposit(5)).thenState(s -> assertThat(s.balance()).isEqualTo(5));
            }).doesNotThrowAnyException();
        }

        @Test
        void one_given_can_be_shared_by_several_commands() {
            var funded = account.given(new Deposited(10));
            funded.when(new Withdraw(10)).then(new Withdrawn(10));
            funded.when(new Withdraw(11)).thenError(DomainRuleViolation.class, "balance 10");
        }
    }

    @Nested
    class WhenExpectationsAreWrong {
        @Test
        void wrong_events_fail_with_the_diff() {
            AssertionFailedError e = failureOf(() -> account.given(new Deposited(10)).when(new Withdraw(4)).then(new Withdrawn(5)));

            assertThat(e).hasMessage("""
                    Events differ at #0 (expected 1 event, actual 1 event)
                    expected:
                      > #0 Withdrawn[amount=5]
                    actual:
                      > #0 Withdrawn[amount=4]
                    #0 Withdrawn differs in:
                        amount: expected=5 actual=4""");
        }

        @Test
        void expecting_nothing_when_events_were_decided_fails_and_lists_them() {
            assertThat(failureOf(() -> account.givenNothing().when(new Deposit(3)).thenNothing()))
                    .hasMessage("""
                            Expected command Deposit[amount=3] to produce no events but it produced 1 event:
                              > #0 Deposited[amount=3]""");
        }

        @Test
        void expecting_events_when_the_command_was_refused_fails_and_shows_the_exception() {
            AssertionFailedError e = failureOf(() -> account.givenNothing().when(new Withdraw(1)).then(new Withdrawn(1)));

            assertThat(e).hasMessageStartingWith("""
                    Expected command Withdraw[amount=1] to produce these events:
                        #0 Withdrawn[amount=1]
                    but it failed with dev.facta.aggregate.DomainRuleViolation: insufficient funds: balance 0
                        at """);
            assertThat(e).hasCauseInstanceOf(DomainRuleViolation.class);
        }

        @Test
        void expecting_nothing_when_the_command_was_refused_fails_and_shows_the_exception() {
            assertThat(failureOf(() -> account.givenNothing().when(new Deposit(0)).thenNothing()))
                    .hasMessageContaining("to produce no events but it failed with dev.facta.aggregate.DomainRuleViolation: deposit must be positive")
                    .hasCauseInstanceOf(DomainRuleViolation.class);
        }

        @Test
        void expecting_an_error_when_events_were_decided_fails_and_shows_the_events() {
            assertThat(failureOf(() -> account.givenNothing().when(new Deposit(3)).thenError(DomainRuleViolation.class)))
                    .hasMessage("""
                            Expected command Deposit[amount=3] to fail with DomainRuleViolation but it succeeded and produced 1 event:
                                #0 Deposited[amount=3]""");
        }

        @Test
        void expecting_an_error_when_nothing_was_decided_says_so() {
            assertThat(failureOf(() -> account.givenNothing().when(new Withdraw(0)).thenError(DomainRuleViolation.class)))
                    .hasMessage("Expected command Withdraw[amount=0] to fail with DomainRuleViolation but it succeeded and produced no events");
        }

        @Test
        void an_error_of_another_type_fails() {
            assertThat(failureOf(() -> account.givenNothing().when(new Withdraw(1)).thenError(IllegalArgumentException.class)))
                    .hasMessageStartingWith("Expected command Withdraw[amount=1] to fail with IllegalArgumentException"
                            + " but it failed with dev.facta.aggregate.DomainRuleViolation: insufficient funds: balance 0");
        }

        @Test
        void an_error_with_another_message_fails_and_shows_the_message() {
            assertThat(failureOf(() -> account.givenNothing().when(new Withdraw(1)).thenError(DomainRuleViolation.class, "overdrawn")))
                    .hasMessage("Expected command Withdraw[amount=1] to fail with DomainRuleViolation with a message containing"
                            + " \"overdrawn\" but the message was \"insufficient funds: balance 0\"");
        }

        @Test
        void a_wrong_state_fails_and_names_the_differing_component() {
            assertThat(failureOf(() -> account.given(new Deposited(10)).when(new Deposit(5)).thenState(new Account(14))))
                    .hasMessage("""
                            State differs
                            expected: Account[balance=14]
                            actual:   Account[balance=15]
                            differing components:
                                balance: expected=14 actual=15""");
        }

        @Test
        void the_state_cannot_be_checked_after_a_refused_command() {
            assertThat(failureOf(() -> account.givenNothing().when(new Withdraw(1)).thenState(s -> { })))
                    .hasMessageStartingWith("Cannot check the state: command Withdraw[amount=1] failed with"
                            + " dev.facta.aggregate.DomainRuleViolation: insufficient funds");
        }

        @Test
        void a_failing_state_assertion_propagates() {
            assertThatThrownBy(() -> account.givenNothing().when(new Deposit(5)).thenState(s -> assertThat(s.balance()).isEqualTo(6)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("6");
        }

        @Test
        void a_given_event_the_decider_cannot_evolve_fails_the_setup() {
            Decider<Command, Event, Account> broken = Decider.of(() -> new Account(0), (c, s) -> List.of(),
                    (s, e) -> { throw new IllegalStateException("no evolve for " + e); });

            assertThat(failureOf(() -> DeciderFixture.of(broken).given(new Deposited(1)).when(new Deposit(1))))
                    .hasMessageStartingWith("Cannot set up the test: evolving given event #0 Deposited[amount=1] failed with"
                            + " java.lang.IllegalStateException: no evolve for Deposited[amount=1]");
        }
    }
}
