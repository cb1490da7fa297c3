package dev.facta.examples.oms.orders;

import dev.facta.aggregate.DeciderRepository;
import dev.facta.aggregate.Handled;
import dev.facta.aggregate.Loaded;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.examples.oms.contracts.orders.OrderCommand;
import dev.facta.examples.oms.contracts.orders.OrderEvent;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventStore;
import dev.facta.store.WrongExpectedVersionException;

import java.util.List;

/**
 * The orders context's command side: the {@link Order} aggregate (stream {@code order-<orderId>}) behind
 * one handler per order command.
 */
public final class Orders {
    /** The stream category: {@code order-<orderId>}. */
    public static final String CATEGORY = "order";

    /**
     * The stored type names of the order events, so that readers of {@code order-*} streams can pass by
     * events another application wrote there.
     */
    public static final java.util.Set<String> EVENT_TYPES = java.util.Arrays.stream(OrderEvent.class.getPermittedSubclasses())
            .map(Class::getSimpleName).collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** How many orders' states the repository keeps in memory (the ones in flight through the checkout). */
    static final int CACHED_ORDERS = 50_000;

    private final DeciderRepository<OrderCommand, OrderEvent, Order.State> repository;

    public Orders(EventStore store, EventSerializer serializer) {
        // the service writes its orders' streams itself: deciding from the cached state saves a read per command
        this.repository = DeciderRepository.builder(store, Order.DECIDER, serializer, OrderEvent.class, CATEGORY)
                .cache(CACHED_ORDERS).build();
    }

    /** The command types this context handles. */
    public static List<Class<? extends OrderCommand>> commandTypes() {
        return List.of(OrderCommand.PlaceOrder.class, OrderCommand.RequestPayment.class, OrderCommand.RequestCancellation.class,
                OrderCommand.RequestRefund.class, OrderCommand.MarkReserved.class, OrderCommand.MarkPaid.class,
                OrderCommand.Confirm.class, OrderCommand.Cancel.class, OrderCommand.MarkRefunded.class);
    }

    /** Registers a handler for each order command on the bus. */
    public CommandBus.Builder register(CommandBus.Builder bus) {
        for (Class<? extends OrderCommand> type : commandTypes()) register(bus, type);
        return bus;
    }

    private <C extends OrderCommand> void register(CommandBus.Builder bus, Class<C> type) {
        bus.register(type, this::handle);
    }

    /**
     * Handles one command; its events carry the command's metadata (correlation, causation).
     *
     * @return the order id (so that a repeated request with the same idempotency key gets it back)
     */
    public String handle(CommandMessage<? extends OrderCommand> message) {
        OrderCommand c = message.payload();
        Handled<OrderEvent, Order.State> h;
        if (c instanceof OrderCommand.PlaceOrder) {
            try {
                // a new order reads nothing; one that exists already is refused by the decider as before
                h = repository.create(c.orderId(), c, message.eventMetadata());
            } catch (WrongExpectedVersionException exists) {
                h = repository.handle(c.orderId(), c, message.eventMetadata());
            }
        } else {
            h = repository.handle(c.orderId(), c, message.eventMetadata());
        }
        return h.state().orderId() == null ? c.orderId() : h.state().orderId();
    }

    /** The order as it is now (status {@code NEW}, version -1, when there is none). */
    public Loaded<Order.State> load(String orderId) {
        return repository.load(orderId);
    }

    public DeciderRepository<OrderCommand, OrderEvent, Order.State> repository() {
        return repository;
    }
}
