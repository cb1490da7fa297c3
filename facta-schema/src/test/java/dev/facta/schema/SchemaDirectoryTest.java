package dev.facta.schema;

import dev.facta.InvalidInputException;
import dev.facta.schema.TestEvents.OrderPlaced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaDirectoryTest {

    @TempDir
    Path dir;

    void file(String path, String content) throws Exception {
        Path f = dir.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    @Test
    void loadsEveryTypeAndVersionWithDeclaredUpcasters() throws Exception {
        file("ItemAdded/v1.json", ValidatingEventStoreTest.V1);
        file("ItemAdded/v2.json", "{\"x-facta-upcaster\": \"com.example.ItemAddedV1ToV2\", " + ValidatingEventStoreTest.V2.substring(1));
        file("ItemAdded/v10.json", ValidatingEventStoreTest.V2);
        file("ItemAdded/README.md", "notes are ignored");
        file("CartOpened/v1.json", "{\"type\": \"object\"}");
        file(".git/v1.json", "{}");

        SchemaRegistry r = SchemaDirectory.load(dir);

        assertThat(r.eventTypes()).containsExactly("CartOpened", "ItemAdded");
        assertThat(r.versions("ItemAdded")).containsExactly(1, 2, 10);
        EventSchema v2 = r.schema("ItemAdded", 2).orElseThrow();
        assertThat(v2.upcaster()).contains("com.example.ItemAddedV1ToV2");
        assertThat(v2.source()).endsWith("v2.json");
        assertThat(r.check("ItemAdded").steps().getFirst().coverage())
                .isEqualTo(CompatibilityReport.Coverage.DECLARED_UNVERIFIED);
        // the upcaster keyword does not disturb validation
        r.validate("ItemAdded", 2, SchemaRegistryTest.json("{\"sku\": \"a\", \"qty\": 1, \"unit\": \"kg\"}"));
    }

    @Test
    void badFilesAreRefusedNamingTheFile() throws Exception {
        file("ItemAdded/v01.json", "{}");
        assertThatThrownBy(() -> SchemaDirectory.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("v01.json").hasMessageContaining("v1.json, v2.json");
        Files.delete(dir.resolve("ItemAdded/v01.json"));

        file("ItemAdded/v1.json", "{\"type\": ");
        assertThatThrownBy(() -> SchemaDirectory.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("v1.json").hasMessageContaining("not valid JSON");

        file("ItemAdded/v1.json", "{\"type\": 12}");
        assertThatThrownBy(() -> SchemaDirectory.load(dir))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).endsWith("v1.json"))
                .hasMessageContaining("not valid JSON Schema");

        assertThatThrownBy(() -> SchemaDirectory.load(dir.resolve("missing")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
    }

    @Test
    void aVersionFileMayNameARecordOnTheClassPath() throws Exception {
        file("OrderPlaced/v1.json", "{\"x-facta-record\": \"" + OrderPlaced.class.getName() + "\"}");
        assertThatThrownBy(() -> SchemaDirectory.load(dir)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("class path");

        SchemaRegistry r = SchemaRegistry.create();
        SchemaDirectory.load(dir, r, getClass().getClassLoader());
        assertThat(r.latest("OrderPlaced").orElseThrow().schema()).isEqualTo(JsonSchemas.of(OrderPlaced.class));

        file("OrderPlaced/v1.json", "{\"x-facta-record\": \"com.example.Missing\"}");
        assertThatThrownBy(() -> SchemaDirectory.load(dir, SchemaRegistry.create(), getClass().getClassLoader()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not on the class path");
    }

    @Test
    void writtenSchemasLoadBackUnchanged() {
        SchemaRegistry r = SchemaRegistry.create()
                .register(OrderPlaced.class, 1)
                .register("ItemAdded", 1, SchemaRegistryTest.json(ValidatingEventStoreTest.V1))
                .register("ItemAdded", 2, SchemaRegistryTest.json(
                        "{\"x-facta-upcaster\": \"com.example.Up\", " + ValidatingEventStoreTest.V2.substring(1)));
        List<Path> files = SchemaDirectory.write(dir, r);
        assertThat(files).hasSize(3);
        assertThat(dir.resolve("ItemAdded/v2.json")).exists();

        SchemaRegistry back = SchemaDirectory.load(dir);
        assertThat(back.eventTypes()).isEqualTo(r.eventTypes());
        for (String type : r.eventTypes()) {
            for (int v : r.versions(type)) {
                assertThat(back.schema(type, v).orElseThrow().schema()).isEqualTo(r.schema(type, v).orElseThrow().schema());
                assertThat(back.schema(type, v).orElseThrow().upcaster()).isEqualTo(r.schema(type, v).orElseThrow().upcaster());
            }
        }
        assertThatThrownBy(() -> SchemaDirectory.write(dir, new EventSchema("a/b", 1, JsonSchemas.of(String.class),
                java.util.Optional.empty(), "code"))).isInstanceOf(IllegalArgumentException.class);
    }
}
