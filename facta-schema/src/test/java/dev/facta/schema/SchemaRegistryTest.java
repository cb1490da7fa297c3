package dev.facta.schema;

import dev.facta.InvalidInputException;
import dev.facta.schema.TestEvents.OrderPlaced;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaRegistryTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    static final String ORDER_V1 = """
            {"type": "object",
             "properties": {
               "orderId": {"type": "string", "format": "uuid"},
               "items": {"type": "array", "items": {"type": "object",
                 "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
                 "required": ["sku", "quantity"]}}},
             "required": ["orderId", "items"]}
            """;

    @Test
    void validDataPasses() {
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, json(ORDER_V1));
        r.validate("OrderPlaced", json("""
                {"orderId": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "items": [{"sku": "a", "quantity": 2}]}"""));
    }

    @Test
    void aMissingNestedFieldIsNamedAsAJsonPointer() {
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, json(ORDER_V1));
        assertThatThrownBy(() -> r.validate("OrderPlaced", json("""
                {"orderId": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "items": [{"quantity": 2}]}""")))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> {
                    assertThat(e).isInstanceOf(InvalidInputException.class);
                    assertThat(e.eventType()).isEqualTo("OrderPlaced");
                    assertThat(e.version()).isEqualTo(1);
                    assertThat(e.field()).isEqualTo("/items/0/sku");
                    assertThat(e.getMessage()).contains("OrderPlaced", "/items/0/sku", "sku");
                });
    }

    @Test
    void wrongTypesAndFormatsAreNamedWithWhatWasWrong() {
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, json(ORDER_V1));
        assertThatThrownBy(() -> r.validate("OrderPlaced", json("""
                {"orderId": "not-a-uuid", "items": [{"sku": "a", "quantity": "two"}]}""")))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> {
                    assertThat(e.violations()).extracting(SchemaViolationException.Violation::field)
                            .containsExactlyInAnyOrder("/orderId", "/items/0/quantity");
                    assertThat(e.getMessage()).contains("uuid").contains("integer");
                });
        assertThatThrownBy(() -> r.validate("OrderPlaced", json("[]")))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> assertThat(e.field()).isEmpty());
    }

    @Test
    void schemasDeclaringTheDraftAssertFormatsTooAndIgnoreCustomKeywords() {
        ObjectNode declared = (ObjectNode) json(ORDER_V1);
        declared.put("$schema", JsonSchemas.DRAFT_2020_12);
        declared.put("x-facta-upcaster", "com.example.Up");
        declared.put("x-team", "orders");
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, declared);
        assertThatThrownBy(() -> r.validate("OrderPlaced", json("{\"orderId\": \"nope\", \"items\": []}")))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> assertThat(e.field()).isEqualTo("/orderId"));
        r.validate("OrderPlaced", json("{\"orderId\": \"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\", \"items\": []}"));
    }

    @Test
    void validationUsesTheLatestVersionUnlessOneIsNamed() {
        ObjectNode v2 = (ObjectNode) json(ORDER_V1);
        ((ObjectNode) v2.get("properties")).putObject("currency").put("type", "string");
        ((ArrayNode) v2.get("required")).add("currency");
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 2, v2).register("OrderPlaced", 1, json(ORDER_V1));
        JsonNode old = json("{\"orderId\": \"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\", \"items\": []}");

        assertThat(r.versions("OrderPlaced")).containsExactly(1, 2);
        assertThat(r.latest("OrderPlaced").orElseThrow().version()).isEqualTo(2);
        r.validate("OrderPlaced", 1, old);
        assertThatThrownBy(() -> r.validate("OrderPlaced", old))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> {
                    assertThat(e.field()).isEqualTo("/currency");
                    assertThat(e.version()).isEqualTo(2);
                });
        assertThatThrownBy(() -> r.validate("OrderPlaced", 3, old))
                .isInstanceOf(InvalidInputException.class)
                .isNotInstanceOf(SchemaViolationException.class)
                .hasMessageContaining("no schema version 3");
    }

    @Test
    void typesWithoutSchemaPassUnlessSchemasAreRequired() {
        JsonNode any = json("{\"x\": 1}");
        SchemaRegistry.create().validate("Unknown", any);
        assertThatThrownBy(() -> SchemaRegistry.requiringSchemas().register(OrderPlaced.class, 1).validate("Unknown", any))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> {
                    assertThat(e.eventType()).isEqualTo("Unknown");
                    assertThat(e.getMessage()).contains("no schema").contains("OrderPlaced");
                });
    }

    @Test
    void badSchemasAndConflictingRegistrationsAreRefused() {
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, json(ORDER_V1));
        assertThatThrownBy(() -> r.register("Other", 1, json("{\"type\": \"strang\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON Schema");
        assertThatThrownBy(() -> r.register("Other", 0, json("{}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("start at 1");
        assertThatThrownBy(() -> r.register("bad type\n", 1, json("{}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.register("OrderPlaced", 1, json("{\"type\": \"object\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 2");
        r.register("OrderPlaced", 1, json(ORDER_V1)); // the same again is fine
        assertThat(r.eventTypes()).containsExactly("OrderPlaced");
    }

    @Test
    void referencesOutsideTheSchemaAreNotFetched() {
        JsonNode remote = json("{\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"http://127.0.0.1:9/a.json\"}}}");
        SchemaRegistry r = SchemaRegistry.create();
        assertThatThrownBy(() -> r.register("Remote", 1, remote))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://127.0.0.1:9/a.json").hasMessageContaining("self-contained");
        assertThat(r.has("Remote")).isFalse();
    }

    @Test
    void schemasHandedOutAreCopies() {
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, json(ORDER_V1));
        ObjectNode s = r.latest("OrderPlaced").orElseThrow().schema();
        s.removeAll();
        assertThat(r.latest("OrderPlaced").orElseThrow().schema().has("properties")).isTrue();
    }

    @Test
    void validationRunsConcurrentlyWithRegistration() throws Exception {
        SchemaRegistry r = SchemaRegistry.create().register("OrderPlaced", 1, json(ORDER_V1));
        JsonNode good = json("{\"orderId\": \"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\", \"items\": [{\"sku\": \"a\", \"quantity\": 1}]}");
        JsonNode bad = json("{\"orderId\": \"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\", \"items\": [{\"sku\": 5, \"quantity\": 1}]}");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        try {
            for (int t = 0; t < 3; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 300; i++) {
                        r.validate("OrderPlaced", good);
                        try {
                            r.validate("OrderPlaced", bad);
                            failures.add("bad data passed");
                        } catch (SchemaViolationException e) {
                            if (!e.field().equals("/items/0/sku")) failures.add(e.field());
                        }
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                    r.register("Type" + i, 1, json("{\"type\": \"object\"}"));
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).isEmpty();
        assertThat(r.eventTypes()).hasSize(51);
    }
}
