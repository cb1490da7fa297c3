package dev.facta.bench;

import dev.facta.postgres.PostgresTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs every scenario at a tiny scale and checks what it prints, never how fast it was. */
class BenchmarkRunnerTest {
    private static final double TINY = 0.001;
    private static final Pattern LINE = Pattern.compile(
            "scenario=(?<scenario>[a-z-]+) impl=(?<impl>facta|rawjdbc) store=(?<store>memory|sqlite|postgres)"
                    + " events=(?<events>\\d+) seconds=\\d+\\.\\d{3} events_per_s=\\d+"
                    + "(?<latency> p50_ms=\\d+\\.\\d{3} p99_ms=\\d+\\.\\d{3})?");

    @TempDir
    Path temp;

    private static List<String> run(BenchConfig config, List<String> progress) {
        List<String> lines = new ArrayList<>();
        new BenchmarkRunner(config, lines::add, progress::add).run();
        return lines;
    }

    private static BenchConfig everything(StoreTarget... stores) {
        // outbox-relay prints one line per reachable broker: OutboxRelayBenchTest checks it
        List<Scenario> scenarios = java.util.Arrays.stream(Scenario.values()).filter(s -> s != Scenario.OUTBOX_RELAY).toList();
        return new BenchConfig(List.of(stores), scenarios, List.of(Impl.values()), TINY,
                BenchConfig.DEFAULT_PAGE_SIZE, true);
    }

    @Test
    void every_scenario_prints_one_well_formed_line_per_implementation_on_memory_and_sqlite() throws Exception {
        List<String> progress = new ArrayList<>();
        List<String> lines = run(everything(StoreTarget.memory(), StoreTarget.sqlite(temp)), progress);

        assertThat(lines).allSatisfy(BenchmarkRunnerTest::assertWellFormed);
        assertThat(lines.stream().map(BenchmarkRunnerTest::key)).containsExactly(
                "append-batched facta memory", "append-single facta memory", "read-all facta memory",
                "load-aggregate facta memory", "load-aggregate-snapshots facta memory",
                "projection-catchup facta memory", "subscription-latency facta memory",
                "append-batched-encrypted facta memory", "read-all-encrypted facta memory",
                "append-batched facta sqlite", "append-batched rawjdbc sqlite",
                "append-single facta sqlite", "append-single rawjdbc sqlite",
                "read-all facta sqlite", "read-all rawjdbc sqlite",
                "read-all-after-rollbacks rawjdbc sqlite",
                "load-aggregate facta sqlite", "load-aggregate-snapshots facta sqlite",
                "projection-catchup facta sqlite", "subscription-latency facta sqlite",
                "append-batched-encrypted facta sqlite", "read-all-encrypted facta sqlite");
        // what cannot run is said, not silently left out
        assertThat(progress).anyMatch(p -> p.contains("skipping append-batched impl=rawjdbc store=memory"));
        assertThat(progress).anyMatch(p -> p.contains("skipping read-all-after-rollbacks impl=facta store=sqlite"));
        assertThat(progress).anyMatch(p -> p.contains("skipping load-aggregate impl=rawjdbc store=sqlite"));
        // every run's temp files are gone afterwards
        try (Stream<Path> left = Files.list(temp)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void every_scenario_runs_on_postgres_in_databases_that_are_dropped_afterwards() throws Exception {
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        PgServer pg = PgServer.parse(server.storeUrl("public"));
        Set<String> before = benchDatabases(server);

        List<String> lines = run(everything(StoreTarget.postgres(pg)), new ArrayList<>());

        assertThat(lines).allSatisfy(BenchmarkRunnerTest::assertWellFormed);
        assertThat(lines.stream().map(BenchmarkRunnerTest::key)).containsExactly(
                "append-batched facta postgres", "append-batched rawjdbc postgres",
                "append-single facta postgres", "append-single rawjdbc postgres",
                "read-all facta postgres", "read-all rawjdbc postgres",
                "read-all-after-rollbacks facta postgres", "read-all-after-rollbacks rawjdbc postgres",
                "load-aggregate facta postgres", "load-aggregate-snapshots facta postgres",
                "projection-catchup facta postgres", "subscription-latency facta postgres",
                "append-batched-encrypted facta postgres", "read-all-encrypted facta postgres");
        assertThat(benchDatabases(server)).isSubsetOf(before);
    }

    @Test
    void the_event_counts_are_the_standard_shapes_scaled() {
        List<String> lines = run(new BenchConfig(List.of(StoreTarget.memory()),
                List.of(Scenario.APPEND_BATCHED, Scenario.APPEND_SINGLE, Scenario.READ_ALL), List.of(Impl.FACTA),
                0.01, BenchConfig.DEFAULT_PAGE_SIZE, false), new ArrayList<>());

        // 100 streams x 2 appends x 10 events; 200 single-event appends; read-all reads the batched load
        assertThat(lines).extracting(l -> matcher(l).group("events")).containsExactly("2000", "200", "2000");
        assertThat(Shape.batched(1).events()).isEqualTo(200_000);
        assertThat(Shape.single(1).appends()).isEqualTo(20_000);
    }

    @Test
    void the_runner_parses_its_command_line() {
        BenchConfig c = BenchmarkRunner.parseArgs(new String[]{"--store", "memory,sqlite", "--scenario", "read-all,append-single",
                "--impl", "facta", "--events", "20000", "--no-warmup"});
        assertThat(c.stores()).extracting(StoreTarget::kind).containsExactly(StoreKind.MEMORY, StoreKind.SQLITE);
        assertThat(c.scenarios()).containsExactly(Scenario.READ_ALL, Scenario.APPEND_SINGLE);
        assertThat(c.impls()).containsExactly(Impl.FACTA);
        assertThat(c.scale()).isEqualTo(0.1);
        assertThat(c.warmUp()).isFalse();
    }

    @Test
    void latency_percentiles_use_the_nearest_rank() {
        long[] nanos = new long[100];
        for (int i = 0; i < 100; i++) nanos[i] = (100 - i) * 1_000_000L;
        assertThat(AppendLoad.percentileMillis(nanos, 50)).isEqualTo(50.0);
        assertThat(AppendLoad.percentileMillis(nanos, 99)).isEqualTo(99.0);
    }

    private static Set<String> benchDatabases(PostgresTestDatabase.Server server) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = server.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'facta\\_bench\\_%'")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static Matcher matcher(String line) {
        Matcher m = LINE.matcher(line);
        assertThat(m.matches()).as("benchmark line format: %s", line).isTrue();
        return m;
    }

    private static void assertWellFormed(String line) {
        Matcher m = matcher(line);
        boolean timed = m.group("scenario").startsWith("append-") || m.group("scenario").equals("subscription-latency");
        assertThat(m.group("latency") != null).as("latency reported exactly for appends and subscriptions: %s", line).isEqualTo(timed);
        assertThat(Long.parseLong(m.group("events"))).isPositive();
    }

    private static String key(String line) {
        Matcher m = matcher(line);
        return m.group("scenario") + " " + m.group("impl") + " " + m.group("store");
    }
}
