package dev.facta.graphql;

import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** The test application: orders placed and shipped, projected into an {@code orders} read model of {@link OrderSummary}. */
final class Orders {
    private Orders() {
    }

    enum Status { PLACED, SHIPPED }

    record Address(String city, String country) {
    }

    record OrderSummary(String orderId, String customer, Status status, BigDecimal total, long items, Instant placedAt,
                        Address shipTo, List<String> tags) {
    }

    static final JsonMapper JSON = JsonMapper.builder().build();

    static GraphQlReadModels models() {
        return GraphQlReadModels.builder()
                .collection("orders", OrderSummary.class, c -> c.projection("order-summary"))
                .collection("notes")
                .build();
    }

    /** Fills {@code orders} from OrderPlaced and OrderShipped events of order-* streams. */
    static final class SummaryProjection implements Projection {
        private static final JacksonDocumentCodec<OrderSummary> CODEC = JacksonDocumentCodec.of(OrderSummary.class);

        @Override
        public String name() {
            return "order-summary";
        }

        @Override
        public Set<String> collections() {
            return Set.of("orders");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            DocumentCollection<OrderSummary> orders = context.collection("orders", CODEC);
            JsonNode d = JSON.readTree(event.dataAsString());
            String id = d.get("orderId").asString();
            switch (event.type()) {
                case "OrderPlaced" -> orders.put(id, new OrderSummary(id, d.get("customer").asString(), Status.PLACED,
                        new BigDecimal(d.get("total").asString()), d.get("items").asLong(), Instant.parse(d.get("placedAt").asString()),
                        new Address(d.get("city").asString(), "NO"), List.of("new")));
                case "OrderShipped" -> orders.update(id, o -> o == null ? null : new OrderSummary(o.orderId(), o.customer(),
                        Status.SHIPPED, o.total(), o.items(), o.placedAt(), o.shipTo(), List.of("shipped")));
                default -> {
                }
            }
        }
    }

    static void place(EventStore events, String id, String customer, String total, int items, String placedAt, String city) {
        events.append(new StreamId("order-" + id), ExpectedVersion.any(), List.of(EventData.of("OrderPlaced",
                "{\"orderId\":\"" + id + "\",\"customer\":\"" + customer + "\",\"total\":\"" + total + "\",\"items\":" + items
                        + ",\"placedAt\":\"" + placedAt + "\",\"city\":\"" + city + "\"}")));
    }

    static void ship(EventStore events, String id) {
        events.append(new StreamId("order-" + id), ExpectedVersion.any(), List.of(EventData.of("OrderShipped",
                "{\"orderId\":\"" + id + "\"}")));
    }
}
