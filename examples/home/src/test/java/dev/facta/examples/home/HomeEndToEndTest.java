package dev.facta.examples.home;

import dev.facta.runtime.Await;
import dev.facta.runtime.JsonService;
import dev.facta.runtime.PluginRuntime;
import dev.facta.runtime.PluginState;
import dev.facta.runtime.RuntimeConfig;
import dev.facta.runtime.RuntimeServer;
import dev.facta.runtime.ServiceKey;
import dev.facta.runtime.remote.RemotePluginClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The home through its gateway's HTTP API: event -> automation -> service -> logger, end to end. */
class HomeEndToEndTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private RuntimeServer server;
    private int port;

    private String config() {
        return """
                runtime:
                  storage: sqlite:%s
                  remote: {port: 0}
                  backoff: {initial: 50ms, max: 2s}
                  health-interval: 100ms
                plugins:
                  devices:
                    settings:
                      devices:
                        hall-motion: {type: motion-sensor, motion: false}
                        hall-light: {type: light, "on": false, level: 0}
                  automation:
                    settings:
                      rules:
                        - name: light the hall on motion
                          when: {device: hall-motion, attribute: motion, equals: true}
                          then: {device: hall-light, set: {"on": true, level: 80}}
                  gateway:
                    settings: {port: 0}
                """.formatted(dir.resolve("home.db"));
    }

    private void startHome() {
        server = RuntimeServer.start(RuntimeConfig.parse(config()), null);
        port = Integer.parseInt(server.runtime().services().<JsonService, String>call(ServiceKey.json("gateway"), g -> {
            try {
                return g.call("port", "{}");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }).replaceAll("\\D", ""));
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private List<String> log() throws Exception {
        List<String> lines = new ArrayList<>();
        get("/log?limit=1000").get("lines").forEach(n -> lines.add(n.asString()));
        return lines;
    }

    @Test
    void motion_reported_through_the_gateway_turns_the_light_on_through_automation_and_the_logger_records_the_chain() throws Exception {
        startHome();
        assertThat(server.runtime().health().up()).isTrue();
        JsonNode devices = get("/devices").get("devices");
        assertThat(devices).hasSize(2);
        assertThat(get("/devices/hall-light").get("on").asBoolean()).isFalse();

        HttpResponse<String> put = send("PUT", "/devices/hall-motion", "{\"motion\": true}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(put.body()).get("motion").asBoolean()).isTrue();

        Await.until(Duration.ofSeconds(10), "the light on", () -> {
            try {
                return get("/devices/hall-light").get("on").asBoolean();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        JsonNode light = get("/devices/hall-light");
        assertThat(light.get("level").asInt()).isEqualTo(80);
        assertThat(light.get("version").asLong()).isEqualTo(2);

        Await.until(Duration.ofSeconds(10), "the chain in the log", () -> {
            try {
                return log().stream().anyMatch(l -> l.startsWith("automation: rule 'light the hall on motion' set hall-light"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        List<String> lines = log();
        int motion = indexOf(lines, "devices.state_changed from devices {entity=hall-motion");
        int lightChanged = indexOf(lines, "devices.state_changed from devices {entity=hall-light");
        int fired = indexOf(lines, "automation.rule_fired from automation {rule=light the hall on motion, trigger=hall-motion, target=hall-light");
        assertThat(motion).isNotNegative();
        assertThat(lightChanged).isGreaterThan(motion);
        assertThat(fired).isGreaterThan(lightChanged);

        PluginRuntime rt = server.runtime();
        assertThat(rt.plugin("automation").stats().callsMade()).isEqualTo(2); // devices.set, then logger.log
        assertThat(rt.plugin("automation").stats().eventsReceived()).isEqualTo(2); // hall-motion, then hall-light
        assertThat(rt.plugin("devices").stats().callsServed()).isGreaterThanOrEqualTo(5);
        assertThat(rt.plugin("system-logger").stats().errors()).isZero();
    }

    @Test
    void bad_requests_are_refused_and_change_nothing() throws Exception {
        startHome();
        assertThat(send("GET", "/devices/nope", null).statusCode()).isEqualTo(404);
        assertThat(send("PUT", "/devices/nope", "{\"on\": true}").statusCode()).isEqualTo(404);
        HttpResponse<String> malformed = send("PUT", "/devices/hall-light", "{\"on\": tru");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("\"error\":\"bad_request\"");
        assertThat(send("PUT", "/devices/hall-light", "[1]").statusCode()).isEqualTo(400);
        assertThat(send("PUT", "/devices/hall-light", "{\"on\": \"yes\"}").statusCode()).isEqualTo(400);
        assertThat(send("PUT", "/devices/hall-light", "{\"colour\": \"red\"}").statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "/devices", null).statusCode()).isEqualTo(405);
        JsonNode light = get("/devices/hall-light");
        assertThat(light.get("version").asLong()).isEqualTo(1);
        assertThat(light.get("on").asBoolean()).isFalse();
    }

    @Test
    void device_state_survives_a_restart_of_the_home() throws Exception {
        startHome();
        assertThat(send("PUT", "/devices/hall-light", "{\"on\": true, \"level\": 35}").statusCode()).isEqualTo(200);
        server.close();
        server = null;
        startHome();
        JsonNode light = get("/devices/hall-light");
        assertThat(light.get("on").asBoolean()).isTrue();
        assertThat(light.get("level").asInt()).isEqualTo(35);
        assertThat(light.get("version").asLong()).isEqualTo(2);
    }

    @Test
    void while_the_devices_plugin_is_unloaded_the_gateway_answers_503_and_serves_again_once_it_is_loaded() throws Exception {
        startHome();
        assertThat(send("PUT", "/devices/hall-light", "{\"level\": 20}").statusCode()).isEqualTo(200);
        server.runtime().unload("automation"); // it depends on devices
        server.runtime().unload("devices");
        HttpResponse<String> down = send("GET", "/devices", null);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"error\":\"not_found\"", "no service devices");
        server.runtime().load(new DevicesPlugin());
        assertThat(server.runtime().plugin("devices").state()).isEqualTo(PluginState.RUNNING);
        assertThat(get("/devices").get("devices")).hasSize(2);
        assertThat(get("/devices/hall-light").get("level").asInt()).isEqualTo(20);
    }

    @Test
    void a_remote_plugin_joins_the_home_and_hears_its_device_events() throws Exception {
        startHome();
        List<String> heard = new CopyOnWriteArrayList<>();
        try (RemotePluginClient remote = RemotePluginClient.builder("127.0.0.1", server.remotePort(), "remote-display")
                .subscribe("devices.state_changed", e -> heard.add(e.json())).connect()) {
            Await.until(Duration.ofSeconds(10), "the remote plugin connected", remote::connected);
            assertThat(send("PUT", "/devices/hall-light", "{\"level\": 55}").statusCode()).isEqualTo(200);
            Await.until(Duration.ofSeconds(10), "the change heard remotely", () -> heard.stream().anyMatch(j -> j.contains("\"level\":55")));
        }
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith(prefix)) return i;
        return -1;
    }
}
