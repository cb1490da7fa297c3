package dev.facta.examples.springorders;

import dev.facta.InvalidInputException;
import dev.facta.command.CommandBus;
import dev.facta.projection.ProjectionEngine;
import dev.facta.query.QueryBus;
import dev.facta.store.EventStore;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The application started with only {@code facta.store.url} set handles a command through to the projection. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "facta.store.url=memory:")
class SpringOrdersApplicationTest {

    @Autowired
    CommandBus commands;
    @Autowired
    QueryBus queries;
    @Autowired
    ProjectionEngine engine;
    @Autowired
    EventStore store;

    @Test
    void a_placed_and_shipped_order_reaches_the_read_model() {
        assertThat(store).isInstanceOf(InMemoryEventStore.class);
        String id = commands.dispatch(new OrderCommand.PlaceOrder("o-1", "ann", 1250));
        assertThat(id).isEqualTo("o-1");
        assertThat(engine.awaitCaughtUp(OrderSummaries.NAME, Duration.ofSeconds(20))).isTrue();
        Optional<OrderSummary> placed = queries.query(new OrderQuery.FindOrder("o-1"));
        assertThat(placed).contains(new OrderSummary("o-1", "ann", 1250, "placed"));

        commands.dispatch(new OrderCommand.ShipOrder("o-1"));
        assertThat(engine.awaitCaughtUp(OrderSummaries.NAME, Duration.ofSeconds(20))).isTrue();
        Optional<OrderSummary> shipped = queries.query(new OrderQuery.FindOrder("o-1"));
        assertThat(shipped).get().extracting(OrderSummary::status).isEqualTo("shipped");
        List<OrderSummary> ofAnn = queries.query(new OrderQuery.OrdersOfCustomer("ann"));
        assertThat(ofAnn).extracting(OrderSummary::orderId).containsExactly("o-1");
    }

    @Test
    void an_invalid_command_is_refused_before_anything_is_stored() {
        assertThatThrownBy(() -> commands.dispatch(new OrderCommand.PlaceOrder("o-2", "bob", -5)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("positive");
        assertThat(store.streamInfo(StreamId.of("order-o-2"))).isEmpty();
    }
}
