package dev.facta.cli;

import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Progress bars of {@code stream export}, {@code projection rebuild --wait} and {@code bench}: drawn on
 * stderr with {@code --progress}, not at all when stderr is no terminal (as under the test runner), and
 * never in the data on stdout.
 */
class ProgressCommandsTest {
    static final int EVENTS = 2_500;

    @TempDir
    Path temp;
    Path file;
    String store;

    @BeforeEach
    void aStoreWithEvents() {
        file = temp.resolve("facta.db");
        store = "sqlite:" + file;
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            List<EventData> batch = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) batch.add(EventData.of(i % 2 == 0 ? "OrderPlaced" : "OrderPaid", "{\"n\":" + i + "}"));
            for (int s = 0; s < 5; s++) {
                events.append(StreamId.of("order-" + s), ExpectedVersion.noStream(), batch.subList(s * 500, (s + 1) * 500));
            }
        }
    }

    @Test
    void export_draws_its_bar_on_stderr_and_only_json_on_stdout() {
        Facta r = Facta.run("stream", "export", "--store", store, "--progress");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.outLines()).hasSize(EVENTS).allMatch(l -> l.startsWith("{\"id\":") && l.endsWith("}"));
        assertThat(r.err()).contains("\r").contains("export").contains("100%").contains("2,500/2,500 events").endsWith("\n");
    }

    @Test
    void export_of_a_stream_to_a_file_counts_its_versions() throws Exception {
        Path out = temp.resolve("order-3.jsonl");
        Facta r = Facta.run("stream", "export", "order-3", "--store", store, "--output", out.toString(), "--progress");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(Files.readAllLines(out)).hasSize(500);
        assertThat(r.err()).contains("export order-3").contains("500/500 events").contains("100%")
                .endsWith("exported 500 events to " + out + "\n");
    }

    @Test
    void a_filtered_export_counts_positions_and_says_how_many_events_it_wrote() {
        Facta r = Facta.run("stream", "export", "--store", store, "--event-type", "OrderPaid", "--progress");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.outLines()).hasSize(EVENTS / 2);
        assertThat(r.err()).contains("2,500/2,500 positions").contains("1,250 events written");
    }

    @Test
    void without_a_terminal_no_bar_is_drawn() {
        Facta r = Facta.run("stream", "export", "--store", store);

        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(Facta.run("stream", "export", "--store", store, "--no-progress").err()).isEmpty();
    }

    /** Counts events per stream; counts every event it applies, across rebuilds. */
    static final class Counter implements Projection {
        static final AtomicInteger APPLIED = new AtomicInteger();

        @Override
        public String name() {
            return "counter";
        }

        @Override
        public Set<String> collections() {
            return Set.of("counts");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            APPLIED.incrementAndGet();
            context.collection("counts", DocumentCodec.json()).put(event.stream().value(), "{\"n\":" + (event.version() + 1) + "}");
        }
    }

    @Test
    void rebuild_wait_follows_the_rebuild_until_it_has_caught_up() {
        try (SqliteEventStore events = SqliteEventStore.open(file);
             ProjectionEngine engine = ProjectionEngine.builder(events, SqliteProjectionStore.on(events))
                     .register(new Counter()).pollInterval(Duration.ofMillis(50)).build().start()) {
            assertThat(engine.awaitCaughtUp("counter", Duration.ofSeconds(30))).isTrue();
            int before = Counter.APPLIED.get();

            Facta r = Facta.run("projection", "rebuild", "counter", "--wait", "--progress", "--store", store);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).matches("counter: rebuilt, caught up at position 2500 in \\d+\\.\\d s\\n");
            assertThat(r.err()).contains("rebuild counter").contains("100%").contains("2,500/2,500 events");
            assertThat(Counter.APPLIED.get() - before).as("every event applied again").isEqualTo(EVENTS);
            var record = SqliteProjectionStore.on(events).find(new ProjectionKey("counter", 1)).orElseThrow();
            assertThat(record.rebuildRequested()).isFalse();
            assertThat(record.position()).isEqualTo(EVENTS);
        }
    }

    @Test
    void rebuild_wait_gives_up_after_its_timeout_when_no_engine_runs_the_projection() {
        try (SqliteEventStore events = SqliteEventStore.open(file);
             ProjectionEngine engine = ProjectionEngine.builder(events, SqliteProjectionStore.on(events))
                     .register(new Counter()).pollInterval(Duration.ofMillis(50)).build().start()) {
            assertThat(engine.awaitCaughtUp("counter", Duration.ofSeconds(30))).isTrue();
        }

        Facta r = Facta.run("projection", "rebuild", "counter", "--wait", "--timeout", "500ms", "--progress", "--store", store);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("no engine runs this projection")
                .contains("facta: counter: not caught up after 500ms (position 2500 of 2500, rebuild not started yet);"
                        + " the rebuild goes on in the engine");
        assertThat(r.out()).isEmpty();

        assertThat(Facta.run("projection", "rebuild", "counter", "--timeout", "5s", "--store", store).exitCode())
                .as("--timeout without --wait").isEqualTo(2);
        assertThat(Facta.run("projection", "rebuild", "counter", "--wait", "--timeout", "-1s", "--store", store).exitCode())
                .isEqualTo(2);
    }

    @Test
    void bench_counts_its_runs_on_stderr_and_keeps_stdout_to_the_result_lines() {
        Facta bench = Facta.run("bench", "--store", "memory", "--scale", "0.001", "--no-warmup", "--quiet", "--progress",
                "--scenario", "append-single,read-all");

        assertThat(bench.exitCode()).as(bench.toString()).isZero();
        assertThat(bench.outLines()).hasSize(2).allMatch(l -> l.startsWith("scenario="));
        // memory has no plain-JDBC runs: they count as done when skipped, so the bar still ends full
        assertThat(bench.err()).contains("bench").contains("4/4 runs").contains("100%").doesNotContain("bench: skipping");
    }
}
