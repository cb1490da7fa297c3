package dev.facta.cli;

import dev.facta.sqlite.SqliteEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code facta serve} as a user runs it: in its own process, stopped with SIGTERM (what Ctrl-C and
 * service managers send), which must shut it down gracefully.
 */
class ServeCommandTest {
    @TempDir
    Path temp;

    final List<Process> processes = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    Process serve(String token, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(temp.resolve("serve.err").toFile());
        if (token != null) pb.environment().put("FACTA_AUTH_TOKEN", token);
        else pb.environment().remove("FACTA_AUTH_TOKEN");
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void serve_prints_its_urls_needs_the_token_from_the_environment_and_stops_gracefully_on_sigterm() throws Exception {
        Path db = temp.resolve("data/facta.db");
        Process p = serve("t0ken", "--store", "sqlite:" + db, "--port", "0");
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String api = null;
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.contains("HTTP API:")) api = line.substring(line.indexOf("http://")).trim();
            if (line.startsWith("Press Ctrl-C")) break;
        }
        assertThat(api).as("printed: " + lines + "\nstderr: " + Files.readString(temp.resolve("serve.err"))).isNotNull();
        assertThat(lines).anyMatch(l -> l.contains("Admin UI:") && l.contains("/admin"));
        assertThat(lines).anyMatch(l -> l.contains("Auth:") && l.contains("Bearer")).noneMatch(l -> l.contains("t0ken"));

        assertThat(send(HttpRequest.newBuilder(URI.create(api + "/health"))).statusCode()).isEqualTo(200);
        HttpRequest.Builder append = HttpRequest.newBuilder(URI.create(api + "/streams/order-1"))
                .POST(HttpRequest.BodyPublishers.ofString("[{\"type\":\"OrderCreated\",\"data\":{}}]"));
        assertThat(send(append).statusCode()).isEqualTo(401);
        assertThat(send(append.header("Authorization", "Bearer t0ken")).statusCode()).isEqualTo(201);

        // a live subscription, to see it ended cleanly by the shutdown
        HttpResponse<InputStream> sse = http.send(HttpRequest.newBuilder(URI.create(api + "/subscribe/all"))
                .header("Authorization", "Bearer t0ken").build(), HttpResponse.BodyHandlers.ofInputStream());
        CompletableFuture<String> streamed = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = sse.body()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "failed: " + e;
            }
        });
        Thread.sleep(300);
        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> String.join("\n", out.lines().toList()));

        // SIGTERM through the handle: Process.destroy() would also close our end of its output
        assertThat(p.toHandle().destroy()).isTrue();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the server stops").isTrue();

        assertThat(rest.get(10, TimeUnit.SECONDS)).contains("Stopping").contains("Stopped.");
        String events = streamed.get(10, TimeUnit.SECONDS);
        assertThat(events).contains("id: 1").contains("OrderCreated").contains("event: shutdown");
        assertThat(Files.readString(temp.resolve("serve.err"))).doesNotContain("Exception");
        try (SqliteEventStore store = SqliteEventStore.open(db)) {
            assertThat(store.headPosition()).isEqualTo(1);
        }
    }

    @Test
    void serve_with_a_schema_folder_refuses_appends_that_do_not_match_and_stores_nothing_of_them() throws Exception {
        Path schemas = Files.createDirectories(temp.resolve("schemas/OrderPlaced"));
        Files.writeString(schemas.resolve("v1.json"), """
                {"type": "object", "required": ["orderId", "total"],
                 "properties": {"orderId": {"type": "string"}, "total": {"type": "number"}}}""");
        Path db = temp.resolve("facta.db");
        Process p = serve(null, "--store", "sqlite:" + db, "--port", "0", "--schemas", temp.resolve("schemas").toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String api = null;
        List<String> lines = new ArrayList<>();
        for (String line = out.readLine(); line != null && !line.startsWith("Press Ctrl-C"); line = out.readLine()) {
            lines.add(line);
            if (line.contains("HTTP API:")) api = line.substring(line.indexOf("http://")).trim();
        }
        assertThat(api).as("printed: " + lines + "\nstderr: " + Files.readString(temp.resolve("serve.err"))).isNotNull();
        HttpResponse<String> bad = send(HttpRequest.newBuilder(URI.create(api + "/streams/order-1"))
                .POST(HttpRequest.BodyPublishers.ofString("[{\"type\":\"OrderPlaced\",\"data\":{\"orderId\":\"o-1\",\"total\":\"lots\"}}]")));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("validation_failed").contains("/0/data/total");
        HttpResponse<String> good = send(HttpRequest.newBuilder(URI.create(api + "/streams/order-1"))
                .POST(HttpRequest.BodyPublishers.ofString("[{\"type\":\"OrderPlaced\",\"data\":{\"orderId\":\"o-1\",\"total\":12.5}}]")));
        assertThat(good.statusCode()).isEqualTo(201);
        assertThat(p.toHandle().destroy()).isTrue();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        try (SqliteEventStore store = SqliteEventStore.open(db)) {
            assertThat(store.headPosition()).as("only the valid append was stored").isEqualTo(1);
        }
        assertThat(Facta.run("serve", "--store", "memory:", "--schemas", temp.resolve("nowhere").toString()).exitCode()).isEqualTo(2);
    }

    @Test
    void a_port_in_use_is_one_clear_error_and_a_bad_port_is_bad_usage() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Facta serve = Facta.run("serve", "--store", "memory:", "--port", Integer.toString(busy.getLocalPort()));

            assertThat(serve.exitCode()).isEqualTo(1);
            assertThat(serve.errLines()).hasSize(1);
            assertThat(serve.err()).contains("cannot listen on 127.0.0.1:" + busy.getLocalPort()).contains("--port");
        }
        assertThat(Facta.run("serve", "--store", "memory:", "--port", "-1").exitCode()).isEqualTo(2);
        assertThat(Facta.run("serve", "--store", "memory:", "--port", "x").exitCode()).isEqualTo(2);
    }
}
