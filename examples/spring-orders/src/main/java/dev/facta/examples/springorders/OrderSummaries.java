package dev.facta.examples.springorders;

import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.util.Set;

/**
 * Projects order events into the {@code orders} read model. A Spring bean, so the starter registers it
 * on the projection engine and starts it with the application.
 */
public final class OrderSummaries implements Projection {
    public static final String NAME = "order-summaries";
    public static final String COLLECTION = "orders";

    private final EventSerializer serializer;
    private final DocumentCodec<OrderSummary> codec;

    public OrderSummaries(EventSerializer serializer, DocumentCodec<OrderSummary> codec) {
        this.serializer = serializer;
        this.codec = codec;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EventFilter filter() {
        return EventFilter.categories(OrdersConfig.CATEGORY);
    }

    @Override
    public Set<String> collections() {
        return Set.of(COLLECTION);
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) {
        var orders = context.collection(COLLECTION, codec);
        switch ((OrderEvent) serializer.deserialize(event)) {
            case OrderEvent.OrderPlaced p -> orders.put(p.orderId(), new OrderSummary(p.orderId(), p.customer(), p.totalCents(), "placed"));
            case OrderEvent.OrderShipped s -> orders.update(s.orderId(), before -> before == null ? null
                    : new OrderSummary(before.orderId(), before.customer(), before.totalCents(), "shipped"));
        }
    }
}
