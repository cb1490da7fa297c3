package dev.facta.server;

import dev.facta.schema.SchemaRegistry;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Appends checked against the schema registry, over real HTTP: a batch with one event that breaks
 * its type's schema is refused whole, naming the event's index and the field, and stores nothing.
 */
class AppendSchemaValidationTest {
    record OrderLine(String sku, int quantity) {
    }

    record OrderPlaced(String orderId, List<OrderLine> lines) {
    }

    InMemoryEventStore store = new InMemoryEventStore();
    FactaServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        store.close();
    }

    private Http start(SchemaRegistry registry, boolean validate) {
        server = FactaServer.builder(store).schemas(registry).validateAppends(validate).build().start();
        return new Http(server);
    }

    static final String GOOD = "{\"type\":\"OrderPlaced\",\"data\":{\"orderId\":\"o-1\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}}";
    static final String BAD = "{\"type\":\"OrderPlaced\",\"data\":{\"orderId\":\"o-1\",\"lines\":[{\"sku\":\"A\",\"quantity\":\"two\"}]}}";

    @Test
    void a_batch_with_one_event_off_its_schema_is_refused_whole_naming_index_and_field() {
        Http http = start(SchemaRegistry.create().register(OrderPlaced.class, 1), true);
        Http.Reply refused = http.post("/streams/order-1", "[" + GOOD + "," + BAD + "]");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(refused.error()).isEqualTo("validation_failed");
        assertThat(refused.json().get("field").stringValue()).isEqualTo("/1/data/lines/0/quantity");
        assertThat(refused.json().get("index").intValue()).isEqualTo(1);
        assertThat(refused.json().get("message").stringValue()).contains("events[1]", "OrderPlaced");
        assertThatThrownBy(() -> store.readStream(StreamId.of("order-1"))).isInstanceOf(StreamNotFoundException.class);
        assertThat(store.headPosition()).isZero();

        Http.Reply missing = http.post("/streams/order-1", "[{\"type\":\"OrderPlaced\",\"data\":{\"lines\":[]}}]");
        assertThat(missing.json().get("field").stringValue()).isEqualTo("/0/data/orderId");
        Http.Reply extra = http.post("/streams/order-1", "[" + GOOD.replace("\"o-1\"", "\"o-1\",\"x\":1") + "]");
        assertThat(extra.json().get("field").stringValue()).isEqualTo("/0/data/x");
        assertThat(store.headPosition()).isZero();

        assertThat(http.post("/streams/order-1", "[" + GOOD + "," + GOOD + "]").status()).isEqualTo(201);
        // types without a schema pass in a registry that does not require one
        assertThat(http.post("/streams/order-1", "[{\"type\":\"Noted\",\"data\":{\"any\":1}}]").status()).isEqualTo(201);
    }

    @Test
    void a_registry_that_requires_schemas_refuses_unknown_types() {
        Http http = start(SchemaRegistry.requiringSchemas().register(OrderPlaced.class, 1), true);
        Http.Reply refused = http.post("/streams/order-1", "[" + GOOD + ",{\"type\":\"Noted\",\"data\":{}}]");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("field").stringValue()).isEqualTo("/1/data");
        assertThat(store.headPosition()).isZero();
    }

    @Test
    void refusals_of_the_envelope_name_the_field_too() {
        Http http = start(SchemaRegistry.create(), true);
        String fine = "{\"type\":\"A\",\"data\":{}}";
        Map<String, String> cases = Map.of(
                "{\"data\":{}}", "/1/type",
                "{\"type\":7,\"data\":{}}", "/1/type",
                "{\"type\":\"A\"}", "/1/data",
                "{\"type\":\"A\",\"data\":{},\"meta\":{}}", "/1/meta",
                "{\"id\":\"x\",\"type\":\"A\",\"data\":{}}", "/1/id",
                "{\"type\":\"A\",\"data\":{},\"metadata\":{\"nested\":{}}}", "/1/metadata/nested",
                "7", "/1");
        cases.forEach((bad, field) -> {
            Http.Reply r = http.post("/streams/order-1", "[" + fine + "," + bad + "]");
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.error()).isEqualTo("bad_request");
            assertThat(r.json().get("field").stringValue()).as(bad).isEqualTo(field);
        });
        assertThat(store.headPosition()).isZero();
    }

    @Test
    void validation_can_be_turned_off() {
        Http http = start(SchemaRegistry.create().register(OrderPlaced.class, 1), false);
        assertThat(http.post("/streams/order-1", "[" + BAD + "]").status()).isEqualTo(201);
    }
}
