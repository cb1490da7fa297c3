package dev.facta.runtime.remote;

import dev.facta.runtime.Await;
import dev.facta.runtime.JsonService;
import dev.facta.runtime.PluginEvent;
import dev.facta.runtime.PluginInfo;
import dev.facta.runtime.PluginRuntime;
import dev.facta.runtime.PluginState;
import dev.facta.runtime.ServiceException;
import dev.facta.runtime.ServiceKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plugins in other processes, over gRPC: served, killed, restarted, reconnected. */
class RemotePluginTest {
    private static final ServiceKey<JsonService> ECHO = ServiceKey.json("remote.echo");
    @TempDir
    Path dir;
    private PluginRuntime runtime;
    private RemotePluginHost host;
    private Process child;

    @AfterEach
    void close() {
        if (child != null) child.destroyForcibly();
        if (host != null) host.close();
        if (runtime != null) runtime.close();
    }

    private Process startChild(int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RemoteEchoMain.class.getName(), String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child-" + System.nanoTime() + ".log").toFile()).start();
    }

    private String echo(String json) {
        return runtime.services().call(ECHO, s -> {
            try {
                return s.call("echo", json);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void a_remote_plugin_killed_and_started_again_reconnects_and_serves_calls_and_events_again() throws Exception {
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("runtime.db")).build().start();
        host = RemotePluginHost.start(runtime, 0, Duration.ofMillis(200));
        List<PluginEvent> pongs = new CopyOnWriteArrayList<>();
        runtime.events().subscribe("pong", pongs::add);

        child = startChild(host.port());
        Await.until(Duration.ofSeconds(30), "the remote plugin to connect", () -> runtime.services().available("remote.echo"));
        PluginInfo info = runtime.plugin("echo-remote");
        assertThat(info.state()).isEqualTo(PluginState.RUNNING);
        assertThat(info.version()).isEqualTo("2.0.0");
        assertThat(info.source()).isEqualTo("remote");
        long firstPid = child.pid();
        assertThat(echo("{\"n\":1}")).contains("\"pid\":" + firstPid).contains("\"args\":{\"n\":1}");
        runtime.events().publish("ping.one", Map.of());
        Await.until(Duration.ofSeconds(10), "a pong from the first process", () -> pongs.size() == 1);
        assertThat(pongs.getFirst().data()).containsEntry("pid", (int) firstPid).containsEntry("topic", "ping.one");
        assertThat(pongs.getFirst().source()).isEqualTo("echo-remote");

        child.destroyForcibly();
        child.waitFor();
        Await.until(Duration.ofSeconds(10), "the killed plugin to be unloaded", () -> runtime.plugins().isEmpty());
        assertThatThrownBy(() -> echo("{}")).isInstanceOfSatisfying(ServiceException.class,
                e -> assertThat(e.reason()).isEqualTo(ServiceException.Reason.NOT_FOUND));

        child = startChild(host.port());
        Await.until(Duration.ofSeconds(30), "the restarted plugin to connect", () -> runtime.services().available("remote.echo"));
        assertThat(echo("{\"n\":2}")).contains("\"pid\":" + child.pid());
        runtime.events().publish("ping.two", Map.of());
        Await.until(Duration.ofSeconds(10), "a pong from the second process", () -> pongs.size() == 2);
        assertThat(pongs.get(1).data()).containsEntry("pid", (int) child.pid());
        assertThat(runtime.plugin("echo-remote").stats().callsServed()).isEqualTo(1); // counted since this connection
    }

    @Test
    void a_client_reconnects_by_itself_when_the_runtime_host_comes_back() throws Exception {
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("runtime.db")).build().start();
        host = RemotePluginHost.start(runtime, 0, Duration.ofMillis(200));
        int port = host.port();
        try (RemotePluginClient client = RemotePluginClient.builder("127.0.0.1", port, "inproc").maxBackoff(Duration.ofMillis(300))
                .service("inproc.hello", (m, j) -> "\"hello\"").connect()) {
            Await.until(Duration.ofSeconds(10), "connected", client::connected);
            assertThat(runtime.services().<JsonService, String>call(ServiceKey.json("inproc.hello"), s -> {
                try {
                    return s.call("m", "{}");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            })).isEqualTo("\"hello\"");
            host.close();
            Await.until(Duration.ofSeconds(10), "unloaded with the host", () -> !runtime.services().available("inproc.hello"));
            host = RemotePluginHost.start(runtime, port, Duration.ofMillis(200));
            Await.until(Duration.ofSeconds(20), "reconnected", () -> runtime.services().available("inproc.hello") && client.connections() == 2);
        }
        Await.until(Duration.ofSeconds(10), "gone after the client closed", () -> runtime.plugins().isEmpty());
    }
}
