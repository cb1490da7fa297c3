package dev.facta.runtime;

import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginLifecycleTest {
    @TempDir
    Path dir;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private PluginRuntime runtime;

    private PluginRuntime.Builder builder() {
        return PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("runtime.db"))
                .backoff(Duration.ofMillis(20), Duration.ofSeconds(1)).healthInterval(Duration.ofMillis(50));
    }

    @AfterEach
    void close() {
        if (runtime != null) runtime.close();
    }

    @Test
    void plugins_start_after_their_dependencies_and_stop_before_them() {
        runtime = builder()
                .plugin(new TestPlugin("c", log, "b"))
                .plugin(new TestPlugin("b", log, "a"))
                .plugin(new TestPlugin("a", log))
                .plugin(new TestPlugin("d", log, "a", "c"))
                .build().start();
        assertThat(log).containsExactly("start a", "start b", "start c", "start d");
        assertThat(runtime.plugins()).allMatch(p -> p.state() == PluginState.RUNNING);
        assertThat(runtime.health().up()).isTrue();
        log.clear();
        runtime.close();
        assertThat(log).containsExactly("stop d", "stop c", "stop b", "stop a");
    }

    @Test
    void a_missing_dependency_is_refused_with_a_typed_error_and_nothing_starts() {
        runtime = builder().plugin(new TestPlugin("a", log)).plugin(new TestPlugin("b", log, "ghost")).build();
        assertThatThrownBy(runtime::start).isInstanceOfSatisfying(PluginException.class, e -> {
            assertThat(e.reason()).isEqualTo(PluginException.Reason.MISSING_DEPENDENCY);
            assertThat(e.plugins()).containsExactly("b", "ghost");
        });
        assertThat(log).isEmpty();
        assertThat(runtime.plugins()).isEmpty();
    }

    @Test
    void a_dependency_cycle_is_refused_naming_the_cycle() {
        runtime = builder().plugin(new TestPlugin("a", log, "c")).plugin(new TestPlugin("b", log, "a"))
                .plugin(new TestPlugin("c", log, "b")).plugin(new TestPlugin("free", log)).build();
        assertThatThrownBy(runtime::start).isInstanceOfSatisfying(PluginException.class, e -> {
            assertThat(e.reason()).isEqualTo(PluginException.Reason.DEPENDENCY_CYCLE);
            assertThat(e.plugins()).containsExactly("a", "c", "b", "a");
        });
        assertThat(log).isEmpty();
    }

    @Test
    void duplicate_ids_bad_ids_and_unloading_a_needed_plugin_are_refused() {
        runtime = builder().plugin(new TestPlugin("a", log)).plugin(new TestPlugin("b", log, "a")).build().start();
        assertThatThrownBy(() -> runtime.load(new TestPlugin("a", log)))
                .isInstanceOfSatisfying(PluginException.class, e -> assertThat(e.reason()).isEqualTo(PluginException.Reason.DUPLICATE));
        assertThatThrownBy(() -> runtime.load(new TestPlugin("Not Valid", log)))
                .isInstanceOfSatisfying(PluginException.class, e -> assertThat(e.reason()).isEqualTo(PluginException.Reason.BAD_ID));
        assertThatThrownBy(() -> runtime.unload("a"))
                .isInstanceOfSatisfying(PluginException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PluginException.Reason.IN_USE);
                    assertThat(e.plugins()).containsExactly("b");
                });
        assertThatThrownBy(() -> runtime.restart("nope"))
                .isInstanceOfSatisfying(PluginException.class, e -> assertThat(e.reason()).isEqualTo(PluginException.Reason.NOT_FOUND));
        assertThat(runtime.plugin("a").state()).isEqualTo(PluginState.RUNNING);
        runtime.unload("b");
        runtime.unload("a");
        assertThat(runtime.plugins()).isEmpty();
    }

    @Test
    void a_plugin_whose_start_throws_is_started_again_with_growing_delays_and_its_dependents_wait() {
        AtomicInteger attempts = new AtomicInteger();
        runtime = builder()
                .plugin(new TestPlugin("shaky", log).onStart(c -> {
                    if (attempts.incrementAndGet() <= 3) throw new IllegalStateException("not yet");
                }))
                .plugin(new TestPlugin("user", log, "shaky"))
                .plugin(new TestPlugin("other", log))
                .build().start();
        assertThat(runtime.plugin("other").state()).isEqualTo(PluginState.RUNNING);
        assertThat(runtime.plugin("user").state()).isNotEqualTo(PluginState.RUNNING);
        Await.until(Duration.ofSeconds(10), "shaky and user running",
                () -> runtime.plugin("user").state() == PluginState.RUNNING);
        PluginInfo shaky = runtime.plugin("shaky");
        assertThat(shaky.backoffs()).containsExactly(Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80));
        assertThat(shaky.stats().restarts()).isEqualTo(3);
        assertThat(shaky.stats().errors()).isEqualTo(3);
        assertThat(shaky.lastError()).contains("not yet");
        assertThat(runtime.plugin("other").stats().restarts()).isZero();
        assertThat(log.indexOf("start user")).isGreaterThan(log.lastIndexOf("start shaky"));
    }

    @Test
    void a_plugin_reporting_down_health_or_failing_is_restarted() {
        AtomicInteger healthChecks = new AtomicInteger();
        List<PluginContext> contexts = new CopyOnWriteArrayList<>();
        runtime = builder()
                .plugin(new TestPlugin("sick", log).health(() -> healthChecks.incrementAndGet() == 2 ? Health.down("disk full") : Health.up()))
                .plugin(new TestPlugin("crashy", log).onStart(contexts::add))
                .build().start();
        Await.until(Duration.ofSeconds(10), "sick restarted", () -> runtime.plugin("sick").stats().restarts() == 1
                && runtime.plugin("sick").state() == PluginState.RUNNING);
        assertThat(runtime.plugin("sick").lastError()).contains("disk full");
        contexts.getFirst().fail(new RuntimeException("worker thread died"));
        Await.until(Duration.ofSeconds(10), "crashy restarted", () -> contexts.size() == 2);
        assertThat(runtime.plugin("crashy").lastError()).contains("worker thread died");
        // the first run's context is closed: it can register nothing any more
        assertThatThrownBy(() -> contexts.getFirst().events().publish("x", Map.of())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_restart_or_unload_removes_the_plugins_services_and_subscriptions() throws Exception {
        AtomicInteger received = new AtomicInteger();
        runtime = builder().plugin(new TestPlugin("p", log).onStart(c -> {
            c.services().register(ServiceKey.json("p.echo"), (m, j) -> j);
            c.events().subscribe("ping.*", e -> received.incrementAndGet());
        })).build().start();
        runtime.events().publish("ping.one", Map.of());
        Await.until(Duration.ofSeconds(5), "one event", () -> received.get() == 1);
        runtime.restart("p");
        runtime.events().publish("ping.two", Map.of());
        Await.until(Duration.ofSeconds(5), "the second event, once", () -> received.get() == 2);
        assertThat(runtime.services().<JsonService, String>call(ServiceKey.json("p.echo"), s -> call(s, "hi"))).isEqualTo("hi");
        runtime.unload("p");
        assertThat(runtime.services().available("p.echo")).isFalse();
        assertThat(runtime.registry().list()).isEmpty();
        runtime.events().publish("ping.three", Map.of());
        Thread.sleep(200); // a leftover subscription would have counted it by now
        assertThat(received.get()).isEqualTo(2);
    }

    @Test
    void events_are_persisted_to_the_event_store_and_replayed_in_order() {
        InMemoryEventStore store = new InMemoryEventStore();
        runtime = builder().persistEventsTo(store).plugin(new TestPlugin("p", log).onStart(c -> {
            c.events().publish("devices.added", Map.of("id", "lamp"));
            c.events().publish("other.thing", Map.of());
            c.events().publish("devices.removed", Map.of("id", "lamp", "count", 2));
        })).build().start();
        List<PluginEvent> replayed = new ArrayList<>();
        long next = runtime.replay("devices.*", 0, replayed::add);
        assertThat(replayed).extracting(PluginEvent::topic).containsExactly("devices.added", "devices.removed");
        assertThat(replayed.getFirst().source()).isEqualTo("p");
        assertThat(replayed.get(1).data()).containsEntry("id", "lamp").containsEntry("count", 2);
        assertThat(next).isEqualTo(4);
        assertThat(runtime.plugin("p").stats().eventsPublished()).isEqualTo(3);
    }

    @Test
    void entity_state_survives_a_restart_of_the_runtime_and_changes_are_published() {
        List<PluginEvent> changes = new CopyOnWriteArrayList<>();
        runtime = builder().plugin(new TestPlugin("devices", log).onStart(c -> {
            c.state().update("lamp", Map.of("on", true, "level", 40));
            c.state().update("lamp", Map.of("level", 80));
            c.state().update("lamp", Map.of("level", 80)); // no change, no event
        })).build();
        runtime.events().subscribe("devices.state_changed", changes::add);
        runtime.start();
        Await.until(Duration.ofSeconds(5), "two changes", () -> changes.size() == 2);
        assertThat(changes.get(1).data()).containsEntry("entity", "lamp").containsEntry("version", 2L)
                .containsEntry("after", Map.of("on", true, "level", 80));
        runtime.close();

        List<Object> restored = new ArrayList<>();
        runtime = builder().plugin(new TestPlugin("devices", log).onStart(c ->
                c.state().get("lamp").ifPresent(s -> { restored.add(s.version()); restored.add(s.attributes()); }))).build().start();
        assertThat(restored).containsExactly(2L, Map.of("on", true, "level", 80));
    }

    static String call(JsonService s, String json) {
        try {
            return s.call("echo", json);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
