package dev.facta.runtime;

import dev.facta.runtime.state.EntityState;
import dev.facta.runtime.state.StateEngine;
import dev.facta.runtime.storage.SqliteKeyValueStore;
import dev.facta.runtime.storage.Storage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Lifecycle operations, calls and state changes from many threads at once. */
class RuntimeConcurrencyTest {
    @TempDir
    Path dir;
    private PluginRuntime runtime;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void close() {
        pool.shutdownNow();
        if (runtime != null) runtime.close();
    }

    @Test
    void callers_during_repeated_restarts_get_an_answer_or_not_found_and_nothing_else() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("kv.db"))
                .plugin(new TestPlugin("svc", log).onStart(c -> c.services().register(ServiceKey.json("svc.echo"), (m, j) -> j)))
                .build().start();
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        List<Future<?>> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String me = "caller-" + t;
            callers.add(pool.submit(() -> {
                int i = 0;
                while (!stop.get()) {
                    String arg = me + "/" + i++;
                    String outcome;
                    try {
                        String answer = runtime.services().call(ServiceKey.json("svc.echo"), s -> PluginLifecycleTest.call(s, arg));
                        outcome = answer.equals(arg) ? "ok" : "wrong answer " + answer;
                    } catch (ServiceException e) {
                        outcome = e.reason().name();
                    }
                    outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                }
            }));
        }
        for (int i = 0; i < 30; i++) runtime.restart("svc");
        stop.set(true);
        for (Future<?> f : callers) f.get();
        assertThat(outcomes.keySet()).containsAnyOf("ok").isSubsetOf("ok", "NOT_FOUND");
        assertThat(runtime.registry().list()).singleElement().satisfies(s -> assertThat(s.owner()).isEqualTo("svc"));
        assertThat(log.stream().filter("start svc"::equals)).hasSize(31);
        assertThat(runtime.plugin("svc").state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void plugins_loaded_and_unloaded_from_many_threads_leave_nothing_behind() throws Exception {
        runtime = PluginRuntime.builder().discoverClasspath(false).storageFile(dir.resolve("kv.db")).build().start();
        List<Future<?>> workers = new ArrayList<>();
        AtomicInteger received = new AtomicInteger();
        for (int t = 0; t < 8; t++) {
            String id = "p" + t;
            workers.add(pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    runtime.load(new TestPlugin(id, new CopyOnWriteArrayList<>()).onStart(c -> {
                        c.services().register(ServiceKey.json(id + ".svc"), (m, j) -> j);
                        c.events().subscribe("noise", e -> received.incrementAndGet());
                    }));
                    runtime.events().publish("noise", Map.of());
                    runtime.unload(id);
                }
                return null;
            }));
        }
        for (Future<?> f : workers) f.get();
        assertThat(runtime.plugins()).isEmpty();
        assertThat(runtime.registry().list()).isEmpty();
        int before = received.get();
        runtime.events().publish("noise", Map.of());
        Thread.sleep(200);
        assertThat(received.get()).isEqualTo(before);
    }

    @Test
    void concurrent_changes_of_one_entity_get_one_version_each_and_storage_agrees_with_memory() throws Exception {
        try (SqliteKeyValueStore store = SqliteKeyValueStore.open(dir.resolve("state.db"))) {
            StateEngine engine = new StateEngine(new Storage(store, "devices"));
            List<Long> versionsSeen = new CopyOnWriteArrayList<>();
            engine.onChange(c -> versionsSeen.add(c.after().version()));
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String attribute = "w" + t;
                writers.add(pool.submit(() -> {
                    for (int i = 1; i <= 50; i++) engine.update("lamp", Map.of(attribute, i));
                    return null;
                }));
            }
            for (Future<?> f : writers) f.get();
            EntityState last = engine.get("lamp").orElseThrow();
            assertThat(last.version()).isEqualTo(400);
            assertThat(versionsSeen).hasSize(400).isSorted();
            for (int t = 0; t < 8; t++) assertThat(last.get("w" + t)).isEqualTo(50);
            EntityState restored = new StateEngine(new Storage(store, "devices")).get("lamp").orElseThrow();
            assertThat(restored.version()).isEqualTo(400);
            assertThat(restored.attributes()).isEqualTo(last.attributes());
        }
    }
}
