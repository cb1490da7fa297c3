package dev.facta.examples.codegen;

import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.command.CommandBus;
import dev.facta.examples.codegen.stock.ReceiveStock;
import dev.facta.examples.codegen.stock.ShipStock;
import dev.facta.examples.codegen.stock.StockHandler;
import dev.facta.examples.codegen.stock.StockLevel;
import dev.facta.examples.codegen.stock.StockReceived;
import dev.facta.examples.codegen.stock.StockShipped;
import dev.facta.examples.codegen.suppliers.Contact;
import dev.facta.examples.codegen.suppliers.SupplierRegistered;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.serialization.SerializedEvent;
import dev.facta.store.RecordedEvent;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The code facta:generate made in this build, with the hand-written regions of the handler and the decider, on a real
 * command bus and event store.
 */
class StockCodegenTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T09:00:00Z"), ZoneOffset.UTC);

    @Test
    void generated_commands_run_through_the_hand_written_handler_and_store_generated_events() {
        try (InMemoryEventStore store = new InMemoryEventStore();
             CommandBus bus = new StockHandler(store, clock).registerOn(CommandBus.builder()).build()) {
            StockLevel level = bus.dispatch(new ReceiveStock("sku-1", 5, "supplier-7"));
            assertThat(level).isEqualTo(new StockLevel("sku-1", 5L));
            bus.dispatch(new ShipStock("sku-1", 3, "order-1"));
            assertThatThrownBy(() -> bus.dispatch(new ShipStock("sku-1", 3, "order-2")))
                    .isInstanceOf(DomainRuleViolation.class).hasMessageContaining("2 on hand");

            List<RecordedEvent> events = store.readStream(StockHandler.stream("sku-1"));
            assertThat(events).extracting(RecordedEvent::type).containsExactly("StockReceived", "StockShipped");
            assertThat(events.getFirst().dataAsString()).isEqualTo("{\"sku\":\"sku-1\",\"quantity\":5,\"at\":\"2026-11-23T09:00:00Z\"}");
            assertThat(StockHandler.SERIALIZER.deserialize(events.get(1).type(), events.get(1).data()))
                    .isEqualTo(new StockShipped("sku-1", 3, "order-1", clock.instant()));
        }
    }

    @Test
    void json_schema_records_round_trip() {
        JacksonEventSerializer serializer = new JacksonEventSerializer(
                EventTypeRegistry.builder().register("SupplierRegistered", SupplierRegistered.class).build());
        SupplierRegistered event = new SupplierRegistered("s-1", "Acme", clock.instant(), SupplierRegistered.Rating.ON_HOLD,
                new Contact("orders@acme.example", null));
        SerializedEvent stored = serializer.serialize(event);
        assertThat(new String(stored.data(), StandardCharsets.UTF_8)).contains("\"rating\":\"on-hold\"");
        assertThat(serializer.deserialize(stored.type(), stored.data())).isEqualTo(event);
    }

    @Test
    void generated_files_carry_the_header_and_the_handler_lives_with_the_sources() throws Exception {
        Path generated = Path.of("target/generated-sources/facta/dev/facta/examples/codegen/stock/StockReceived.java");
        assertThat(Files.readString(generated)).contains("// facta:generated from=proto:stock/stock.proto hash=");
        assertThat(StockReceived.class.getInterfaces()).extracting(Class::getSimpleName).containsExactly("StockEvent");
        assertThat(Files.readString(Path.of("src/main/java/dev/facta/examples/codegen/stock/StockHandler.java")))
                .contains("// facta:begin receive").contains("repository.handle(c.sku(), c)");
        assertThat(Files.readString(Path.of("src/main/java/dev/facta/examples/codegen/stock/StockDecider.java")))
                .contains("// facta:begin decide.ShipStock").contains("return new State(state.onHand() - e.quantity());");
    }
}
