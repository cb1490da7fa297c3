package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.orders.OrderEvent;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancelled;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderConfirmed;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPaid;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPlaced;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderRefunded;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderReserved;
import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The order read models: one {@link OrderSummary} per order, which is also the per-customer order list
 * (indexed by {@code customerId} and {@code placedPosition}). A batch of events loads the summaries it
 * touches in one read and writes them back in one.
 */
public final class OrderSummaries implements Projection {
    public static final String NAME = "order-summaries";
    public static final String COLLECTION = "oms_orders";
    public static final DocumentCodec<OrderSummary> CODEC = JacksonDocumentCodec.of(OrderSummary.class);

    private final EventSerializer serializer;

    public OrderSummaries(EventSerializer serializer) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    /** The name the collection is stored under for a projection version. */
    public static String stored(int version) {
        return COLLECTION + "_v" + version;
    }

    /** Declares the indexes the queries use. */
    public static void createIndexes(ReadModelStore models, int version) {
        models.createIndex(stored(version), Index.text("customerId"));
        models.createIndex(stored(version), Index.number("placedPosition"));
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The order events by type name as well as by category, so that other events someone wrote to an
     * {@code order-*} stream (an older application on the same store) pass the projection by instead of
     * stopping it.
     */
    @Override
    public EventFilter filter() {
        return EventFilter.categories(Orders.CATEGORY).andEventTypes(Orders.EVENT_TYPES.toArray(String[]::new));
    }

    @Override
    public Set<String> collections() {
        return Set.of(COLLECTION);
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) {
        applyBatch(List.of(event), context);
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) {
        DocumentCollection<OrderSummary> c = context.collection(COLLECTION, CODEC);
        Set<String> ids = new LinkedHashSet<>();
        List<OrderEvent> decoded = new ArrayList<>(events.size());
        for (RecordedEvent e : events) {
            OrderEvent oe = serializer.deserialize(e.type(), e.data(), OrderEvent.class);
            decoded.add(oe);
            ids.add(oe.orderId());
        }
        Map<String, OrderSummary> docs = new LinkedHashMap<>(c.getMany(ids));
        Map<String, OrderSummary> changed = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            OrderEvent oe = decoded.get(i);
            OrderSummary before = docs.get(oe.orderId());
            if (before == null && !(oe instanceof OrderPlaced)) continue; // only a broken log starts elsewhere
            if (before != null && before.version() >= e.version()) continue;
            OrderSummary after = apply(before, oe, e);
            docs.put(oe.orderId(), after);
            changed.put(oe.orderId(), after);
        }
        if (!changed.isEmpty()) c.putMany(changed);
    }

    private static OrderSummary apply(OrderSummary s, OrderEvent event, RecordedEvent e) {
        if (event instanceof OrderPlaced p) {
            return new OrderSummary(p.orderId(), p.customerId(), "CREATED", p.currency(), p.lines(), p.total(), null,
                    BigDecimal.ZERO, null, e.version(), e.recordedAt(), e.recordedAt(), e.position());
        }
        String status = s.status();
        String paymentId = s.paymentId();
        BigDecimal refunded = s.refunded();
        String reason = s.reason();
        switch (event) {
            case OrderReserved r -> status = "RESERVED";
            case OrderPaid p -> {
                status = "PAID";
                paymentId = p.paymentId();
            }
            case OrderConfirmed c -> status = "CONFIRMED";
            case OrderCancelled c -> {
                status = "CANCELLED";
                refunded = c.refunded();
                reason = c.reason();
            }
            case OrderRefunded r -> {
                status = "REFUNDED";
                refunded = r.amount();
                reason = r.reason();
            }
            default -> { }
        }
        return new OrderSummary(s.orderId(), s.customerId(), status, s.currency(), s.lines(), s.total(), paymentId, refunded,
                reason, e.version(), s.createdAt(), e.recordedAt(), s.placedPosition());
    }
}
