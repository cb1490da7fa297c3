package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DemoAndBenchCommandTest {
    @TempDir
    Path temp;

    @Test
    void the_demo_appends_an_order_shows_a_conflict_and_says_where_the_data_lives() {
        String store = "sqlite:" + temp.resolve("demo/facta.db");

        Facta demo = Facta.run("demo", "--store", store, "--port", "0", "--no-wait");

        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        assertThat(demo.err()).isEmpty();
        assertThat(demo.out())
                .contains("refused: stream 'order-")
                .contains("OrderCreated").contains("OrderPaid").contains("OrderShipped")
                .doesNotContain("OrderCancelled")
                .contains("filtered by category 'order'")
                .contains(temp.resolve("demo/facta.db").toString())
                .contains("./facta stream show order-");
        String order = demo.out().replaceAll("(?s).*\\./facta stream show (order-[0-9a-f]+).*", "$1");

        Facta show = Facta.run("stream", "show", order, "--store", store);
        assertThat(show.out()).contains("5 events shown, last version 4");
        assertThat(Facta.run("demo", "--store", store, "--port", "0", "--no-wait").exitCode()).as("the demo runs again on the same file").isZero();
    }

    @Test
    void bench_prints_one_result_line_per_scenario() {
        Facta bench = Facta.run("bench", "--store", "memory", "--scale", "0.001", "--no-warmup", "--quiet",
                "--scenario", "append-single,read-all");

        assertThat(bench.exitCode()).as(bench.toString()).isZero();
        assertThat(bench.err()).isEmpty();
        assertThat(bench.outLines()).hasSize(2);
        assertThat(bench.outLines().get(0)).matches(
                "scenario=append-single impl=facta store=memory events=20 seconds=\\d+\\.\\d{3} events_per_s=\\d+ p50_ms=\\d+\\.\\d{3} p99_ms=\\d+\\.\\d{3}");
        assertThat(bench.outLines().get(1)).matches(
                "scenario=read-all impl=facta store=memory events=200 seconds=\\d+\\.\\d{3} events_per_s=\\d+");
    }

    @Test
    void bench_refuses_unknown_scenarios_and_implementations_as_bad_usage() {
        assertThat(Facta.run("bench", "--store", "memory", "--scenario", "append-faster").exitCode()).isEqualTo(2);
        assertThat(Facta.run("bench", "--store", "memory", "--impl", "orm").exitCode()).isEqualTo(2);
        assertThat(Facta.run("bench", "--store", "memory", "--scale", "0").exitCode()).isEqualTo(2);
    }
}
