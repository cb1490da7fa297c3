package dev.facta.examples.springorders;

import dev.facta.aggregate.AggregateRepository;
import dev.facta.command.CommandHandler;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.projection.ProjectionEngine;
import dev.facta.query.QueryHandler;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Query;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.Optional;

import static dev.facta.readmodel.Predicate.eq;

/**
 * The order application's Facta parts as beans. The starter supplies the event store, the buses and
 * the projection engine; the handler beans below are registered on the buses by their declared types.
 */
@Configuration(proxyBeanMethods = false)
public class OrdersConfig {
    public static final String CATEGORY = "order";

    @Bean
    EventSerializer orderEventSerializer() {
        return new JacksonEventSerializer(EventTypeRegistry.builder()
                .register("OrderPlaced", OrderEvent.OrderPlaced.class)
                .register("OrderShipped", OrderEvent.OrderShipped.class)
                .build());
    }

    @Bean
    AggregateRepository<Order, OrderEvent> orders(EventStore store, EventSerializer serializer) {
        return new AggregateRepository<>(store, Order::new, serializer, OrderEvent.class, CATEGORY);
    }

    @Bean
    DocumentCodec<OrderSummary> orderSummaryCodec() {
        return JacksonDocumentCodec.of(OrderSummary.class);
    }

    @Bean
    OrderSummaries orderSummaries(EventSerializer serializer, DocumentCodec<OrderSummary> codec) {
        return new OrderSummaries(serializer, codec);
    }

    @Bean
    CommandHandler<OrderCommand.PlaceOrder, String> placeOrder(AggregateRepository<Order, OrderEvent> orders) {
        return command -> {
            orders.create(command.payload().orderId(), order -> order.place(command.payload()));
            return command.payload().orderId();
        };
    }

    @Bean
    CommandHandler<OrderCommand.ShipOrder, String> shipOrder(AggregateRepository<Order, OrderEvent> orders) {
        return command -> {
            String id = command.payload().orderId();
            orders.update(id, order -> order.ship(id));
            return id;
        };
    }

    @Bean
    QueryHandler<OrderQuery.FindOrder, Optional<OrderSummary>> findOrder(ProjectionEngine engine, DocumentCodec<OrderSummary> codec) {
        return query -> summaries(engine, codec).get(query.orderId());
    }

    @Bean
    QueryHandler<OrderQuery.OrdersOfCustomer, List<OrderSummary>> ordersOfCustomer(ProjectionEngine engine,
                                                                                  DocumentCodec<OrderSummary> codec) {
        return query -> summaries(engine, codec).find(Query.where("customer", eq(query.customer())).limit(Query.MAX_LIMIT)).items();
    }

    private static DocumentCollection<OrderSummary> summaries(ProjectionEngine engine, DocumentCodec<OrderSummary> codec) {
        return engine.readModel(OrderSummaries.NAME, OrderSummaries.COLLECTION, codec);
    }
}
