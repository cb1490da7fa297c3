package dev.facta.examples.oms.app;

import dev.facta.FactaException;

/** No order with this id. */
public class OrderNotFoundException extends FactaException {
    public OrderNotFoundException(String orderId) {
        super("no order '" + orderId + "'");
    }
}
