package dev.facta.schema;

import dev.facta.InvalidInputException;
import dev.facta.schema.TestEvents.OrderPlaced;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.facta.schema.SchemaRegistryTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaStreamTest {

    @TempDir
    Path dir;

    EventStore open(String kind) {
        return "sqlite".equals(kind) ? SqliteEventStore.open(dir.resolve("events.db")) : new InMemoryEventStore();
    }

    static SchemaRegistry registry() {
        return SchemaRegistry.create()
                .register(OrderPlaced.class, 1)
                .register("ItemAdded", 1, json(ValidatingEventStoreTest.V1))
                .register("ItemAdded", 2, json("{\"x-facta-upcaster\": \"com.example.Up\", "
                        + ValidatingEventStoreTest.V2.substring(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void savedSchemasLoadIntoAnotherRegistryAndSavingAgainAppendsNothing(String kind) {
        try (EventStore store = open(kind)) {
            assertThat(SchemaStream.load(store, SchemaRegistry.create())).isEmpty();
            assertThat(SchemaStream.save(store, registry())).hasSize(3);
            assertThat(SchemaStream.save(store, registry())).isEmpty();
            assertThat(store.readStream(SchemaStream.STREAM)).hasSize(3);

            SchemaRegistry loaded = SchemaRegistry.create();
            SchemaStream.load(store, loaded);
            assertThat(loaded.eventTypes()).containsExactly("ItemAdded", "OrderPlaced");
            assertThat(loaded.schema("ItemAdded", 2).orElseThrow().upcaster()).contains("com.example.Up");
            assertThat(loaded.latest("OrderPlaced").orElseThrow().schema())
                    .isEqualTo(registry().latest("OrderPlaced").orElseThrow().schema());

            SchemaRegistry more = registry().register("ItemAdded", 3, json("{\"type\": \"object\"}"));
            assertThat(SchemaStream.save(store, more)).extracting(EventSchema::version).containsExactly(3);
            assertThat(store.readStream(SchemaStream.STREAM)).hasSize(4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void aDifferentSchemaForAStoredVersionIsRefusedAndNothingIsAppended(String kind) {
        try (EventStore store = open(kind)) {
            SchemaStream.save(store, registry());
            SchemaRegistry changed = SchemaRegistry.create()
                    .register("Fresh", 1, json("{\"type\": \"object\"}"))
                    .register("ItemAdded", 1, json("{\"type\": \"object\"}"));
            assertThatThrownBy(() -> SchemaStream.save(store, changed))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("'ItemAdded' version 1").hasMessageContaining("new version");
            assertThat(store.readStream(SchemaStream.STREAM)).hasSize(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void concurrentSaversEachAppendOnlyWhatIsMissing(String kind) throws Exception {
        try (EventStore store = open(kind)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<EventSchema>>> saves = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    saves.add(pool.submit(() -> {
                        start.await();
                        return SchemaStream.save(store, registry());
                    }));
                }
                start.countDown();
                int appended = 0;
                for (Future<List<EventSchema>> f : saves) appended += f.get().size();
                assertThat(appended).isEqualTo(3);
            } finally {
                pool.shutdownNow();
            }
            SchemaRegistry loaded = SchemaRegistry.create();
            assertThat(SchemaStream.load(store, loaded)).hasSize(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "sqlite"})
    void theSchemaStreamPassesAValidatingStoreThatRequiresSchemas(String kind) {
        SchemaRegistry strict = SchemaRegistry.requiringSchemas().register(OrderPlaced.class, 1);
        try (EventStore store = new ValidatingEventStore(open(kind), strict)) {
            assertThat(SchemaStream.save(store, strict)).hasSize(1);
            assertThatThrownBy(() -> store.append(dev.facta.store.StreamId.of("order-1"), ExpectedVersion.any(),
                    EventData.of("Unknown", "{}"))).isInstanceOf(SchemaViolationException.class);
        }
    }
}
