package dev.facta.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path temp;
    String store;

    @BeforeEach
    void store() {
        store = "sqlite:" + temp.resolve("data/facta.db");
    }

    private Facta facta(String... args) {
        return Facta.run(args);
    }

    private Facta append(String stream, String type, String data, String... more) {
        String[] base = {"stream", "append", stream, "--store", store, "--type", type, "--data", data};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return facta(all);
    }

    @Test
    void appended_events_are_shown_and_exported_as_json_lines() throws Exception {
        Facta first = append("order-1", "OrderCreated", "{\"customer\":\"ada\"}",
                "--metadata", "{\"correlationId\":\"c-1\",\"causationId\":\"cmd-7\",\"source\":\"cli\",\"attempt\":2}",
                "--expected-version", "no_stream");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).isEqualTo("order-1: nextExpectedVersion=0 position=1\n");
        assertThat(first.err()).isEmpty();
        assertThat(append("order-1", "ItemAdded", "{\"sku\":\"BOOK-42\",\"quantity\":2}", "--expected-version", "0").out())
                .isEqualTo("order-1: nextExpectedVersion=1 position=2\n");

        Facta show = facta("stream", "show", "order-1", "--store", store);
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.out()).contains("order-1: 2 events shown, last version 1")
                .contains("version 0  position 1  OrderCreated")
                .contains("version 1  position 2  ItemAdded")
                .contains("data:     {\"sku\":\"BOOK-42\",\"quantity\":2}")
                .contains("\"correlationId\":\"c-1\"");

        Facta export = facta("stream", "export", "order-1", "--store", store);
        assertThat(export.exitCode()).as(export.toString()).isZero();
        List<String> lines = export.outLines();
        assertThat(lines).hasSize(2);
        JsonNode created = JSON.readTree(lines.get(0));
        assertThat(created.get("stream").asString()).isEqualTo("order-1");
        assertThat(created.get("version").asLong()).isZero();
        assertThat(created.get("position").asLong()).isEqualTo(1);
        assertThat(created.get("type").asString()).isEqualTo("OrderCreated");
        assertThat(created.get("data").isObject()).as("data is JSON, not a string").isTrue();
        assertThat(created.get("data").get("customer").asString()).isEqualTo("ada");
        assertThat(created.get("metadata").get("correlationId").asString()).isEqualTo("c-1");
        assertThat(created.get("metadata").get("causationId").asString()).isEqualTo("cmd-7");
        assertThat(created.get("metadata").get("attempt").asString()).isEqualTo("2");
        assertThat(created.get("id").asString()).hasSize(36);
        assertThat(created.get("recordedAt").asString()).endsWith("Z");
    }

    @Test
    void exporting_the_global_log_writes_every_event_in_position_order_to_a_file() throws Exception {
        append("order-1", "OrderCreated", "{}");
        append("customer-1", "CustomerRegistered", "{\"name\":\"ada\"}");
        append("order-1", "OrderPaid", "{\"amount\":\"9.90\"}");
        Path file = temp.resolve("out/all.jsonl");

        Facta export = facta("stream", "export", "--store", store, "--output", file.toString());

        assertThat(export.exitCode()).as(export.toString()).isZero();
        assertThat(export.out()).isEmpty();
        assertThat(export.err()).isEqualTo("exported 3 events to " + file + "\n");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).extracting(l -> JSON.readTree(l).get("position").asLong()).containsExactly(1L, 2L, 3L);
        assertThat(lines).extracting(l -> JSON.readTree(l).get("stream").asString())
                .containsExactly("order-1", "customer-1", "order-1");

        Facta orders = facta("stream", "export", "--store", store, "--category", "order");
        assertThat(orders.outLines()).extracting(l -> JSON.readTree(l).get("type").asString())
                .containsExactly("OrderCreated", "OrderPaid");
    }

    @Test
    void list_shows_every_stream_in_name_order_with_its_last_version() {
        append("order-2", "A", "{}");
        append("order-1", "A", "{}");
        append("order-1", "B", "{}");
        append("customer-9", "A", "{}");

        Facta list = facta("stream", "list", "--store", store);

        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.outLines()).hasSize(4);
        assertThat(list.outLines().get(0)).startsWith("STREAM");
        assertThat(list.outLines().subList(1, 4)).extracting(l -> l.replaceAll("\\s+", " "))
                .containsExactly("customer-9 0 no", "order-1 1 no", "order-2 0 no");
        assertThat(facta("stream", "list", "--store", store, "--limit", "2").outLines()).hasSize(3);
    }

    @Test
    void show_reads_backward_and_from_a_version() {
        for (int i = 0; i < 5; i++) append("order-1", "Step" + i, "{\"i\":" + i + "}");

        Facta backward = facta("stream", "show", "order-1", "--store", store, "--backward", "--limit", "2");
        assertThat(backward.out()).contains("2 events shown, last version 4");
        assertThat(backward.out().indexOf("Step4")).isLessThan(backward.out().indexOf("Step3"));
        assertThat(backward.out()).doesNotContain("Step2");

        Facta from = facta("stream", "show", "order-1", "--store", store, "--from", "3", "--json");
        assertThat(from.outLines()).extracting(l -> JSON.readTree(l).get("version").asLong()).containsExactly(3L, 4L);
    }

    @Test
    void a_wrong_expected_version_is_a_failed_operation_with_one_line_on_stderr() {
        append("order-1", "OrderCreated", "{}");

        Facta conflict = append("order-1", "OrderCreated", "{}", "--expected-version", "no_stream");

        assertThat(conflict.exitCode()).isEqualTo(1);
        assertThat(conflict.out()).isEmpty();
        assertThat(conflict.errLines()).containsExactly("facta: stream 'order-1' expected version no_stream but is at 0");
    }

    @Test
    void an_unknown_stream_is_a_failed_operation() {
        append("order-1", "OrderCreated", "{}");

        Facta show = facta("stream", "show", "order-404", "--store", store);

        assertThat(show.exitCode()).isEqualTo(1);
        assertThat(show.errLines()).containsExactly("facta: stream 'order-404' not found");
    }

    @Test
    void malformed_json_is_bad_usage_and_writes_nothing() {
        Facta onNewStore = append("order-1", "OrderCreated", "{\"customer\": ");
        assertThat(onNewStore.exitCode()).isEqualTo(2);
        assertThat(onNewStore.errLines()).hasSize(1);
        assertThat(onNewStore.err()).startsWith("facta: --data is not valid JSON");
        assertThat(temp.resolve("data/facta.db")).doesNotExist();

        append("order-1", "OrderCreated", "{}");
        assertThat(append("order-2", "OrderCreated", "{} trailing").exitCode()).isEqualTo(2);
        assertThat(append("order-2", "OrderCreated", "{}", "--metadata", "{\"nested\":{\"no\":1}}").exitCode()).isEqualTo(2);
        assertThat(append("order-2", "OrderCreated", "{}", "--metadata", "[1]").exitCode()).isEqualTo(2);

        assertThat(facta("stream", "show", "order-2", "--store", store).exitCode()).isEqualTo(1);
        assertThat(facta("stream", "export", "--store", store).outLines()).hasSize(1);
    }

    @Test
    void missing_options_bad_values_and_unknown_commands_are_bad_usage_with_one_line_on_stderr() {
        List<Facta> runs = List.of(
                facta("stream", "append", "order-1", "--store", store, "--data", "{}"),
                facta("stream", "append", "order-1", "--store", store, "--type", "A", "--data", "{}", "--expected-version", "soon"),
                facta("stream", "show", "order-1", "--store", store, "--limit", "many"),
                facta("stream", "show", "bad\u0001name", "--store", store),
                facta("stream", "frobnicate"),
                facta("stream"),
                facta());
        assertThat(runs).allSatisfy(r -> {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.errLines()).as(r.toString()).hasSize(1);
            assertThat(r.err()).startsWith("facta");
        });
        assertThat(runs.get(0).err()).contains("--type").contains("facta stream append --help");
        assertThat(temp.resolve("data/facta.db")).doesNotExist();
    }

    @Test
    void reading_a_store_file_that_does_not_exist_fails_without_creating_it() {
        Facta list = facta("stream", "list", "--store", store);

        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).contains("no store at").contains("facta.db");
        assertThat(temp.resolve("data/facta.db")).doesNotExist();
    }

    @Test
    void the_in_memory_store_works_for_a_single_command() {
        Facta r = facta("stream", "append", "order-1", "--store", "memory:", "--type", "A", "--data", "[1,2,3]");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("order-1: nextExpectedVersion=0 position=1\n");
        assertThat(facta("stream", "list", "--store", "memory:").out()).contains("no streams");
    }

    @Test
    void stack_traces_are_printed_only_when_asked_for() {
        append("order-1", "OrderCreated", "{}");

        Facta quiet = append("order-1", "X", "{}", "--expected-version", "7");
        Facta verbose = append("order-1", "X", "{}", "--expected-version", "7", "--verbose");

        assertThat(quiet.errLines()).hasSize(1);
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.err()).contains("WrongExpectedVersionException").contains("\tat dev.facta");
    }
}
