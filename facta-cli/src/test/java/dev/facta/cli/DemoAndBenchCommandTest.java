package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class DemoAndBenchCommandTest {
    @TempDir
    Path temp;

    @Test
    void the_demo_walks_an_order_through_the_saga_shows_idempotency_and_a_compensation_and_says_where_the_data_lives() {
        String store = "sqlite:" + temp.resolve("demo/facta.db");

        Facta demo = Facta.run("demo", "--store", store, "--port", "0", "--http-port", "0", "--grpc-port", "0", "--no-wait");

        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        assertThat(demo.err()).isEmpty();
        assertThat(demo.out())
                .containsPattern("order demo-[0-9a-f]+ is CONFIRMED after \\d+ ms, total 89.30 EUR")
                .contains("OrderPlaced").contains("OrderReserved").contains("OrderPaid").contains("OrderConfirmed")
                .containsPattern("stock of BOOK_42: available (\\d+) -> \\d+, committed (\\d+) -> \\d+")
                .contains("nothing written twice: the stream still has 4 events")
                .containsPattern("demo-[0-9a-f]+-declined is CANCELLED \\(payment_declined\\)")
                .contains(temp.resolve("demo/facta.db").toString())
                .contains("./facta stream show order-demo-");
        String order = demo.out().replaceAll("(?s).*\\./facta stream show (order-demo-[0-9a-f]+).*", "$1");

        Facta show = Facta.run("stream", "show", order, "--store", store);
        assertThat(show.out()).contains("4 events shown, last version 3");
        assertThat(Facta.run("demo", "--store", store, "--port", "0", "--http-port", "0", "--grpc-port", "0", "--no-wait").exitCode())
                .as("the demo runs again on the same file").isZero();
    }

    @Test
    void the_demo_runs_on_a_file_whose_order_streams_hold_another_applications_events() {
        String store = "sqlite:" + temp.resolve("older/facta.db");
        assertThat(Facta.run("stream", "append", "order-legacy1", "--type", "OrderCreated", "--data", "{\"customer\":\"ada\"}",
                "--store", store).exitCode()).isZero();

        Facta demo = Facta.run("demo", "--store", store, "--port", "0", "--http-port", "0", "--grpc-port", "0", "--no-wait");

        assertThat(demo.exitCode()).as(demo.toString()).isZero();
        assertThat(demo.out()).containsPattern("order demo-[0-9a-f]+ is CONFIRMED");
        assertThat(Facta.run("projection", "status", "order-summaries", "--store", store).out()).contains("dead letters: 0");
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
