package dev.facta.server;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.command.CommandBus;
import dev.facta.command.CorrelationMiddleware;
import dev.facta.command.IdempotencyMiddleware;
import dev.facta.command.InMemoryIdempotencyStore;
import dev.facta.command.ValidationMiddleware;
import dev.facta.query.QueryBus;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.tenancy.TenantContext;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small application for the command and query endpoints' tests: orders placed and cancelled
 * through a real command bus (correlation, validation and idempotency middleware) on the given store
 * (on a multi-tenant server, the tenants' routing store), and a query answered from the streams.
 */
final class Shop implements AutoCloseable {
    /** Places an order: writes {@code order-<orderId>}, which must not exist yet. */
    record PlaceOrder(String orderId, String customerId, int quantity) {
    }

    /** Cancels a placed order; a domain rule refuses cancelling one that is not there. */
    record CancelOrder(String orderId, String reason) {
    }

    /** Writes to {@code payroll-<employee>}: a command in another category. */
    record PaySalary(String employee, long cents) {
    }

    record FindOrder(String orderId) {
    }

    /** Answers a result Jackson cannot write ({@link Unwritable}). */
    record Audit(String orderId) {
    }

    /** A result whose property fails when read. */
    record Unwritable(String value) {
        @Override
        public String value() {
            throw new IllegalStateException("not readable");
        }

        @Override
        public String toString() {
            return "Unwritable[...]";
        }
    }

    record OrderInfo(String orderId, String customerId, int quantity, boolean cancelled, String tenant, String correlationId) {
    }

    final EventStore store;
    final AtomicInteger placed = new AtomicInteger();
    final CommandBus commands;
    final QueryBus queries;

    Shop(EventStore store) {
        this.store = store;
        this.commands = CommandBus.builder()
                .use(new CorrelationMiddleware(), new ValidationMiddleware(),
                        new IdempotencyMiddleware(new InMemoryIdempotencyStore(), Duration.ofMinutes(5)))
                .register(PlaceOrder.class, (dev.facta.command.CommandMessage<PlaceOrder> m) -> {
                    PlaceOrder c = m.payload();
                    if (c.quantity() > 1000) throw new InvalidInputException("quantity", "quantity is at most 1000, got " + c.quantity());
                    store.append(StreamId.of("order", c.orderId()), ExpectedVersion.noStream(), List.of(EventData.of("OrderPlaced",
                            "{\"customerId\":\"" + c.customerId() + "\",\"quantity\":" + c.quantity() + "}", m.eventMetadata())));
                    placed.incrementAndGet();
                    return c.orderId();
                })
                .register(CancelOrder.class, (dev.facta.command.CommandMessage<CancelOrder> m) -> {
                    CancelOrder c = m.payload();
                    if (find(c.orderId()).isEmpty()) throw new DomainRuleViolation("order " + c.orderId() + " was never placed");
                    store.append(StreamId.of("order", c.orderId()), ExpectedVersion.streamExists(),
                            List.of(EventData.of("OrderCancelled", "{}", m.eventMetadata())));
                    return null;
                })
                .register(PaySalary.class, (dev.facta.command.CommandMessage<PaySalary> m) -> {
                    store.append(StreamId.of("payroll", m.payload().employee()), ExpectedVersion.any(),
                            List.of(EventData.of("SalaryPaid", "{\"cents\":" + m.payload().cents() + "}", m.eventMetadata())));
                    return m.payload().cents();
                })
                .register(Audit.class, (dev.facta.command.CommandMessage<Audit> m) -> new Unwritable(m.payload().orderId()))
                .build();
        this.queries = QueryBus.builder().register(FindOrder.class, (FindOrder q) -> find(q.orderId())).build();
    }

    /** Registers the endpoints on a server builder. */
    FactaServer.Builder register(FactaServer.Builder b) {
        return b.commands(commands)
                .command("PlaceOrder", PlaceOrder.class, "order")
                .command("CancelOrder", CancelOrder.class, "order")
                .command("PaySalary", PaySalary.class, "payroll")
                .command("Audit", Audit.class, "order")
                .query("FindOrder", FindOrder.class, queries, "order");
    }

    Optional<OrderInfo> find(String orderId) {
        List<RecordedEvent> events;
        try {
            events = store.readStream(StreamId.of("order", orderId));
        } catch (StreamNotFoundException e) {
            return Optional.empty();
        }
        if (events.isEmpty()) return Optional.empty();
        JsonNode placed = Http.JSON.readTree(events.getFirst().data());
        boolean cancelled = events.stream().anyMatch(e -> e.type().equals("OrderCancelled"));
        return Optional.of(new OrderInfo(orderId, placed.get("customerId").stringValue(), placed.get("quantity").intValue(), cancelled,
                TenantContext.current().orElse(null), events.getFirst().metadata().correlationId()));
    }

    @Override
    public void close() {
        commands.close();
        queries.close();
    }
}
