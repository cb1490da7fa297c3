package dev.facta.test;

import static dev.facta.test.EventAssertions.assertEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class EventAssertionsTest {

    record Added(String sku, int quantity) {
    }

    record Removed(String sku) {
    }

    record Address(String street, String city) {
    }

    record Moved(String customer, Address to) {
    }

    record Blob(byte[] bytes) {
    }

    private static AssertionFailedError failure(List<?> expected, List<?> actual) {
        return catchThrowableOfType(AssertionFailedError.class, () -> assertEvents(expected, actual));
    }

    @Test
    void equal_lists_pass() {
        assertThatCode(() -> assertEvents(List.of(new Added("a", 1), new Removed("a")), List.of(new Added("a", 1), new Removed("a"))))
                .doesNotThrowAnyException();
        assertThat(EventAssertions.difference(List.of(), List.of())).isEmpty();
    }

    @Test
    void a_differing_component_is_named_with_both_values_and_the_first_difference_is_marked() {
        AssertionFailedError e = failure(
                List.of(new Removed("a"), new Added("b", 2), new Added("c", 1)),
                List.of(new Removed("a"), new Added("b", 3), new Added("c", 9)));

        assertThat(e).hasMessage("""
                Events differ at #1 (expected 3 events, actual 3 events)
                expected:
                    #0 Removed[sku=a]
                  > #1 Added[sku=b, quantity=2]
                    #2 Added[sku=c, quantity=1]
                actual:
                    #0 Removed[sku=a]
                  > #1 Added[sku=b, quantity=3]
                    #2 Added[sku=c, quantity=9]
                #1 Added differs in:
                    quantity: expected=2 actual=3""");
    }

    @Test
    void the_failure_carries_both_listings_for_an_ide_to_compare() {
        AssertionFailedError e = failure(List.of(new Removed("a")), List.of(new Removed("b")));

        assertThat(e.getExpected().getValue()).isEqualTo("    #0 Removed[sku=a]\n");
        assertThat(e.getActual().getValue()).isEqualTo("    #0 Removed[sku=b]\n");
    }

    @Test
    void string_components_are_quoted_so_whitespace_shows() {
        assertThat(failure(List.of(new Removed("a")), List.of(new Removed("a "))))
                .hasMessageEndingWith("#0 Removed differs in:\n    sku: expected=\"a\" actual=\"a \"");
    }

    @Test
    void a_different_event_type_is_reported_as_such() {
        assertThat(failure(List.of(new Added("a", 1)), List.of(new Removed("a"))))
                .hasMessageEndingWith("#0 type: expected=Added actual=Removed");
    }

    @Test
    void a_missing_event_is_marked_after_the_last_actual_one() {
        assertThat(failure(List.of(new Added("a", 1), new Removed("a")), List.of(new Added("a", 1))))
                .hasMessage("""
                        Events differ at #1 (expected 2 events, actual 1 event)
                        expected:
                            #0 Added[sku=a, quantity=1]
                          > #1 Removed[sku=a]
                        actual:
                            #0 Added[sku=a, quantity=1]
                          > #1 (no event)
                        #1 is missing: expected Removed[sku=a]""");
    }

    @Test
    void an_unexpected_extra_event_is_reported() {
        assertThat(failure(List.of(), List.of(new Removed("a"))))
                .hasMessage("""
                        Events differ at #0 (expected 0 events, actual 1 event)
                        expected:
                          > #0 (no event)
                        actual:
                          > #0 Removed[sku=a]
                        #0 was not expected: Removed[sku=a]""");
    }

    @Test
    void nested_records_are_compared_component_by_component() {
        assertThat(failure(
                List.of(new Moved("c-7", new Address("Main St 1", "Springfield"))),
                List.of(new Moved("c-8", new Address("Main St 1", "Shelbyville")))))
                .hasMessageEndingWith("""
                        #0 Moved differs in:
                            customer: expected="c-7" actual="c-8"
                            to.city: expected="Springfield" actual="Shelbyville\"""");
    }

    @Test
    void values_that_print_alike_but_differ_say_so() {
        assertThat(failure(List.of(1), List.of(1L)))
                .hasMessageContaining("#0 type: expected=Integer actual=Long");
        record Wrapped(Object value) {
        }
        assertThat(failure(List.of(new Wrapped(1)), List.of(new Wrapped(1L))))
                .hasMessageEndingWith("value: expected=1 actual=1 (Integer vs Long)");
    }

    @Test
    void array_components_are_shown_by_content() {
        assertThat(failure(List.of(new Blob(new byte[]{1, 2})), List.of(new Blob(new byte[]{1, 2}))))
                .hasMessageContaining("bytes: expected=[1, 2] actual=[1, 2] (same text, but not equal:");
    }

    @Test
    void null_events_are_shown_rather_than_crashing() {
        assertThat(failure(Arrays.asList(new Removed("a"), null), List.of(new Removed("a"), new Removed("b"))))
                .hasMessageEndingWith("#1 type: expected=null actual=Removed");
    }
}
