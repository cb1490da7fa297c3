package dev.facta.test.examples;

import dev.facta.aggregate.Decider;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.test.examples.OrderCommand.AddItem;
import dev.facta.test.examples.OrderCommand.CancelOrder;
import dev.facta.test.examples.OrderCommand.PlaceOrder;
import dev.facta.test.examples.OrderCommand.RemoveItem;
import dev.facta.test.examples.OrderCommand.ShipOrder;
import dev.facta.test.examples.OrderEvent.ItemAdded;
import dev.facta.test.examples.OrderEvent.ItemRemoved;
import dev.facta.test.examples.OrderEvent.OrderCancelled;
import dev.facta.test.examples.OrderEvent.OrderPlaced;
import dev.facta.test.examples.OrderEvent.OrderShipped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The order in the functional style: decide what happens, evolve the state from what happened. */
public final class OrderDecider implements Decider<OrderCommand, OrderEvent, OrderDecider.State> {

    public enum Status { NEW, PLACED, SHIPPED, CANCELLED }

    /** Only what the rules need: the status and the quantity of each item. */
    public record State(Status status, Map<String, Integer> items) {
        public State {
            items = Map.copyOf(items);
        }
    }

    @Override
    public State initialState() {
        return new State(Status.NEW, Map.of());
    }

    @Override
    public List<OrderEvent> decide(OrderCommand command, State state) {
        return switch (command) {
            case PlaceOrder c -> {
                if (state.status() != Status.NEW) throw new DomainRuleViolation("the order is already placed");
                yield List.of(new OrderPlaced(c.orderId(), c.customer()));
            }
            case AddItem c -> {
                requireOpen(state, "add items to");
                if (c.quantity() <= 0) throw new DomainRuleViolation("quantity must be positive, was " + c.quantity());
                yield List.of(new ItemAdded(c.sku(), c.quantity()));
            }
            case RemoveItem c -> {
                requireOpen(state, "remove items from");
                if (!state.items().containsKey(c.sku())) throw new DomainRuleViolation("no " + c.sku() + " in the order");
                yield List.of(new ItemRemoved(c.sku()));
            }
            case ShipOrder c -> {
                requireOpen(state, "ship");
                if (state.items().isEmpty()) throw new DomainRuleViolation("cannot ship an empty order");
                yield List.of(new OrderShipped(c.trackingCode()));
            }
            case CancelOrder c -> switch (state.status()) {
                case NEW -> throw new DomainRuleViolation("cannot cancel an order that was not placed");
                case SHIPPED -> throw new DomainRuleViolation("cannot cancel a shipped order");
                case CANCELLED -> List.of(); // already cancelled: nothing new happens
                case PLACED -> List.of(new OrderCancelled(c.reason()));
            };
        };
    }

    @Override
    public State evolve(State state, OrderEvent event) {
        return switch (event) {
            case OrderPlaced e -> new State(Status.PLACED, Map.of());
            case ItemAdded e -> {
                var items = new HashMap<>(state.items());
                items.merge(e.sku(), e.quantity(), Integer::sum);
                yield new State(state.status(), items);
            }
            case ItemRemoved e -> {
                var items = new HashMap<>(state.items());
                items.remove(e.sku());
                yield new State(state.status(), items);
            }
            case OrderShipped e -> new State(Status.SHIPPED, state.items());
            case OrderCancelled e -> new State(Status.CANCELLED, state.items());
        };
    }

    private static void requireOpen(State state, String action) {
        switch (state.status()) {
            case NEW -> throw new DomainRuleViolation("cannot " + action + " an order that was not placed");
            case SHIPPED -> throw new DomainRuleViolation("cannot " + action + " a shipped order");
            case CANCELLED -> throw new DomainRuleViolation("cannot " + action + " a cancelled order");
            case PLACED -> { }
        }
    }
}
