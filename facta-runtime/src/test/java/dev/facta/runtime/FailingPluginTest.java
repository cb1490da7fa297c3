package dev.facta.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A plugin that throws on every call is restarted with backoff while the others keep serving. */
class FailingPluginTest {
    @TempDir
    Path dir;
    private PluginRuntime runtime;

    @AfterEach
    void close() {
        if (runtime != null) runtime.close();
    }

    @Test
    void a_plugin_throwing_on_every_call_is_restarted_with_doubling_delays_while_the_others_serve_every_call() {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicInteger steadyEvents = new AtomicInteger();
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("runtime.db"))
                .backoff(Duration.ofMillis(50), Duration.ofSeconds(2)).restartAfterFailures(3)
                .plugin(new TestPlugin("broken", log).onStart(c -> {
                    c.services().register(ServiceKey.json("broken.work"), (m, j) -> {
                        throw new IllegalStateException("always broken");
                    });
                    c.events().subscribe("tick", e -> {
                        throw new IllegalStateException("handler broken too");
                    });
                }))
                .plugin(new TestPlugin("steady", log).onStart(c -> {
                    c.services().register(ServiceKey.json("steady.work"), (m, j) -> "ok " + j);
                    c.events().subscribe("tick", e -> steadyEvents.incrementAndGet());
                }))
                .build().start();

        Set<ServiceException.Reason> brokenReasons = EnumSet.noneOf(ServiceException.Reason.class);
        int steadyCalls = 0;
        int ticks = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (runtime.plugin("broken").stats().restarts() < 5 && System.nanoTime() < deadline) {
            try {
                runtime.services().call(ServiceKey.json("broken.work"), s -> PluginLifecycleTest.call(s, "x"));
            } catch (ServiceException e) {
                brokenReasons.add(e.reason());
            }
            String n = String.valueOf(steadyCalls);
            String answer = runtime.services().call(ServiceKey.json("steady.work"), s -> PluginLifecycleTest.call(s, n));
            assertThat(answer).isEqualTo("ok " + n);
            steadyCalls++;
            runtime.events().publish("tick", Map.of("n", ticks++));
        }
        PluginInfo broken = runtime.plugin("broken");
        assertThat(broken.stats().restarts()).as("restarts of the broken plugin").isGreaterThanOrEqualTo(5);
        List<Duration> expected = new ArrayList<>();
        for (int i = 0; i < broken.backoffs().size(); i++) expected.add(Duration.ofMillis(Math.min(2000, 50L << i)));
        assertThat(broken.backoffs()).startsWith(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400))
                .isEqualTo(expected);
        assertThat(broken.lastError()).contains("broken");
        assertThat(brokenReasons).contains(ServiceException.Reason.FAILED, ServiceException.Reason.NOT_FOUND);

        int sent = ticks;
        Await.until(Duration.ofSeconds(10), "steady got every tick", () -> steadyEvents.get() == sent);
        PluginInfo steady = runtime.plugin("steady");
        assertThat(steady.state()).isEqualTo(PluginState.RUNNING);
        assertThat(steady.stats().restarts()).isZero();
        assertThat(steady.stats().errors()).isZero();
        assertThat(steady.stats().callsServed()).isEqualTo(steadyCalls);
        assertThat(log.stream().filter("start steady"::equals)).hasSize(1);
    }
}
