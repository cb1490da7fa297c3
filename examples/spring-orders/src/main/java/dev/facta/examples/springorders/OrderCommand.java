package dev.facta.examples.springorders;

import dev.facta.InvalidInputException;
import dev.facta.command.Validatable;

/** What a client asks of an order; the command bus validates each before its handler runs. */
public sealed interface OrderCommand extends Validatable {

    record PlaceOrder(String orderId, String customer, long totalCents) implements OrderCommand {
        @Override
        public void validate() {
            if (orderId == null || !orderId.matches("[A-Za-z0-9-]{1,64}")) {
                throw new InvalidInputException("orderId", "an order id is 1-64 letters, digits or '-': " + orderId);
            }
            if (customer == null || customer.isBlank()) throw new InvalidInputException("customer", "a customer is required");
            if (totalCents <= 0) throw new InvalidInputException("totalCents", "the total must be positive, got " + totalCents);
        }
    }

    record ShipOrder(String orderId) implements OrderCommand {
        @Override
        public void validate() {
            if (orderId == null || orderId.isBlank()) throw new InvalidInputException("orderId", "an order id is required");
        }
    }
}
