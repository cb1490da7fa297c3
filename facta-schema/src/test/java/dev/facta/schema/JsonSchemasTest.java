package dev.facta.schema;

import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.schema.TestEvents.Address;
import dev.facta.schema.TestEvents.CatalogChanged;
import dev.facta.schema.TestEvents.Category;
import dev.facta.schema.TestEvents.Channel;
import dev.facta.schema.TestEvents.Drawn;
import dev.facta.schema.TestEvents.Line;
import dev.facta.schema.TestEvents.OrderPlaced;
import dev.facta.schema.TestEvents.Thread;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonSchemasTest {

    static final JacksonEventSerializer SERIALIZER = new JacksonEventSerializer(EventTypeRegistry.builder()
            .register("OrderPlaced", OrderPlaced.class)
            .register("CatalogChanged", CatalogChanged.class)
            .register("Thread", Thread.class)
            .register("Scheduled", TestEvents.Scheduled.class)
            .build());

    static JsonNode serialized(Object event) {
        return SERIALIZER.mapper().readTree(SERIALIZER.serialize(event).data());
    }

    static OrderPlaced samplePlaced() {
        return new OrderPlaced(UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "ada",
                List.of(new Line("book-1", 2, new BigDecimal("12.50"))), Instant.parse("2024-05-06T07:08:09.123456Z"),
                LocalDate.of(2024, 5, 10), Channel.WEB, Optional.empty(), Map.of("gift", "yes"),
                new Address("Main St 1", "Springfield", Optional.of("12345")), null, Set.of(Channel.STORE), 42L,
                true, 1.5, new BigInteger("123456789012345678901234567890"),
                OffsetDateTime.of(2024, 5, 6, 7, 8, 9, 0, ZoneOffset.ofHours(2)), (short) 3,
                new byte[]{1, 2, 3}, new int[]{7, 8}, Optional.of(new Line("x", 1, BigDecimal.ONE)), 'A');
    }

    @Test
    void recordBecomesAClosedObjectWithRequiredNonOptionalComponents() {
        ObjectNode s = JsonSchemas.of(OrderPlaced.class);

        assertThat(s.get("$schema").asString()).isEqualTo(JsonSchemas.DRAFT_2020_12);
        assertThat(s.get("type").asString()).isEqualTo("object");
        assertThat(s.get("additionalProperties").asBoolean()).isFalse();
        List<String> required = s.get("required").valueStream().map(JsonNode::asString).toList();
        assertThat(required).contains("orderId", "customer", "lines", "sequence", "shipTo", "grade")
                .doesNotContain("note", "billTo", "bonus");
        JsonNode p = s.get("properties");
        assertThat(p.get("orderId").get("format").asString()).isEqualTo("uuid");
        assertThat(p.get("placedAt").get("format").asString()).isEqualTo("date-time");
        assertThat(p.get("deliverBy").get("format").asString()).isEqualTo("date");
        assertThat(p.get("promisedAt").get("format").asString()).isEqualTo("date-time");
        assertThat(p.get("channel").get("enum").toString()).isEqualTo("[\"WEB\",\"STORE\"]");
        assertThat(p.get("note").get("type").toString()).isEqualTo("[\"string\",\"null\"]");
        assertThat(p.get("lines").get("items").get("$ref").asString()).isEqualTo("#/$defs/Line");
        assertThat(p.get("tags").get("additionalProperties").get("type").asString()).isEqualTo("string");
        assertThat(p.get("priority").get("maximum").asInt()).isEqualTo(Short.MAX_VALUE);
        assertThat(p.get("points").get("type").asString()).isEqualTo("integer");
        assertThat(p.get("points").has("maximum")).isFalse();
        assertThat(p.get("signature").get("type").asString()).isEqualTo("string");
        assertThat(p.get("scores").get("items").get("type").asString()).isEqualTo("integer");
        assertThat(p.get("billTo").get("anyOf").get(1).get("type").asString()).isEqualTo("null");
        assertThat(s.get("$defs").get("Line").get("required").toString())
                .isEqualTo("[\"sku\",\"quantity\",\"unitPrice\"]");
        assertThat(s.get("$defs").get("Address").get("required").toString()).isEqualTo("[\"street\",\"city\"]");
    }

    @Test
    void recursiveRecordsEndInReferences() {
        ObjectNode s = JsonSchemas.of(CatalogChanged.class);
        JsonNode category = s.get("$defs").get("Category");
        assertThat(category.get("properties").get("children").get("items").get("$ref").asString())
                .isEqualTo("#/$defs/Category");

        ObjectNode thread = JsonSchemas.of(Thread.class);
        assertThat(thread.get("properties").get("replies").get("items").get("$ref").asString()).isEqualTo("#");
        assertThat(thread.has("$defs")).isFalse();
    }

    @Test
    void serializedEventsValidateAgainstTheirDerivedSchema() {
        SchemaRegistry registry = SchemaRegistry.requiringSchemas()
                .register(OrderPlaced.class, 1)
                .register(CatalogChanged.class, 1)
                .register(Thread.class, 1);

        registry.validate("OrderPlaced", serialized(samplePlaced()));
        registry.validate("CatalogChanged", serialized(new CatalogChanged(
                new Category("root", List.of(new Category("books", List.of()))), Optional.empty())));
        registry.validate("Thread", serialized(new Thread("hi", List.of(new Thread("re: hi", List.of())))));
    }

    @Test
    void recordsAreRegisteredUnderTheNameTheSerializerGivesThem() {
        EventTypeRegistry types = EventTypeRegistry.builder().register("orders.placed", OrderPlaced.class).build();
        SchemaRegistry registry = SchemaRegistry.create().register(types, OrderPlaced.class, 3);
        assertThat(registry.eventTypes()).containsExactly("orders.placed");
        assertThat(registry.versions("orders.placed")).containsExactly(3);
        assertThatThrownBy(() -> registry.register(types, Thread.class, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no event type name");
    }

    @Test
    void aTypeTheSerializerCannotReadBackIsRefusedNamingTheComponent() {
        assertThatThrownBy(() -> JsonSchemas.of(Drawn.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Drawn.shape");
    }
}
