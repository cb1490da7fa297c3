package dev.facta.schema;

import dev.facta.InvalidInputException;
import dev.facta.schema.TestEvents.OrderPlaced;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import dev.facta.upcasting.Revisions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValidatingEventStoreTest {

    static final String V1 = """
            {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
             "required": ["sku", "qty"]}""";
    static final String V2 = """
            {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"},
             "unit": {"enum": ["piece", "kg"]}}, "required": ["sku", "qty", "unit"]}""";

    @TempDir
    Path dir;

    EventStore open(String kind) {
        return switch (kind) {
            case "memory" -> new InMemoryEventStore();
            case "sqlite" -> SqliteEventStore.open(dir.resolve("events.db"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static SchemaRegistry registry() {
        return SchemaRegistry.create()
                .register("ItemAdded", 1, SchemaRegistryTest.json(V1))
                .register("ItemAdded", 2, SchemaRegistryTest.json(V2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aBatchWithOneBadEventIsRefusedWholeAndNothingIsWritten(String kind) {
        try (EventStore store = new ValidatingEventStore(open(kind), registry())) {
            StreamId stream = StreamId.of("cart-1");
            store.append(stream, ExpectedVersion.any(), EventData.of("ItemAdded", "{\"sku\": \"a\", \"qty\": 1, \"unit\": \"kg\"}"));
            long head = store.headPosition();

            assertThatThrownBy(() -> store.append(stream, ExpectedVersion.any(), List.of(
                    EventData.of("ItemAdded", "{\"sku\": \"b\", \"qty\": 2, \"unit\": \"piece\"}"),
                    EventData.of("Untyped", "{\"anything\": true}"),
                    EventData.of("ItemAdded", "{\"sku\": \"c\", \"qty\": \"three\", \"unit\": \"piece\"}"))))
                    .isInstanceOfSatisfying(SchemaViolationException.class, e -> {
                        assertThat(e.eventType()).isEqualTo("ItemAdded");
                        assertThat(e.version()).isEqualTo(2);
                        assertThat(e.field()).isEqualTo("/qty");
                        assertThat(e.getMessage()).startsWith("events[2]: ").contains("/qty");
                    });
            assertThat(store.headPosition()).isEqualTo(head);
            assertThat(store.readStream(stream)).hasSize(1);

            store.append(stream, ExpectedVersion.exactly(0), List.of(
                    EventData.of("ItemAdded", "{\"sku\": \"b\", \"qty\": 2, \"unit\": \"piece\"}"),
                    EventData.of("Untyped", "{\"anything\": true}")));
            assertThat(store.readStream(stream)).hasSize(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aStampedRevisionIsCheckedAgainstItsOwnVersion(String kind) {
        try (EventStore store = new ValidatingEventStore(open(kind), registry())) {
            StreamId stream = StreamId.of("cart-2");
            EventData old = Revisions.stamp(EventData.of("ItemAdded", "{\"sku\": \"a\", \"qty\": 1}"), 1);
            store.append(stream, ExpectedVersion.noStream(), old);
            assertThatThrownBy(() -> store.append(stream, ExpectedVersion.any(),
                    EventData.of("ItemAdded", "{\"sku\": \"a\", \"qty\": 1}")))
                    .isInstanceOfSatisfying(SchemaViolationException.class, e -> assertThat(e.field()).isEqualTo("/unit"));
            assertThatThrownBy(() -> store.append(stream, ExpectedVersion.any(),
                    EventData.of("ItemAdded", "{\"sku\": \"a\", \"qty\": 1}", Metadata.empty().with(Revisions.KEY, "7"))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("no schema version 7");
            assertThat(store.readStream(stream)).hasSize(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aRegistryThatRequiresSchemasRefusesUnknownTypes(String kind) {
        SchemaRegistry strict = SchemaRegistry.requiringSchemas().register(OrderPlaced.class, 1);
        try (EventStore store = new ValidatingEventStore(open(kind), strict)) {
            assertThatThrownBy(() -> store.append(StreamId.of("x"), ExpectedVersion.any(),
                    EventData.of("Untyped", "{}")))
                    .isInstanceOfSatisfying(SchemaViolationException.class, e -> assertThat(e.eventType()).isEqualTo("Untyped"));
            assertThat(store.headPosition()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void dataThatIsNotJsonIsLeftToTheStoresOwnCheck(String kind) {
        try (EventStore store = new ValidatingEventStore(open(kind), registry())) {
            assertThatThrownBy(() -> store.append(StreamId.of("x"), ExpectedVersion.any(),
                    EventData.of("ItemAdded", "{not json")))
                    .isInstanceOf(InvalidInputException.class)
                    .isNotInstanceOf(SchemaViolationException.class);
            assertThat(store.describe()).contains("schema-validated");
        }
    }
}
