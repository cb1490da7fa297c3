package dev.facta.runtime;

import dev.facta.runtime.metrics.RuntimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A runtime run from a YAML file: its admin endpoint, its configuration reload, its meters. */
class RuntimeServerTest {
    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, int port, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A configuration with an admin endpoint and one plugin disabled. */
    private String config(String disabled) {
        return """
                runtime:
                  storage: sqlite:%s
                  admin: {port: 0, token: s3cret}
                plugins:
                  %s: {enabled: false}
                """.formatted(dir.resolve("kv.db"), disabled);
    }

    @Test
    void the_admin_endpoint_lists_loads_unloads_and_restarts_plugins_and_the_file_is_reloaded_when_it_changes() throws Exception {
        Path config = dir.resolve("runtime.yaml");
        Files.writeString(config, config("b"));
        List<String> log = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RuntimeServer server = RuntimeServer.start(config, b -> b.discoverClasspath(false)
                .plugin(new TestPlugin("a", log).onStart(c -> c.services().register(ServiceKey.json("a.svc"), (m, j) -> j))).plugin(new TestPlugin("b", log)))) {
            RuntimeMetrics.bind(server.runtime(), meters);
            int port = server.adminPort();
            assertThat(send("GET", port, "/health", null, null).statusCode()).isEqualTo(200);
            assertThat(send("GET", port, "/plugins", null, null).statusCode()).isEqualTo(401);
            assertThat(send("GET", port, "/plugins", null, "wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> list = send("GET", port, "/plugins", null, "s3cret");
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.body()).contains("\"id\":\"a\"", "\"state\":\"running\"", "\"id\":\"b\"", "\"state\":\"loaded\"");
            assertThat(send("GET", port, "/services", null, "s3cret").body()).contains("\"name\":\"a.svc\"", "\"owner\":\"a\"");

            HttpResponse<String> restart = send("POST", port, "/plugins/a/restart", null, "s3cret");
            assertThat(restart.statusCode()).isEqualTo(200);
            assertThat(log).containsExactly("start a", "stop a", "start a");
            assertThat(send("POST", port, "/plugins/nope/restart", null, "s3cret").statusCode()).isEqualTo(404);
            assertThat(send("POST", port, "/plugins", "{\"jar\": \"/no/such.jar\"}", "s3cret").statusCode()).isEqualTo(400);
            assertThat(send("POST", port, "/plugins", "not json", "s3cret").statusCode()).isEqualTo(400);

            Path jar = TestJars.leakyPluginJar("admin-leaky");
            HttpResponse<String> loaded = send("POST", port, "/plugins", "{\"jar\": \"" + jar.toAbsolutePath() + "\"}", "s3cret");
            assertThat(loaded.statusCode()).isEqualTo(201);
            assertThat(loaded.body()).contains("\"loaded\":[\"leaky\"]");
            assertThat(send("GET", port, "/stats", null, "s3cret").body()).contains("\"leaky\":{", "\"restarts\":1");
            assertThat(meters.get("facta.runtime.plugin.restarts").tag("plugin", "a").functionCounter().count()).isEqualTo(1);
            assertThat(meters.get("facta.runtime.plugin.up").tag("plugin", "leaky").gauge().value()).isEqualTo(1);
            assertThat(send("DELETE", port, "/plugins/leaky", null, "s3cret").statusCode()).isEqualTo(200);
            assertThat(meters.find("facta.runtime.plugin.up").tag("plugin", "leaky").gauge()).isNull();

            // the file changes: b is enabled, a disabled, without a restart of the runtime
            Files.writeString(config, config("a"));
            Files.setLastModifiedTime(config, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            Await.until(Duration.ofSeconds(10), "the new configuration applied", () -> log.contains("start b") && log.contains("stop a"));
            assertThat(send("GET", port, "/health", null, null).body()).contains("\"a\":\"disabled\"", "\"b\":\"running\"");

            // an invalid file is refused whole by the reload endpoint and changes nothing
            Files.writeString(config, "runtime: {backoff: {initial: never}}");
            HttpResponse<String> bad = send("POST", port, "/config/reload", null, "s3cret");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("runtime.backoff.initial");
            assertThat(server.runtime().plugin("b").state()).isEqualTo(PluginState.RUNNING);
        }
    }
}
