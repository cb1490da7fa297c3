package dev.facta.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.facta.aggregate.AggregateRoot;
import dev.facta.aggregate.DomainRuleViolation;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The fixture itself: every wrong expectation must fail, with a message that says why. */
class AggregateFixtureTest {

    sealed interface Event {
    }

    record Switched(boolean on) implements Event {
    }

    record Renamed(String name) implements Event {
    }

    /** A lamp: switching to the state it is in does nothing; it cannot be renamed while on. */
    static final class Lamp extends AggregateRoot<Event> {
        boolean on;
        String name = "lamp";

        Lamp() {
            on(Switched.class, e -> on = e.on());
            on(Renamed.class, e -> name = e.name());
        }

        void switchTo(boolean wanted) {
            if (wanted != on) apply(new Switched(wanted));
        }

        void rename(String newName) {
            if (on) throw new DomainRuleViolation("switch the lamp off before renaming it");
            apply(new Renamed(newName));
        }
    }

    private final AggregateFixture<Lamp, Event> lamp = AggregateFixture.of(Lamp::new);

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
                lamp.givenNothing().when(l -> l.switchTo(true)).then(new Switched(true)).thenState(l -> assertThat(l.on).isTrue());
                lamp.given(new Switched(true)).when(l -> l.switchTo(true)).thenNothing();
                lamp.given(new Switched(true)).when(l -> l.rename("desk")).thenError(DomainRuleViolation.class, "switch the lamp off");
                lamp.givenNothing().when(l -> {
                    l.rename("desk");
                    l.switchTo(true);
                }).then(new Renamed("desk"), new Switched(true));
            }).doesNotThrowAnyException();
        }

        @Test
        void given_events_are_replayed_not_pending() {
            lamp.given(new Renamed("desk"), new Switched(true))
                    .when(l -> { })
                    .thenNothing()
                    .thenState(l -> {
                        assertThat(l.name).isEqualTo("desk");
                        assertThat(l.version()).isEqualTo(1);
                    });
        }
    }

    @Nested
    class WhenExpectationsAreWrong {
        @Test
        void wrong_events_fail_with_the_diff() {
            assertThat(failureOf(() -> lamp.givenNothing().when(l -> l.rename("desk")).then(new Renamed("Desk"))))
                    .hasMessage("""
                            Events differ at #0 (expected 1 event, actual 1 event)
                            expected:
                              > #0 Renamed[name=Desk]
                            actual:
                              > #0 Renamed[name=desk]
                            #0 Renamed differs in:
                                name: expected="Desk" actual="desk\"""");
        }

        @Test
        void expecting_nothing_when_events_were_applied_fails_and_lists_them() {
            assertThat(failureOf(() -> lamp.givenNothing().when(l -> l.switchTo(true)).thenNothing()))
                    .hasMessage("""
                            Expected the action on Lamp to produce no events but it produced 1 event:
                              > #0 Switched[on=true]""");
        }

        @Test
        void expecting_events_when_the_action_was_refused_fails_and_shows_the_exception() {
            assertThat(failureOf(() -> lamp.given(new Switched(true)).when(l -> l.rename("desk")).then(new Renamed("desk"))))
                    .hasMessageStartingWith("""
                            Expected the action on Lamp to produce these events:
                                #0 Renamed[name=desk]
                            but it failed with dev.facta.aggregate.DomainRuleViolation: switch the lamp off before renaming it""")
                    .hasCauseInstanceOf(DomainRuleViolation.class);
        }

        @Test
        void expecting_an_error_when_events_were_applied_fails_and_shows_the_events() {
            assertThat(failureOf(() -> lamp.givenNothing().when(l -> l.rename("desk")).thenError(DomainRuleViolation.class)))
                    .hasMessage("""
                            Expected the action on Lamp to fail with DomainRuleViolation but it succeeded and produced 1 event:
                                #0 Renamed[name=desk]""");
        }

        @Test
        void an_error_with_another_message_fails_and_shows_the_message() {
            assertThat(failureOf(() -> lamp.given(new Switched(true)).when(l -> l.rename("desk"))
                    .thenError(DomainRuleViolation.class, "unplug")))
                    .hasMessageEndingWith("but the message was \"switch the lamp off before renaming it\"");
        }

        @Test
        void the_state_cannot_be_checked_after_a_refused_action() {
            assertThat(failureOf(() -> lamp.given(new Switched(true)).when(l -> l.rename("desk")).thenState(l -> { })))
                    .hasMessageStartingWith("Cannot check the aggregate's state: the action on Lamp failed with");
        }

        @Test
        void a_given_event_without_a_handler_fails_the_setup() {
            final class Bare extends AggregateRoot<Event> {
            }
            assertThat(failureOf(() -> AggregateFixture.<Bare, Event>of(Bare::new).given(new Renamed("x")).when(b -> { })))
                    .hasMessageContaining("Cannot set up the test: replaying the given events")
                    .hasMessageContaining("has no handler for");
        }
    }
}
