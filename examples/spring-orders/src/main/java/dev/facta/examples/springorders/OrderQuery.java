package dev.facta.examples.springorders;

/** What a client may ask about orders, answered by the query bus from the read model. */
public sealed interface OrderQuery {

    /** One order's summary. */
    record FindOrder(String orderId) implements OrderQuery {
    }

    /** A customer's orders, by id. */
    record OrdersOfCustomer(String customer) implements OrderQuery {
    }
}
