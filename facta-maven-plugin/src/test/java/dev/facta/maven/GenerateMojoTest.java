package dev.facta.maven;

import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerateMojoTest {

    @TempDir
    Path base;

    GenerateMojo mojo;
    MavenProject project;

    static final String PROTO = """
            syntax = "proto3";
            package shop.stock;
            option java_multiple_files = true;

            // Stock arrived. facta:event
            message StockReceived {
              string sku = 1;
              int32 quantity = 2;
            }

            message ReceiveStock {
              string sku = 1;
              int32 quantity = 2;
            }

            service Stock {
              rpc Receive(ReceiveStock) returns (StockReceived);
            }
            """;

    @BeforeEach
    void project() throws IOException {
        Files.createDirectories(base.resolve("src/main/proto/shop"));
        Files.writeString(base.resolve("src/main/proto/shop/stock.proto"), PROTO);
        Files.createDirectories(base.resolve("src/main/jsonschema"));
        Files.writeString(base.resolve("src/main/jsonschema/supplier.schema.json"), """
                {"title": "Supplier", "type": "object", "required": ["id"],
                 "properties": {"id": {"type": "string"}, "rating": {"type": "integer"}}}
                """);
        project = new MavenProject();
        mojo = new GenerateMojo();
        mojo.project = project;
        mojo.protoDirectory = base.resolve("src/main/proto").toFile();
        mojo.jsonSchemaDirectory = base.resolve("src/main/jsonschema").toFile();
        mojo.jsonSchemaPackage = "com.example.suppliers";
        mojo.outputDirectory = base.resolve("target/generated-sources/facta").toFile();
        mojo.skeletonDirectory = base.resolve("src/main/java").toFile();
    }

    private Path generated(String path) {
        return base.resolve("target/generated-sources/facta").resolve(path);
    }

    @Test
    void generates_models_and_skeletons_adds_the_source_roots_and_rewrites_nothing_when_nothing_changed() throws Exception {
        mojo.execute();
        assertThat(generated("shop/stock/StockReceived.java")).content().contains("public record StockReceived(String sku, int quantity) implements StockEvent");
        assertThat(generated("shop/stock/ReceiveStock.java")).content().contains("implements StockCommand");
        assertThat(generated("com/example/suppliers/Supplier.java")).content().contains("public record Supplier(String id, Long rating)");
        Path handler = base.resolve("src/main/java/shop/stock/StockHandler.java");
        assertThat(handler).content().contains("// facta:begin receive");
        assertThat(project.getCompileSourceRoots()).containsExactly(
                base.resolve("target/generated-sources/facta").toString(), base.resolve("src/main/java").toString());

        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(generated("shop/stock/StockReceived.java"), old);
        Files.writeString(handler, Files.readString(handler).replace(
                "throw new UnsupportedOperationException(\"StockHandler.receive is not implemented yet\");",
                "return new StockReceived(command.payload().sku(), command.payload().quantity());"));
        Files.setLastModifiedTime(handler, old);

        new GenerateMojo() {{
            project = GenerateMojoTest.this.project;
            protoDirectory = mojo.protoDirectory;
            jsonSchemaDirectory = mojo.jsonSchemaDirectory;
            jsonSchemaPackage = mojo.jsonSchemaPackage;
            outputDirectory = mojo.outputDirectory;
            skeletonDirectory = mojo.skeletonDirectory;
        }}.execute();
        assertThat(Files.getLastModifiedTime(generated("shop/stock/StockReceived.java"))).isEqualTo(old);
        assertThat(Files.getLastModifiedTime(handler)).isEqualTo(old);
        assertThat(handler).content().contains("return new StockReceived(command.payload().sku(), command.payload().quantity());");

        // a changed schema rewrites what it generates and keeps the handler's code
        Files.writeString(base.resolve("src/main/proto/shop/stock.proto"), PROTO.replace("  int32 quantity = 2;\n}\n\nmessage ReceiveStock",
                "  int32 quantity = 2;\n  string warehouse = 3;\n}\n\nmessage ReceiveStock"));
        mojo.execute();
        assertThat(generated("shop/stock/StockReceived.java")).content().contains("String warehouse");
        assertThat(handler).content().contains("return new StockReceived(command.payload().sku(), command.payload().quantity());");
    }

    @Test
    void a_bad_proto_fails_the_build_with_its_position_and_writes_nothing() throws Exception {
        Files.writeString(base.resolve("src/main/proto/shop/stock.proto"), PROTO.replace("int32 quantity = 2;\n}\n\nmessage Receive",
                "int32 quantity = 2\n}\n\nmessage Receive"));
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("Syntax error").hasMessageContaining("shop/stock.proto:9:2").hasMessageContaining("nothing was written");
        assertThat(base.resolve("target")).doesNotExist();
        assertThat(base.resolve("src/main/java")).doesNotExist();
    }

    @Test
    void schemas_without_a_package_and_edited_generated_files_fail_the_build() throws Exception {
        mojo.jsonSchemaPackage = null;
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoFailureException.class).hasMessageContaining("<jsonSchemaPackage>");

        mojo.jsonSchemaPackage = "com.example.suppliers";
        mojo.execute();
        Path supplier = generated("com/example/suppliers/Supplier.java");
        Files.writeString(supplier, Files.readString(supplier).replace("Long rating", "long rating"));
        Files.writeString(base.resolve("src/main/jsonschema/supplier.schema.json"),
                Files.readString(base.resolve("src/main/jsonschema/supplier.schema.json")).replace("\"rating\"", "\"score\""));
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("Supplier.java: edited outside its facta:begin/facta:end regions");
        assertThat(supplier).content().contains("long rating");

        mojo.force = true;
        mojo.execute();
        assertThat(supplier).content().contains("Long score");
    }

    @Test
    void an_emptied_schema_folder_removes_the_unedited_files_it_generated() throws Exception {
        mojo.execute();
        Path handler = base.resolve("src/main/java/shop/stock/StockHandler.java");
        Files.writeString(handler, Files.readString(handler).replace(
                "throw new UnsupportedOperationException(\"StockHandler.receive is not implemented yet\");", "return null;"));
        Files.delete(base.resolve("src/main/proto/shop/stock.proto"));
        mojo.execute();
        assertThat(generated("shop/stock/StockReceived.java")).doesNotExist();
        assertThat(base.resolve("src/main/java/shop/stock/StockDecider.java")).doesNotExist();
        assertThat(handler).exists();
        assertThat(generated("com/example/suppliers/Supplier.java")).exists();
    }

    @Test
    void skip_does_nothing() throws Exception {
        mojo.skip = true;
        mojo.execute();
        assertThat(base.resolve("target")).doesNotExist();
        assertThat(project.getCompileSourceRoots()).isEmpty();
    }
}
