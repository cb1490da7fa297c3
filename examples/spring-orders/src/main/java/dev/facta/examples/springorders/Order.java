package dev.facta.examples.springorders;

import dev.facta.aggregate.AggregateRoot;
import dev.facta.aggregate.DomainRuleViolation;

/** The order aggregate: placed once, shipped once. */
public final class Order extends AggregateRoot<OrderEvent> {
    private boolean placed;
    private boolean shipped;

    public Order() {
        on(OrderEvent.OrderPlaced.class, e -> placed = true);
        on(OrderEvent.OrderShipped.class, e -> shipped = true);
    }

    void place(OrderCommand.PlaceOrder command) {
        apply(new OrderEvent.OrderPlaced(command.orderId(), command.customer(), command.totalCents()));
    }

    void ship(String orderId) {
        if (!placed) throw new DomainRuleViolation("order " + orderId + " was never placed");
        if (shipped) return; // shipping twice changes nothing
        apply(new OrderEvent.OrderShipped(orderId));
    }
}
