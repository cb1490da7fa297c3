package dev.facta.runtime;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuntimeConfigTest {
    @TempDir
    Path dir;

    @Test
    void a_full_configuration_is_read() {
        RuntimeConfig c = RuntimeConfig.parse("""
                runtime:
                  storage: sqlite:data/kv.db
                  plugins-dir: plugins
                  admin: {port: 7070, token: secret}
                  remote: {port: 7071}
                  backoff: {initial: 50ms, max: 10s}
                  restart-after-failures: 3
                  health-interval: 2s
                services:
                  defaults: {timeout: 2s}
                  devices: {rate: 10, failures: 2, open-for: 1m}
                plugins:
                  automation:
                    settings: {rules: [{when: a, then: b}]}
                  gateway: {enabled: false}
                """);
        assertThat(c.storage()).isEqualTo("sqlite:data/kv.db");
        assertThat(c.pluginsDirectory()).isEqualTo(Path.of("plugins"));
        assertThat(c.adminPort()).isEqualTo(7070);
        assertThat(c.adminToken()).isEqualTo("secret");
        assertThat(c.remotePort()).isEqualTo(7071);
        assertThat(c.backoffInitial()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.backoffMax()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.restartAfterFailures()).isEqualTo(3);
        assertThat(c.serviceDefaults().timeout()).isEqualTo(Duration.ofSeconds(2));
        ServiceOptions devices = c.services().get("devices");
        assertThat(devices.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(devices.ratePerSecond()).isEqualTo(10);
        assertThat(devices.burst()).isEqualTo(10);
        assertThat(devices.failureThreshold()).isEqualTo(2);
        assertThat(devices.openFor()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.plugins().get("automation").enabled()).isTrue();
        assertThat(c.plugins().get("automation").settings()).containsKey("rules");
        assertThat(c.plugins().get("gateway").enabled()).isFalse();
        assertThat(RuntimeConfig.defaults().storage()).isEqualTo("sqlite:facta-data/runtime.db");
    }

    @Test
    void mistakes_are_refused_naming_where_they_are() {
        assertField("runtime: {backof: {initial: 1s}}", "runtime.backof");
        assertField("runtime: {backoff: {initial: soon}}", "runtime.backoff.initial");
        assertField("runtime: {backoff: {initial: 5s, max: 1s}}", "runtime.backoff");
        assertField("runtime: {admin: {port: 70000}}", "runtime.admin.port");
        assertField("runtime: {storage: mysql://x}", "runtime.storage");
        assertField("runtime: {restart-after-failures: 0}", "runtime.restart-after-failures");
        assertField("services: {devices: {rate: -1}}", "services.devices.rate");
        assertField("services: {devices: {timeout: 0ms}}", "services.devices.timeout");
        assertField("plugins: {a: {enabled: maybe}}", "plugins.a.enabled");
        assertField("plugins: {a: {settings: [1, 2]}}", "plugins.a.settings");
        assertField("plugins: [a, b]", "plugins");
        assertField("runtime: {storage: [unclosed", "config");
        assertField("extra: 1", "extra");
        assertField("plugins: {a: {settings: {lamps: [{on: true}]}}}", "plugins.a.settings.lamps[0]");
    }

    private static void assertField(String yaml, String field) {
        assertThatThrownBy(() -> RuntimeConfig.parse(yaml)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void reconfiguring_stops_disabled_plugins_starts_enabled_ones_and_restarts_those_whose_settings_changed() {
        List<String> log = new CopyOnWriteArrayList<>();
        List<Object> seenSettings = new CopyOnWriteArrayList<>();
        RuntimeConfig first = RuntimeConfig.parse("""
                plugins:
                  a: {settings: {greeting: hello}}
                  b: {enabled: false}
                """);
        try (PluginRuntime runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("kv.db")).config(first)
                .plugin(new TestPlugin("a", log).onStart(c -> seenSettings.add(c.settings().get("greeting"))))
                .plugin(new TestPlugin("b", log))
                .plugin(new TestPlugin("c", log))
                .build().start()) {
            assertThat(log).containsExactly("start a", "start c");
            assertThat(runtime.health().plugins()).containsEntry("b", "disabled");
            assertThat(runtime.health().up()).isTrue();

            runtime.reconfigure(RuntimeConfig.parse("""
                    plugins:
                      a: {settings: {greeting: bonjour}}
                      c: {enabled: false}
                    services:
                      a.svc: {rate: 1}
                    """));
            assertThat(log).containsExactly("start a", "start c", "stop a", "start a", "start b", "stop c");
            assertThat(seenSettings).containsExactly("hello", "bonjour");
            assertThat(runtime.plugin("c").state()).isEqualTo(PluginState.LOADED);
            assertThat(runtime.registry().optionsOf("a.svc").ratePerSecond()).isEqualTo(1);
            assertThat(runtime.registry().optionsOf("other").ratePerSecond()).isZero();
        }
    }
}
