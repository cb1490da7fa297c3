package dev.facta.cli;

import dev.facta.examples.oms.app.OmsApplication;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.app.OrderView;
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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code facta demo}: the order management service with the admin UI and live traffic, for as long as asked. */
class DemoCommandTest {
    @TempDir
    Path temp;

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_demo_runs_the_order_service_with_traffic_flowing_and_stops_when_its_duration_ends() throws Exception {
        String store = "sqlite:" + temp.resolve("demo/facta.db");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Main.run(
                new String[]{"demo", "--store", store, "--port", "0", "--http-port", "0", "--grpc-port", "0",
                        "--duration", "8s", "--rate", "20"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));

        String url = awaitLine(out, Pattern.compile("HTTP API: +(http://\\S+)"), exit);
        String orders = awaitLine(out, Pattern.compile("Orders: +(http://\\S+)"), exit);
        String order = awaitLine(out, Pattern.compile("curl -s http://\\S+/orders/(demo-[0-9a-f]+)\\s"), exit);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Admin UI:  " + url + "/admin").contains("facta.oms.v1.OrderService")
                .contains("./facta projection status order-summaries");

        JsonNode confirmed = EventJson.MAPPER.readTree(get(orders + "/orders/" + order).body());
        assertThat(confirmed.get("status").asString()).isEqualTo("CONFIRMED");
        assertThat(get(url + "/health").statusCode()).isEqualTo(200);
        assertThat(EventJson.MAPPER.readTree(get(url + "/streams/order-" + order).body()).get("events")).hasSize(4);
        long head = EventJson.MAPPER.readTree(get(url + "/health").body()).get("headPosition").asLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long later = head;
        while (later <= head && System.nanoTime() < deadline) {
            Thread.sleep(100);
            later = EventJson.MAPPER.readTree(get(url + "/health").body()).get("headPosition").asLong();
        }
        assertThat(later).as("traffic is flowing").isGreaterThan(head);
        assertThat(get(url + "/admin").statusCode()).isEqualTo(200);
        assertThat(get(orders + "/metrics").body()).contains("oms_saga_started_total");

        assertThat(exit.get(60, TimeUnit.SECONDS)).as(out + "\n" + err).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("Demo stopped after \\d+ orders of live traffic");
        assertThatThrownBy(() -> get(url + "/health")).as("the server stopped with the demo").isInstanceOf(java.net.ConnectException.class);
        assertThatThrownBy(() -> get(orders + "/health/live")).as("the order service stopped too").isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void the_orders_of_a_run_are_in_the_store_file_for_the_next_start_of_the_service() throws Exception {
        Path file = temp.resolve("facta.db");
        Facta demo = Facta.run("demo", "--store", "sqlite:" + file, "--port", "0", "--http-port", "0", "--grpc-port", "0",
                "--duration", "3s", "--rate", "10");
        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        String order = demo.out().replaceAll("(?s).*\\./facta stream show order-(demo-[0-9a-f]+).*", "$1");

        try (OmsApplication oms = OmsApplication.start(OmsConfig.of("sqlite:" + file))) {
            OrderView view = oms.awaitStatus(order, OrderView.Status.CONFIRMED, Duration.ofSeconds(30));
            assertThat(view.customerId()).isEqualTo("ada");
            assertThat(view.total()).isEqualByComparingTo("89.30");
            assertThat(oms.ordersOf("ada", 1000, null).orders()).extracting(OrderView::orderId).contains(order);
            assertThat(oms.stock("BOOK_42").committed()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void bad_durations_rates_and_ports_are_bad_usage() {
        assertThat(Facta.run("demo", "--store", "memory:", "--duration", "soon").exitCode()).isEqualTo(2);
        assertThat(Facta.run("demo", "--store", "memory:", "--rate", "0").exitCode()).isEqualTo(2);
        assertThat(Facta.run("demo", "--store", "memory:", "--port", "70000").exitCode()).isEqualTo(2);
        assertThat(Facta.run("demo", "--store", "memory:", "--http-port", "-1").exitCode()).isEqualTo(2);
        assertThat(Facta.run("demo", "--store", "memory:", "--grpc-port", "65536").exitCode()).isEqualTo(2);
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
