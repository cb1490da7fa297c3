package dev.facta.examples.home;

import dev.facta.runtime.RuntimeConfig;
import dev.facta.runtime.RuntimeServer;
import dev.facta.runtime.metrics.RuntimeMetrics;
import dev.facta.server.FactaServer;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The runtime's statistics on a Facta server's Prometheus endpoint, through a shared meter registry. */
class HomeMetricsTest {
    @TempDir
    Path dir;

    @Test
    void plugin_statistics_show_on_the_facta_servers_metrics() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RuntimeConfig config = RuntimeConfig.parse("""
                runtime: {storage: "sqlite:%s"}
                plugins:
                  devices: {settings: {devices: {lamp: {"on": false}}}}
                  gateway: {enabled: false}
                """.formatted(dir.resolve("home.db")));
        try (RuntimeServer home = RuntimeServer.start(config, null);
             FactaServer server = FactaServer.builder(new InMemoryEventStore()).port(0).meterRegistry(registry).build().start()) {
            RuntimeMetrics.bind(home.runtime(), registry);
            home.runtime().services().call(dev.facta.examples.home.api.DeviceService.KEY, d -> d.set("lamp", Map.of("on", true)));
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            List<String> lines = metrics.body().lines().toList();
            assertThat(lines).anyMatch(l -> l.startsWith("facta_runtime_plugin_calls_served_total{plugin=\"devices\"} 1"));
            assertThat(lines).anyMatch(l -> l.startsWith("facta_runtime_plugin_up{plugin=\"automation\"} 1"));
            assertThat(lines).anyMatch(l -> l.startsWith("facta_runtime_up "));
        }
    }
}
