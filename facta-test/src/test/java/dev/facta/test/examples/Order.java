package dev.facta.test.examples;

import dev.facta.aggregate.AggregateRoot;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.test.examples.OrderEvent.ItemAdded;
import dev.facta.test.examples.OrderEvent.ItemRemoved;
import dev.facta.test.examples.OrderEvent.OrderCancelled;
import dev.facta.test.examples.OrderEvent.OrderPlaced;
import dev.facta.test.examples.OrderEvent.OrderShipped;
import java.util.HashMap;
import java.util.Map;

/** The order in the object-oriented style: methods check the rules and apply events; handlers change the fields. */
public final class Order extends AggregateRoot<OrderEvent> {

    public enum Status { NEW, PLACED, SHIPPED, CANCELLED }

    private Status status = Status.NEW;
    private String customer;
    private final Map<String, Integer> items = new HashMap<>();

    public Order() {
        on(OrderPlaced.class, e -> {
            status = Status.PLACED;
            customer = e.customer();
        });
        on(ItemAdded.class, e -> items.merge(e.sku(), e.quantity(), Integer::sum));
        on(ItemRemoved.class, e -> items.remove(e.sku()));
        on(OrderShipped.class, e -> status = Status.SHIPPED);
        on(OrderCancelled.class, e -> status = Status.CANCELLED);
    }

    public void place(String orderId, String customer) {
        if (status != Status.NEW) throw new DomainRuleViolation("the order is already placed");
        apply(new OrderPlaced(orderId, customer));
    }

    public void addItem(String sku, int quantity) {
        requireOpen("add items to");
        if (quantity <= 0) throw new DomainRuleViolation("quantity must be positive, was " + quantity);
        apply(new ItemAdded(sku, quantity));
    }

    public void removeItem(String sku) {
        requireOpen("remove items from");
        if (!items.containsKey(sku)) throw new DomainRuleViolation("no " + sku + " in the order");
        apply(new ItemRemoved(sku));
    }

    public void ship(String trackingCode) {
        requireOpen("ship");
        if (items.isEmpty()) throw new DomainRuleViolation("cannot ship an empty order");
        apply(new OrderShipped(trackingCode));
    }

    public void cancel(String reason) {
        switch (status) {
            case NEW -> throw new DomainRuleViolation("cannot cancel an order that was not placed");
            case SHIPPED -> throw new DomainRuleViolation("cannot cancel a shipped order");
            case CANCELLED -> { } // already cancelled: nothing new happens
            case PLACED -> apply(new OrderCancelled(reason));
        }
    }

    public Status status() {
        return status;
    }

    public String customer() {
        return customer;
    }

    public int quantityOf(String sku) {
        return items.getOrDefault(sku, 0);
    }

    private void requireOpen(String action) {
        switch (status) {
            case NEW -> throw new DomainRuleViolation("cannot " + action + " an order that was not placed");
            case SHIPPED -> throw new DomainRuleViolation("cannot " + action + " a shipped order");
            case CANCELLED -> throw new DomainRuleViolation("cannot " + action + " a cancelled order");
            case PLACED -> { }
        }
    }
}
