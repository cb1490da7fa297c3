package dev.facta.codegen;

import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.serialization.SerializedEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.facta.codegen.ProtoCodegenTest.construct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonSchemaCodegenTest {

    @TempDir
    Path dir;

    Path schemas;
    Path out;

    @BeforeEach
    void copySamples() throws IOException {
        schemas = Files.createDirectories(dir.resolve("schemas"));
        out = dir.resolve("generated");
        for (String f : List.of("customer.schema.json", "common.schema.json")) {
            Files.copy(Path.of("src/test/resources/jsonschema", f), schemas.resolve(f));
        }
    }

    private GeneratedFiles.Report generate() {
        return Codegen.jsonSchema(List.of(schemas), "com.example.crm", new Codegen.Options(out, null, false, true));
    }

    private Path file(String name) {
        return out.resolve("com/example/crm/" + name + ".java");
    }

    @Test
    void records_and_enums_compile_and_round_trip_through_the_facta_serializer() throws Exception {
        GeneratedFiles.Report report = generate();
        // common.schema.json only holds $defs, so it makes no type of its own
        assertThat(report.created()).containsExactlyInAnyOrder(file("CustomerRegistered"), file("Address"), file("Amount"));
        assertThat(Files.readString(file("CustomerRegistered")))
                .contains("A customer signed up.")
                .contains("public record CustomerRegistered(\n        UUID customerId,\n        String email,\n"
                        + "        Instant registeredAt,\n        LocalDate birthday,\n        int visits,\n        Double score,\n"
                        + "        CustomerRegistered.Tier tier,\n        Address address,\n        List<String> tags,\n"
                        + "        Amount balance,\n        CustomerRegistered.Preferences preferences,\n"
                        + "        Map<String, String> attributes) {")
                .contains("@com.fasterxml.jackson.annotation.JsonProperty(\"plain-old\") PLAIN_OLD")
                .contains("public record Preferences(boolean newsletter, String language)");
        assertThat(Files.readString(file("Address"))).contains("public record Address(String street, String city, List<Address.LinesItem> lines)");

        try (URLClassLoader loader = JavaSources.compile(dir.resolve("classes"), out)) {
            Class<?> registered = loader.loadClass("com.example.crm.CustomerRegistered");
            Class<?> address = loader.loadClass("com.example.crm.Address");
            Class<?> amount = loader.loadClass("com.example.crm.Amount");
            Class<?> preferences = loader.loadClass("com.example.crm.CustomerRegistered$Preferences");
            Class<?> tier = loader.loadClass("com.example.crm.CustomerRegistered$Tier");
            Object event = construct(registered, UUID.fromString("0190a3e4-7a52-7cc1-9a1e-000000000001"), "a@example.com",
                    Instant.parse("2026-11-23T08:00:00Z"), LocalDate.of(1990, 5, 17), 3, null,
                    tier.getField("PLAIN_OLD").get(null), construct(address, "Main St 1", "Ghent", List.of()), List.of("vip"),
                    construct(amount, new BigDecimal("12.50"), "EUR"), construct(preferences, true, null), Map.of("source", "web"));

            JacksonEventSerializer serializer = new JacksonEventSerializer(
                    EventTypeRegistry.builder().register("CustomerRegistered", registered).build());
            SerializedEvent stored = serializer.serialize(event);
            String json = new String(stored.data(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"tier\":\"plain-old\"").contains("\"registeredAt\":\"2026-11-23T08:00:00Z\"")
                    .contains("\"birthday\":\"1990-05-17\"").contains("\"value\":12.50");
            assertThat(serializer.deserialize(stored.type(), stored.data())).isEqualTo(event);
            // a required primitive missing from the data is refused, not read as 0
            assertThatThrownBy(() -> serializer.deserialize("CustomerRegistered",
                    "{\"customerId\":\"0190a3e4-7a52-7cc1-9a1e-000000000001\"}".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(dev.facta.InvalidInputException.class);
        }

        // unchanged schemas write nothing; a removed $defs entry removes its file
        assertThat(generate().changedAnything()).isFalse();
        Path common = schemas.resolve("common.schema.json");
        Files.writeString(common, Files.readString(common).replace("\"value\": {\"type\": \"number\", \"format\": \"decimal\"},",
                "\"value\": {\"type\": \"number\", \"format\": \"decimal\"},\n        \"note\": {\"type\": \"string\"},"));
        GeneratedFiles.Report changed = generate();
        assertThat(changed.updated()).containsExactly(file("Amount"));
        assertThat(changed.unchanged()).hasSize(2);
    }

    @Test
    void a_ref_to_nothing_is_a_typed_error_that_writes_nothing() throws Exception {
        Path customer = schemas.resolve("customer.schema.json");
        Files.writeString(customer, Files.readString(customer).replace("#/$defs/Address", "#/$defs/Adress"));
        assertThatThrownBy(this::generate).isInstanceOfSatisfying(CodegenException.class, e -> {
            assertThat(e.kind()).isEqualTo(CodegenException.Kind.UNKNOWN_TYPE);
            assertThat(e.location()).isEqualTo("customer.schema.json#/properties/address");
            assertThat(e.getMessage()).contains("$ref '#/$defs/Adress'");
        });
        assertThat(out).doesNotExist();
    }

    @Test
    void malformed_json_names_line_and_column() throws Exception {
        Files.writeString(schemas.resolve("common.schema.json"), "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}\n");
        assertThatThrownBy(this::generate).isInstanceOfSatisfying(CodegenException.class, e -> {
            assertThat(e.kind()).isEqualTo(CodegenException.Kind.SYNTAX);
            assertThat(e.location()).isEqualTo("common.schema.json:3:18");
        });
        assertThat(out).doesNotExist();
    }

    @Test
    void two_schemas_making_one_java_type_clash() throws Exception {
        Files.writeString(schemas.resolve("other.json"), "{\"title\": \"Amount\", \"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\"}}}");
        assertThatThrownBy(this::generate).isInstanceOfSatisfying(CodegenException.class, e -> {
            assertThat(e.kind()).isEqualTo(CodegenException.Kind.NAME_CLASH);
            assertThat(e.getMessage()).contains("make the Java type Amount");
        });
        Files.writeString(schemas.resolve("other.json"), "{\"type\": \"object\", \"properties\": {\"x\": {\"oneOf\": []}}}");
        assertThatThrownBy(this::generate).isInstanceOfSatisfying(CodegenException.class, e ->
                assertThat(e.kind()).isEqualTo(CodegenException.Kind.UNSUPPORTED));
        assertThat(out).doesNotExist();
    }
}
