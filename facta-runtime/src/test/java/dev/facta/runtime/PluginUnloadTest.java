package dev.facta.runtime;

import dev.facta.runtime.internal.PluginClassLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plugins from jars: their own class loader, loaded and unloaded at run time without leaking it. */
class PluginUnloadTest {
    @TempDir
    Path dir;
    private PluginRuntime runtime;

    @AfterEach
    void close() {
        if (runtime != null) runtime.close();
    }

    @Test
    void unloading_a_jar_plugin_removes_its_services_and_subscriptions_and_its_class_loader_is_collected() throws Exception {
        Path jar = TestJars.leakyPluginJar("leaky-plugin");
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("runtime.db")).build().start();
        List<PluginEvent> out = new CopyOnWriteArrayList<>();
        runtime.events().subscribe("leaky.out", out::add);

        assertThat(runtime.loadJar(jar)).containsExactly("leaky");
        PluginInfo info = runtime.plugin("leaky");
        assertThat(info.version()).isEqualTo("1.2.3");
        assertThat(info.state()).isEqualTo(PluginState.RUNNING);
        assertThat(info.services()).containsExactly("leaky.echo");
        assertThat(info.source()).endsWith("leaky-plugin.jar");

        WeakReference<ClassLoader> loader = loaderOfService();
        assertThat(loader.get()).isInstanceOf(PluginClassLoader.class);
        assertThat(runtime.services().<JsonService, String>call(ServiceKey.json("leaky.echo"), s -> PluginLifecycleTest.call(s, "{}")))
                .contains("\"from\":\"plugin:leaky-plugin.jar\"");
        runtime.events().publish("leaky.in", Map.of("n", 1));
        Await.until(Duration.ofSeconds(5), "the plugin's answer", () -> out.size() == 1);
        assertThat(out.getFirst().source()).isEqualTo("leaky");

        runtime.unload("leaky");
        assertThat(runtime.plugins()).isEmpty();
        assertThat(runtime.registry().list()).isEmpty();
        assertThatThrownBy(() -> runtime.services().call(ServiceKey.json("leaky.echo"), s -> s))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.reason()).isEqualTo(ServiceException.Reason.NOT_FOUND));
        runtime.events().publish("leaky.in", Map.of("n", 2));
        Thread.sleep(200); // a leftover subscription would have answered by now
        assertThat(out).hasSize(1);

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (loader.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(loader.get()).as("the unloaded plugin's class loader is garbage collected").isNull();

        // its data stays in storage: loading the jar again finds it, in a fresh class loader
        assertThat(runtime.loadJar(jar)).containsExactly("leaky");
        assertThat(runtime.storage().get("leaky", "started")).contains("yes");
        assertThat(runtime.storage().get("leaky", "state/thing")).hasValueSatisfying(v -> assertThat(v).contains("\"seen\":true"));
    }

    @Test
    void the_plugins_folder_is_searched_at_start_and_a_jar_without_plugins_is_refused() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.copy(TestJars.leakyPluginJar("leaky-folder"), plugins.resolve("leaky.jar"));
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("runtime.db")).pluginsDirectory(plugins).build().start();
        assertThat(runtime.plugins()).extracting(PluginInfo::id).containsExactly("leaky");
        assertThatThrownBy(() -> runtime.loadJar(plugins.resolve("leaky.jar")))
                .isInstanceOfSatisfying(PluginException.class, e -> assertThat(e.reason()).isEqualTo(PluginException.Reason.DUPLICATE));

        Path empty = dir.resolve("empty.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(empty))) {
            out.putNextEntry(new java.util.jar.JarEntry("readme.txt"));
            out.write("no plugin here".getBytes());
        }
        assertThatThrownBy(() -> runtime.loadJar(empty))
                .isInstanceOfSatisfying(PluginException.class, e -> assertThat(e.reason()).isEqualTo(PluginException.Reason.BAD_JAR));
        assertThat(runtime.plugins()).hasSize(1);
    }

    private WeakReference<ClassLoader> loaderOfService() {
        return runtime.services().call(ServiceKey.json("leaky.echo"), s -> new WeakReference<>(s.getClass().getClassLoader()));
    }
}
