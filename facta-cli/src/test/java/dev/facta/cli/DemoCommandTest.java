package dev.facta.cli;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code facta demo}: the server with the order domain and live traffic, for as long as asked. */
class DemoCommandTest {
    @TempDir
    Path temp;

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_demo_serves_the_order_domain_with_traffic_flowing_and_stops_when_its_duration_ends() throws Exception {
        String store = "sqlite:" + temp.resolve("demo/facta.db");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(
                new String[]{"demo", "--store", store, "--port", "0", "--duration", "8s", "--rate", "20"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));

        String url = awaitLine(out, Pattern.compile("HTTP API: +(http://\\S+)"), exit);
        String order = awaitLine(out, Pattern.compile("curl -s http://\\S+/streams/(order-[0-9a-f]+)"), exit);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Admin UI:  " + url + "/admin").contains("/subscribe/all?from=")
                .contains("./facta projection status order-summaries");

        assertThat(get(url + "/health").statusCode()).isEqualTo(200);
        JsonNode walkthrough = EventJson.MAPPER.readTree(get(url + "/streams/" + order).body());
        assertThat(walkthrough.get("events")).hasSize(5);
        long head = EventJson.MAPPER.readTree(get(url + "/health").body()).get("headPosition").asLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long later = head;
        while (later <= head && System.nanoTime() < deadline) {
            Thread.sleep(100);
            later = EventJson.MAPPER.readTree(get(url + "/health").body()).get("headPosition").asLong();
        }
        assertThat(later).as("traffic is flowing").isGreaterThan(head);
        assertThat(get(url + "/admin").statusCode()).isEqualTo(200);

        assertThat(exit.get(30, TimeUnit.SECONDS)).as(out + "\n" + err).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("Demo stopped after \\d+ events of live traffic");
        assertThatThrownBy(() -> get(url + "/health")).as("the server stopped with the demo").isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void the_projection_folds_every_order_into_a_summary_in_the_store_file() throws Exception {
        Path file = temp.resolve("facta.db");
        Facta demo = Facta.run("demo", "--store", "sqlite:" + file, "--port", "0", "--duration", "3s", "--rate", "10");
        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        String order = demo.out().replaceAll("(?s).*\\./facta stream show (order-[0-9a-f]+).*", "$1");

        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            var summaries = SqliteProjectionStore.on(events).readModels().collection("order_summaries_v1", DocumentCodec.json());
            JsonNode summary = EventJson.MAPPER.readTree(summaries.get(order).orElseThrow());
            assertThat(summary.get("status").stringValue()).isEqualTo("shipped");
            assertThat(summary.get("items").asInt()).isEqualTo(3);
            assertThat(summary.get("total").decimalValue()).isEqualByComparingTo("58.90");
            assertThat(summary.get("carrier").stringValue()).isEqualTo("DHL");
            assertThat(summary.get("version").asLong()).isEqualTo(4);
        }
    }

    @Test
    void bad_durations_rates_and_ports_are_bad_usage() {
        assertThat(Facta.run("demo", "--store", "memory:", "--duration", "soon").exitCode()).isEqualTo(2);
        assertThat(Facta.run("demo", "--store", "memory:", "--rate", "0").exitCode()).isEqualTo(2);
        assertThat(Facta.run("demo", "--store", "memory:", "--port", "70000").exitCode()).isEqualTo(2);
        assertThat(DemoCommand.parseDuration("1500ms").toMillis()).isEqualTo(1500);
        assertThat(DemoCommand.parseDuration("2m").toSeconds()).isEqualTo(120);
        assertThat(DemoCommand.parseDuration("PT3S").toSeconds()).isEqualTo(3);
    }

    /** Waits for a line of the running command's output and returns the pattern's first group. */
    static String awaitLine(ByteArrayOutputStream out, Pattern pattern, CompletableFuture<Integer> exit) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(out.toString(StandardCharsets.UTF_8));
            if (m.find()) return m.group(1);
            if (exit.isDone()) throw new AssertionError("the command ended early: " + out);
            Thread.sleep(50);
        }
        throw new AssertionError("no line matching " + pattern + " in\n" + out);
    }
}
