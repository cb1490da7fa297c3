package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code facta generate proto|json-schema}: what they write, what a second run leaves alone, and what they refuse. */
class SchemaGenerateCommandTest {
    @TempDir
    Path temp;

    private static final String PROTO = """
            syntax = "proto3";
            package billing;
            option java_package = "com.example.billing";
            option java_multiple_files = true;

            // Bills a customer.
            message IssueInvoiceCommand {
              string invoice_id = 1;
              int64 amount_cents = 2;
            }

            // An invoice went out.
            message InvoiceIssuedEvent {
              string invoice_id = 1;
              int64 amount_cents = 2;
            }

            service Billing {
              rpc Issue(IssueInvoiceCommand) returns (InvoiceIssuedEvent);
            }
            """;

    private Path protoDir() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("proto"));
        Files.writeString(dir.resolve("billing.proto"), PROTO);
        return dir;
    }

    @Test
    void proto_writes_the_sources_once_and_a_second_run_changes_nothing() throws IOException {
        Path protos = protoDir();
        Path out = temp.resolve("out");
        Facta first = Facta.run("generate", "proto", protos.toString(), "--out", out.toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("created " + out.resolve("com/example/billing/IssueInvoiceCommand.java"))
                .contains("created " + out.resolve("com/example/billing/BillingHandler.java"))
                .contains("7 created, 0 updated, 0 unchanged, 0 deleted");
        assertThat(out.resolve("com/example/billing/InvoiceIssuedEvent.java")).content()
                .contains("public record InvoiceIssuedEvent(String invoiceId, long amountCents) implements BillingEvent");

        Path handler = out.resolve("com/example/billing/BillingHandler.java");
        Files.writeString(handler, Files.readString(handler).replace(
                "throw new UnsupportedOperationException(\"BillingHandler.issue is not implemented yet\");",
                "return new InvoiceIssuedEvent(command.payload().invoiceId(), command.payload().amountCents());"));
        Facta second = Facta.run("generate", "proto", protos.toString(), "--out", out.toString());
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).isEqualTo("0 created, 0 updated, 7 unchanged, 0 deleted\n");
        assertThat(handler).content().contains("return new InvoiceIssuedEvent(");
    }

    @Test
    void a_bad_proto_fails_with_its_position_and_writes_nothing() throws IOException {
        Path protos = protoDir();
        Files.writeString(protos.resolve("billing.proto"), PROTO.replace("int64 amount_cents = 2;\n}\n\n// An invoice",
                "money amount_cents = 2;\n}\n\n// An invoice"));
        Path out = temp.resolve("out");
        Facta r = Facta.run("generate", "proto", protos.resolve("billing.proto").toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).startsWith("facta: unable to resolve money").contains("billing.proto:9:3").contains("nothing was written");
        assertThat(out).doesNotExist();
    }

    @Test
    void an_edit_outside_the_regions_is_a_conflict_unless_forced() throws IOException {
        Path protos = protoDir();
        Path out = temp.resolve("out");
        assertThat(Facta.run("generate", "proto", protos.toString(), "--out", out.toString()).exitCode()).isZero();
        Path command = out.resolve("com/example/billing/IssueInvoiceCommand.java");
        Files.writeString(command, Files.readString(command) + "// mine\n");
        Files.writeString(protos.resolve("billing.proto"), PROTO.replace("int64 amount_cents = 2;\n}\n\n// An invoice",
                "int64 amount_cents = 2;\n  string currency = 3;\n}\n\n// An invoice"));

        Facta refused = Facta.run("generate", "proto", protos.toString(), "--out", out.toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
        assertThat(refused.err()).contains("IssueInvoiceCommand.java: edited outside its facta:begin/facta:end regions");
        assertThat(command).content().contains("// mine").doesNotContain("currency");

        Facta forced = Facta.run("generate", "proto", protos.toString(), "--out", out.toString(), "--force");
        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        assertThat(command).content().contains("String currency").doesNotContain("// mine");
    }

    @Test
    void json_schema_takes_the_package_from_the_option_or_the_project() throws IOException {
        Path schema = temp.resolve("refund.schema.json");
        Files.writeString(schema, """
                {"title": "RefundIssued", "type": "object", "required": ["refundId", "cents"],
                 "properties": {"refundId": {"type": "string"}, "cents": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}}
                """);
        Path out = temp.resolve("out");
        Facta r = Facta.run("generate", "json-schema", schema.toString(), "--out", out.toString(), "--package", "com.example.refunds");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(out.resolve("com/example/refunds/RefundIssued.java")).content()
                .contains("public record RefundIssued(String refundId, long cents, Instant at)");

        Path project = Files.createDirectories(temp.resolve("project"));
        Files.writeString(project.resolve("pom.xml"), "<project><properties><facta.package>com.example.shop</facta.package></properties></project>");
        Facta fromPom = Facta.run("generate", "json-schema", schema.toString(), "--dir", project.toString());
        assertThat(fromPom.exitCode()).as(fromPom.toString()).isZero();
        assertThat(project.resolve("src/main/java/com/example/shop/RefundIssued.java")).isRegularFile();

        Path bare = Files.createDirectories(temp.resolve("bare/src/main/java"));
        Facta noPackage = Facta.run("generate", "json-schema", schema.toString(), "--dir", bare.getParent().getParent().toString());
        assertThat(noPackage.exitCode()).as(noPackage.toString()).isEqualTo(2);
        assertThat(noPackage.err()).contains("name a package with --package");
    }
}
