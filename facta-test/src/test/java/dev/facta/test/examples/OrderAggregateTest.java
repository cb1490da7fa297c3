package dev.facta.test.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.test.AggregateFixture;
import dev.facta.test.examples.OrderEvent.ItemAdded;
import dev.facta.test.examples.OrderEvent.ItemRemoved;
import dev.facta.test.examples.OrderEvent.OrderCancelled;
import dev.facta.test.examples.OrderEvent.OrderPlaced;
import dev.facta.test.examples.OrderEvent.OrderShipped;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class OrderAggregateTest {

    private final AggregateFixture<Order, OrderEvent> order = AggregateFixture.of(Order::new);

    private static final OrderPlaced PLACED = new OrderPlaced("o-1", "c-7");

    @Nested
    class Placing {
        @Test
        void a_new_order_can_be_placed() {
            order.givenNothing()
                    .when(o -> o.place("o-1", "c-7"))
                    .then(PLACED)
                    .thenState(o -> {
                        assertThat(o.status()).isEqualTo(Order.Status.PLACED);
                        assertThat(o.customer()).isEqualTo("c-7");
                    });
        }

        @Test
        void an_order_cannot_be_placed_twice() {
            order.given(PLACED)
                    .when(o -> o.place("o-1", "c-7"))
                    .thenError(DomainRuleViolation.class, "already placed");
        }
    }

    @Nested
    class AddingAndRemovingItems {
        @Test
        void items_added_to_a_placed_order_add_up_per_sku() {
            order.given(PLACED, new ItemAdded("apple", 2))
                    .when(o -> o.addItem("apple", 3))
                    .then(new ItemAdded("apple", 3))
                    .thenState(o -> assertThat(o.quantityOf("apple")).isEqualTo(5));
        }

        @Test
        void one_action_may_apply_several_events() {
            order.given(PLACED)
                    .when(o -> {
                        o.addItem("apple", 2);
                        o.addItem("pear", 1);
                    })
                    .then(new ItemAdded("apple", 2), new ItemAdded("pear", 1));
        }

        @Test
        void a_quantity_must_be_positive() {
            order.given(PLACED)
                    .when(o -> o.addItem("apple", -1))
                    .thenError(DomainRuleViolation.class, "quantity must be positive, was -1");
        }

        @Test
        void items_cannot_be_added_after_shipping() {
            order.given(PLACED, new ItemAdded("apple", 1), new OrderShipped("track-1"))
                    .when(o -> o.addItem("pear", 1))
                    .thenError(DomainRuleViolation.class, "cannot add items to a shipped order");
        }

        @Test
        void an_item_in_the_order_can_be_removed() {
            order.given(PLACED, new ItemAdded("apple", 2))
                    .when(o -> o.removeItem("apple"))
                    .then(new ItemRemoved("apple"))
                    .thenState(o -> assertThat(o.quantityOf("apple")).isZero());
        }

        @Test
        void an_item_not_in_the_order_cannot_be_removed() {
            order.given(PLACED)
                    .when(o -> o.removeItem("apple"))
                    .thenError(DomainRuleViolation.class, "no apple in the order");
        }
    }

    @Nested
    class Shipping {
        @Test
        void an_order_with_items_can_be_shipped() {
            order.given(PLACED, new ItemAdded("apple", 1))
                    .when(o -> o.ship("track-1"))
                    .then(new OrderShipped("track-1"))
                    .thenState(o -> assertThat(o.status()).isEqualTo(Order.Status.SHIPPED));
        }

        @Test
        void an_empty_order_cannot_be_shipped() {
            order.given(PLACED)
                    .when(o -> o.ship("track-1"))
                    .thenError(DomainRuleViolation.class, "cannot ship an empty order");
        }
    }

    @Nested
    class Cancelling {
        @Test
        void a_placed_order_can_be_cancelled() {
            order.given(PLACED)
                    .when(o -> o.cancel("changed my mind"))
                    .then(new OrderCancelled("changed my mind"));
        }

        @Test
        void a_shipped_order_cannot_be_cancelled() {
            order.given(PLACED, new ItemAdded("apple", 1), new OrderShipped("track-1"))
                    .when(o -> o.cancel("too late"))
                    .thenError(DomainRuleViolation.class, "cannot cancel a shipped order");
        }

        @Test
        void cancelling_a_cancelled_order_changes_nothing() {
            order.given(PLACED, new OrderCancelled("changed my mind"))
                    .when(o -> o.cancel("really"))
                    .thenNothing();
        }
    }
}
