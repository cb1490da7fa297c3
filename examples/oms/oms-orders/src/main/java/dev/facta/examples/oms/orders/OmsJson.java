package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.inventory.InventoryCommand;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent;
import dev.facta.examples.oms.contracts.orders.OrderCommand;
import dev.facta.examples.oms.contracts.orders.OrderEvent;
import dev.facta.examples.oms.contracts.payment.PaymentCommand;
import dev.facta.examples.oms.contracts.payment.PaymentEvent;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.saga.CommandCodec;

/**
 * The JSON mapping of every message of the service: the three contexts' events (as stored) and commands
 * (as they wait in the saga's outbox), each under its simple class name.
 */
public final class OmsJson {
    private OmsJson() {
    }

    /** One serializer for all events and commands of the orders, inventory and payment contexts. */
    public static JacksonEventSerializer serializer() {
        return new JacksonEventSerializer(EventTypeRegistry.builder()
                .registerSealed(OrderEvent.class).registerSealed(InventoryEvent.class).registerSealed(PaymentEvent.class)
                .registerSealed(OrderCommand.class).registerSealed(InventoryCommand.class).registerSealed(PaymentCommand.class)
                .build());
    }

    /** How the saga runtime stores issued commands. */
    public static CommandCodec commandCodec(JacksonEventSerializer serializer) {
        return CommandCodec.of(serializer);
    }
}
