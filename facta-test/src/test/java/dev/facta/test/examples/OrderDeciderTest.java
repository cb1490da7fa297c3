package dev.facta.test.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.test.DeciderFixture;
import dev.facta.test.examples.OrderCommand.AddItem;
import dev.facta.test.examples.OrderCommand.CancelOrder;
import dev.facta.test.examples.OrderCommand.PlaceOrder;
import dev.facta.test.examples.OrderCommand.RemoveItem;
import dev.facta.test.examples.OrderCommand.ShipOrder;
import dev.facta.test.examples.OrderDecider.State;
import dev.facta.test.examples.OrderDecider.Status;
import dev.facta.test.examples.OrderEvent.ItemAdded;
import dev.facta.test.examples.OrderEvent.ItemRemoved;
import dev.facta.test.examples.OrderEvent.OrderCancelled;
import dev.facta.test.examples.OrderEvent.OrderPlaced;
import dev.facta.test.examples.OrderEvent.OrderShipped;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class OrderDeciderTest {

    private final DeciderFixture<OrderCommand, OrderEvent, State> order = DeciderFixture.of(new OrderDecider());

    private static final OrderPlaced PLACED = new OrderPlaced("o-1", "c-7");

    @Nested
    class Placing {
        @Test
        void a_new_order_can_be_placed() {
            order.givenNothing()
                    .when(new PlaceOrder("o-1", "c-7"))
                    .then(PLACED)
                    .thenState(new State(Status.PLACED, Map.of()));
        }

        @Test
        void an_order_cannot_be_placed_twice() {
            order.given(PLACED)
                    .when(new PlaceOrder("o-1", "c-7"))
                    .thenError(DomainRuleViolation.class, "already placed");
        }
    }

    @Nested
    class AddingAndRemovingItems {
        @Test
        void items_added_to_a_placed_order_add_up_per_sku() {
            order.given(PLACED, new ItemAdded("apple", 2))
                    .when(new AddItem("apple", 3))
                    .then(new ItemAdded("apple", 3))
                    .thenState(state -> assertThat(state.items()).containsExactly(Map.entry("apple", 5)));
        }

        @Test
        void a_quantity_must_be_positive() {
            order.given(PLACED)
                    .when(new AddItem("apple", 0))
                    .thenError(DomainRuleViolation.class, "quantity must be positive, was 0");
        }

        @Test
        void items_cannot_be_added_before_the_order_is_placed() {
            order.givenNothing()
                    .when(new AddItem("apple", 1))
                    .thenError(DomainRuleViolation.class, "not placed");
        }

        @Test
        void items_cannot_be_added_after_shipping() {
            order.given(PLACED, new ItemAdded("apple", 1), new OrderShipped("track-1"))
                    .when(new AddItem("pear", 1))
                    .thenError(DomainRuleViolation.class, "cannot add items to a shipped order");
        }

        @Test
        void an_item_in_the_order_can_be_removed() {
            order.given(PLACED, new ItemAdded("apple", 2), new ItemAdded("pear", 1))
                    .when(new RemoveItem("apple"))
                    .then(new ItemRemoved("apple"))
                    .thenState(new State(Status.PLACED, Map.of("pear", 1)));
        }

        @Test
        void an_item_not_in_the_order_cannot_be_removed() {
            order.given(PLACED)
                    .when(new RemoveItem("apple"))
                    .thenError(DomainRuleViolation.class, "no apple in the order");
        }
    }

    @Nested
    class Shipping {
        @Test
        void an_order_with_items_can_be_shipped() {
            order.given(PLACED, new ItemAdded("apple", 1))
                    .when(new ShipOrder("track-1"))
                    .then(new OrderShipped("track-1"))
                    .thenState(state -> assertThat(state.status()).isEqualTo(Status.SHIPPED));
        }

        @Test
        void an_empty_order_cannot_be_shipped() {
            order.given(PLACED, new ItemAdded("apple", 1), new ItemRemoved("apple"))
                    .when(new ShipOrder("track-1"))
                    .thenError(DomainRuleViolation.class, "cannot ship an empty order");
        }

        @Test
        void a_cancelled_order_cannot_be_shipped() {
            order.given(PLACED, new ItemAdded("apple", 1), new OrderCancelled("changed my mind"))
                    .when(new ShipOrder("track-1"))
                    .thenError(DomainRuleViolation.class, "cannot ship a cancelled order");
        }
    }

    @Nested
    class Cancelling {
        @Test
        void a_placed_order_can_be_cancelled() {
            order.given(PLACED)
                    .when(new CancelOrder("changed my mind"))
                    .then(new OrderCancelled("changed my mind"));
        }

        @Test
        void a_shipped_order_cannot_be_cancelled() {
            order.given(PLACED, new ItemAdded("apple", 1), new OrderShipped("track-1"))
                    .when(new CancelOrder("too late"))
                    .thenError(DomainRuleViolation.class, "cannot cancel a shipped order");
        }

        @Test
        void cancelling_a_cancelled_order_changes_nothing() {
            order.given(PLACED, new OrderCancelled("changed my mind"))
                    .when(new CancelOrder("really"))
                    .thenNothing()
                    .thenState(state -> assertThat(state.status()).isEqualTo(Status.CANCELLED));
        }
    }
}
