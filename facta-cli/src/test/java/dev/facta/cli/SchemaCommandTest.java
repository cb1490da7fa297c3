package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code facta schema list|show|check} on schema folders written by the test. */
class SchemaCommandTest {
    @TempDir
    Path temp;

    static final String ORDER_V1 = """
            {"type": "object",
             "properties": {
               "orderId": {"type": "string", "format": "uuid"},
               "customer": {"type": "string"},
               "lines": {"type": "array", "items": {"type": "object",
                 "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
                 "required": ["sku", "quantity"]}}},
             "required": ["orderId", "customer", "lines"]}
            """;

    /** v1 with the required customer removed, the line quantity made a string and an optional note added. */
    static final String ORDER_V2_BREAKING = """
            {"type": "object",
             "properties": {
               "orderId": {"type": "string", "format": "uuid"},
               "lines": {"type": "array", "items": {"type": "object",
                 "properties": {"sku": {"type": "string"}, "quantity": {"type": "string"}},
                 "required": ["sku", "quantity"]}},
               "note": {"type": "string"}},
             "required": ["orderId", "lines"]}
            """;

    /** v1 plus an optional note: compatible. */
    static final String ORDER_V2_COMPATIBLE = ORDER_V1.replace("\"customer\": {\"type\": \"string\"},",
            "\"customer\": {\"type\": \"string\"}, \"note\": {\"type\": \"string\"},");

    Path schemas(String v2) throws IOException {
        Path dir = temp.resolve("schemas");
        write(dir.resolve("OrderPlaced/v1.json"), ORDER_V1);
        write(dir.resolve("OrderPlaced/v2.json"), v2);
        write(dir.resolve("OrderShipped/v1.json"), "{\"type\": \"object\", \"properties\": {\"orderId\": {\"type\": \"string\"}}}");
        return dir;
    }

    static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    static String withUpcaster(String schema, String className) {
        return "{\"x-facta-upcaster\": \"" + className + "\", " + schema.strip().substring(1);
    }

    @Test
    void a_breaking_change_without_an_upcaster_fails_check_with_exit_code_1_and_names_the_field() throws IOException {
        Path dir = schemas(ORDER_V2_BREAKING);

        Facta r = Facta.run("schema", "check", "--dir", dir.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("OrderPlaced v1 -> v2: BREAKING, no upcaster")
                .contains("breaking /customer: required field removed")
                .contains("breaking /lines/*/quantity: type changed from integer to string")
                .contains("ok       /note: optional field added")
                .contains("OrderShipped v1: only one version");
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("facta: schema check failed: 2 breaking changes not covered by an upcaster")
                .contains("OrderPlaced v1 -> v2 field /customer (required field removed)")
                .contains("field /lines/*/quantity");

        Facta one = Facta.run("schema", "check", "OrderPlaced", "--dir", dir.toString(), "--quiet");
        assertThat(one.exitCode()).as(one.toString()).isEqualTo(1);
        assertThat(one.out()).doesNotContain("OrderShipped");
    }

    @Test
    void compatible_versions_pass_check() throws IOException {
        Path dir = schemas(ORDER_V2_COMPATIBLE);
        Facta r = Facta.run("schema", "check", "--dir", dir.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("OrderPlaced v1 -> v2: compatible").contains("ok       /note: optional field added");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void a_declared_upcaster_covers_breaking_changes_and_is_verified_against_the_class_path() throws Exception {
        Path dir = schemas(withUpcaster(ORDER_V2_BREAKING, "com.example.OrderPlacedV1ToV2"));

        Facta unverified = Facta.run("schema", "check", "--dir", dir.toString());
        assertThat(unverified.exitCode()).as(unverified.toString()).isZero();
        assertThat(unverified.out()).contains("OrderPlaced v1 -> v2: 2 breaking changes, covered by upcaster"
                + " com.example.OrderPlacedV1ToV2 (declared, not verified: give --classpath to check it)");
        assertThat(unverified.err()).isEmpty();

        Path classes = compileUpcaster("OrderPlacedV1ToV2", "OrderPlaced", 1);
        Facta verified = Facta.run("schema", "check", "--dir", dir.toString(), "--classpath", classes.toString());
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.out()).contains("covered by upcaster com.example.OrderPlacedV1ToV2 (verified)");

        Path libs = temp.resolve("libs");
        jar(classes, libs.resolve("orders.jar"));
        Facta fromJar = Facta.run("schema", "check", "--dir", dir.toString(), "--classpath", libs + "/*");
        assertThat(fromJar.exitCode()).as(fromJar.toString()).isZero();
        assertThat(fromJar.out()).contains("(verified)");

        Facta missing = Facta.run("schema", "check", "--dir", dir.toString(), "--classpath", temp.resolve("schemas").toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.out()).contains("upcaster com.example.OrderPlacedV1ToV2 unusable: class"
                + " com.example.OrderPlacedV1ToV2 is not on the class path");
        assertThat(missing.err()).contains("/customer");
    }

    @Test
    void an_upcaster_for_the_wrong_revision_does_not_cover() throws Exception {
        Path dir = schemas(withUpcaster(ORDER_V2_BREAKING, "com.example.Wrong"));
        Path classes = compileUpcaster("Wrong", "OrderShipped", 1);
        Facta r = Facta.run("schema", "check", "--dir", dir.toString(), "--classpath", classes.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("reads 'OrderShipped' revision 1, not 'OrderPlaced' revision 1");
    }

    @Test
    void list_and_show_print_types_versions_and_schemas() throws IOException {
        Path dir = schemas(withUpcaster(ORDER_V2_COMPATIBLE, "com.example.OrderPlacedV1ToV2"));

        Facta list = Facta.run("schema", "list", "--dir", dir.toString());
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.outLines()).hasSize(3);
        assertThat(list.outLines().get(1)).startsWith("OrderPlaced").contains("1, 2").contains("v2: com.example.OrderPlacedV1ToV2");
        assertThat(list.outLines().get(2)).startsWith("OrderShipped").contains(" 1 ").endsWith("-");

        Facta latest = Facta.run("schema", "show", "OrderPlaced", "--dir", dir.toString());
        assertThat(latest.exitCode()).as(latest.toString()).isZero();
        assertThat(latest.out()).contains("\"note\"").contains("\"x-facta-upcaster\" : \"com.example.OrderPlacedV1ToV2\"");

        Facta v1 = Facta.run("schema", "show", "OrderPlaced", "--version", "1", "--dir", dir.toString());
        assertThat(v1.exitCode()).as(v1.toString()).isZero();
        assertThat(v1.out()).contains("\"customer\"").doesNotContain("\"note\"");
    }

    @Test
    void a_version_file_can_name_a_record_on_the_class_path() throws Exception {
        Path dir = temp.resolve("schemas");
        write(dir.resolve("ItemAdded/v1.json"), "{\"type\": \"object\", \"properties\": {\"sku\": {\"type\": \"string\"}},"
                + " \"required\": [\"sku\"]}");
        write(dir.resolve("ItemAdded/v2.json"), "{\"x-facta-record\": \"com.example.ItemAdded\"}");
        Path classes = compile("com.example.ItemAdded", """
                package com.example;
                public record ItemAdded(String sku, int quantity) {}
                """);

        Facta without = Facta.run("schema", "list", "--dir", dir.toString());
        assertThat(without.exitCode()).as(without.toString()).isEqualTo(2);
        assertThat(without.err()).contains("v2.json").contains("class path");

        Facta show = Facta.run("schema", "show", "ItemAdded", "--dir", dir.toString(), "--classpath", classes.toString());
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.out()).contains("\"quantity\"").contains("\"additionalProperties\" : false");

        Facta check = Facta.run("schema", "check", "--dir", dir.toString(), "--classpath", classes.toString());
        assertThat(check.exitCode()).as(check.toString()).isEqualTo(1);
        assertThat(check.err()).contains("ItemAdded v1 -> v2 field /quantity (required field added without a default)");
    }

    @Test
    void usage_errors_exit_with_2() throws IOException {
        Path dir = schemas(ORDER_V2_COMPATIBLE);

        Facta unknownType = Facta.run("schema", "show", "Nope", "--dir", dir.toString());
        assertThat(unknownType.exitCode()).as(unknownType.toString()).isEqualTo(2);
        assertThat(unknownType.err()).contains("no schema for event type 'Nope'").contains("OrderPlaced, OrderShipped");

        Facta unknownVersion = Facta.run("schema", "show", "OrderPlaced", "--version", "9", "--dir", dir.toString());
        assertThat(unknownVersion.exitCode()).isEqualTo(2);
        assertThat(unknownVersion.err()).contains("no schema version 9").contains("1, 2");

        assertThat(Facta.run("schema", "check", "Nope", "--dir", dir.toString()).exitCode()).isEqualTo(2);
        assertThat(Facta.run("schema", "show", "--dir", dir.toString()).exitCode()).isEqualTo(2);
        assertThat(Facta.run("schema").exitCode()).isEqualTo(2);
        assertThat(Facta.run("schema", "show", "OrderPlaced", "--version", "0", "--dir", dir.toString()).exitCode()).isEqualTo(2);

        Facta missingDir = Facta.run("schema", "list", "--dir", temp.resolve("nowhere").toString());
        assertThat(missingDir.exitCode()).isEqualTo(2);
        assertThat(missingDir.err()).contains("does not exist");

        Facta badClasspath = Facta.run("schema", "check", "--dir", dir.toString(), "--classpath", temp.resolve("none.jar").toString());
        assertThat(badClasspath.exitCode()).isEqualTo(2);

        write(dir.resolve("OrderPlaced/v3.json"), "{\"type\": 7}");
        Facta badSchema = Facta.run("schema", "check", "--dir", dir.toString());
        assertThat(badSchema.exitCode()).isEqualTo(2);
        assertThat(badSchema.err()).contains("v3.json").contains("not valid JSON Schema");
    }

    /** Compiles {@code com.example.<name>}, an upcaster that reads {@code type} at {@code revision}. */
    private Path compileUpcaster(String name, String type, int revision) throws IOException {
        return compile("com.example." + name, """
                package com.example;
                import dev.facta.store.RecordedEvent;
                import dev.facta.upcasting.Upcaster;
                import java.util.List;
                public final class %s implements Upcaster {
                    public String eventType() { return "%s"; }
                    public int fromRevision() { return %d; }
                    public List<RecordedEvent> upcast(RecordedEvent e) { return List.of(e); }
                }
                """.formatted(name, type, revision));
    }

    /** Packs a class folder into a jar. */
    private static void jar(Path classes, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             var files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
    }

    /** Compiles one class against the test's class path into a fresh folder, for --classpath. */
    private Path compile(String className, String source) throws IOException {
        Path src = temp.resolve("src").resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path out = temp.resolve("classes-" + className);
        Files.createDirectories(out);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "--release", "21", "-d", out.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();
        return out;
    }
}
