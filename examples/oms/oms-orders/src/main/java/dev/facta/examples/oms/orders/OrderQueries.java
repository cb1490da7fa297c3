package dev.facta.examples.oms.orders;

import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionEngine;
import dev.facta.query.QueryBus;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The order queries and their handlers on the {@link QueryBus}, over {@link OrderSummaries}' read model. */
public final class OrderQueries {

    /** One order's summary. */
    public record FindOrder(String orderId) {
    }

    /** A customer's orders, newest first; {@code before}: the {@link CustomerPage#next()} of the previous page, or null. */
    public record OrdersOfCustomer(String customerId, int limit, Long before) {
    }

    /** A page of a customer's orders; {@code next} is null on the last page. */
    public record CustomerPage(List<OrderSummary> orders, Long next) {
    }

    private final ProjectionEngine engine;

    public OrderQueries(ProjectionEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** Registers the handlers. */
    public QueryBus.Builder register(QueryBus.Builder bus) {
        bus.register(FindOrder.class, (FindOrder q) -> find(q));
        bus.register(OrdersOfCustomer.class, (OrdersOfCustomer q) -> ordersOf(q));
        return bus;
    }

    private DocumentCollection<OrderSummary> summaries() {
        // follows the active version of the projection (blue-green rebuilds)
        return engine.readModel(OrderSummaries.NAME, OrderSummaries.COLLECTION, OrderSummaries.CODEC);
    }

    public Optional<OrderSummary> find(FindOrder q) {
        return summaries().get(q.orderId());
    }

    public CustomerPage ordersOf(OrdersOfCustomer q) {
        if (q.limit() < 1 || q.limit() > 1000) throw new InvalidInputException("limit", "limit must be 1-1000, got " + q.limit());
        Query query = Query.where("customerId", Predicate.eq(q.customerId()));
        if (q.before() != null) query = query.and("placedPosition", Predicate.lt(q.before()));
        Page<OrderSummary> page = summaries().find(query.orderBy("placedPosition", Query.Direction.DESC).limit(q.limit() + 1));
        List<OrderSummary> items = page.items();
        if (items.size() <= q.limit()) return new CustomerPage(items, null);
        List<OrderSummary> shown = items.subList(0, q.limit());
        return new CustomerPage(List.copyOf(shown), shown.getLast().placedPosition());
    }
}
