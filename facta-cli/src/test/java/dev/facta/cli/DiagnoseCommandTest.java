package dev.facta.cli;

import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.sqlite.SqliteSchema;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code facta diagnose} on healthy, degraded and failing SQLite and PostgreSQL stores. */
class DiagnoseCommandTest {
    @TempDir
    Path temp;

    /** Keeps the last event type of each stream. */
    static final class LastType implements Projection {
        @Override
        public String name() {
            return "last-type";
        }

        @Override
        public Set<String> collections() {
            return Set.of("last");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            context.collection("last", DocumentCodec.json()).put(event.stream().value(), "{\"type\":\"" + event.type() + "\"}");
        }
    }

    private static void append(dev.facta.store.EventStore store, int n) {
        for (int i = 0; i < n; i++) {
            store.append(StreamId.of("order-" + i), ExpectedVersion.any(), EventData.of("OrderPlaced", "{}"));
        }
    }

    @Test
    void a_current_sqlite_store_with_a_caught_up_projection_is_healthy() {
        Path file = temp.resolve("facta.db");
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            append(events, 5);
            try (ProjectionEngine engine = ProjectionEngine.builder(events, SqliteProjectionStore.on(events))
                    .register(new LastType()).pollInterval(Duration.ofMillis(20)).build().start()) {
                assertThat(engine.awaitCaughtUp("last-type", Duration.ofSeconds(20))).isTrue();
            }
        }

        Facta r = Facta.run("diagnose", "--store", "sqlite:" + file);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).containsSubsequence("connectivity: ok", "head position 5 read in",
                        "schema:       ok", "version " + SqliteSchema.LATEST,
                        "projections:  ok", "last-type v1 ACTIVE: position 5 of 5, 0 events / 0.0 s behind",
                        "clock skew:   info", "not applicable")
                .endsWith("verdict: healthy\n");
    }

    @Test
    void a_projection_behind_the_limit_makes_the_store_degraded() throws Exception {
        Path file = temp.resolve("facta.db");
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            append(events, 3);
            try (ProjectionEngine engine = ProjectionEngine.builder(events, SqliteProjectionStore.on(events))
                    .register(new LastType()).pollInterval(Duration.ofMillis(20)).build().start()) {
                assertThat(engine.awaitCaughtUp("last-type", Duration.ofSeconds(20))).isTrue();
            }
            append(events, 2); // no engine runs: the projection falls behind
        }
        Thread.sleep(50);

        Facta r = Facta.run("diagnose", "--store", "sqlite:" + file, "--max-lag", "10ms");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("projections:  degraded")
                .contains("last-type v1 ACTIVE: position 3 of 5, 2 events")
                .contains("no engine holds its segments")
                .containsPattern("verdict: degraded \\(last-type is \\d+\\.\\d s behind\\)\\n$");
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("facta: diagnose: the store is degraded (last-type is");

        // with the default limit of 60 s the same store is healthy
        assertThat(Facta.run("diagnose", "--store", "sqlite:" + file).exitCode()).isZero();
    }

    @Test
    void pending_sqlite_migrations_are_reported_and_not_applied() throws Exception {
        Path file = temp.resolve("facta.db");
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            append(events, 1);
        }
        // as if the file were written by a Facta that knew one version less
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM facta_schema_version WHERE version = " + SqliteSchema.LATEST);
        }

        Facta r = Facta.run("diagnose", "--store", "sqlite:" + file);

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("schema:       degraded  version " + (SqliteSchema.LATEST - 1) + " of " + SqliteSchema.LATEST
                        + ": 1 migration pending")
                .contains("projections:  info      not checked")
                .endsWith("verdict: degraded (1 schema migration pending)\n");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            assertThat(SqliteSchema.currentVersion(c)).as("diagnose migrated nothing").isEqualTo(SqliteSchema.LATEST - 1);
        }
    }

    @Test
    void a_missing_or_broken_sqlite_file_is_failing() throws Exception {
        Facta missing = Facta.run("diagnose", "--store", "sqlite:" + temp.resolve("nope.db"));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.out()).contains("connectivity: failing").endsWith("verdict: failing (no store at " + temp.resolve("nope.db") + ")\n");
        assertThat(temp.resolve("nope.db")).doesNotExist();

        Path junk = Files.writeString(temp.resolve("junk.db"), "this is not a database, just text long enough to have a header".repeat(20));
        Facta broken = Facta.run("diagnose", "--store", "sqlite:" + junk);
        assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(1);
        assertThat(broken.out()).contains("connectivity: failing").contains("verdict: failing (cannot read " + junk + ")");
    }

    @Test
    void a_bad_store_url_is_bad_usage() {
        Facta r = Facta.run("diagnose", "--store", "mysql://localhost/db");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(Facta.run("diagnose", "--store", "postgresql:///nohost").exitCode()).isEqualTo(2);
        assertThat(Facta.run("diagnose", "--store", "memory:", "--max-lag", "soon").exitCode()).isEqualTo(2);
    }

    @Test
    void a_healthy_postgres_store_reports_schema_projections_and_clock_skew() {
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        String schema = PostgresTestDatabase.newSchema("facta_diag");
        String url = server.storeUrl(schema);
        try {
            try (PostgresEventStore events = PostgresTestDatabase.storeBuilder(schema).build()) {
                append(events, 4);
                try (ProjectionEngine engine = ProjectionEngine.builder(events, PostgresProjectionStore.on(events))
                        .register(new LastType()).pollInterval(Duration.ofMillis(20)).build().start()) {
                    assertThat(engine.awaitCaughtUp("last-type", Duration.ofSeconds(20))).isTrue();
                }
            }

            Facta r = Facta.run("diagnose", "--store", url);

            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).containsSubsequence("connectivity: ok", "head position 4",
                            "schema:       ok", "projections:  ok", "last-type v1 ACTIVE: position 4 of 4",
                            "clock skew:   ok", " ms \u00b1 ")
                    .containsPattern("clock skew: +ok +[+-]\\d+\\.\\d ms \u00b1 \\d+\\.\\d ms \\(the database is (ahead of|behind) this machine\\)")
                    .endsWith("verdict: healthy\n");
        } finally {
            PostgresTestDatabase.dropSchema(schema);
        }
    }

    @Test
    void a_postgres_schema_without_facta_is_failing_and_left_untouched() {
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        String schema = PostgresTestDatabase.newSchema("facta_diag");
        try {
            Facta r = Facta.run("diagnose", "--store", server.storeUrl(schema));

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).contains("connectivity: ok").contains("schema:       failing   no Facta schema")
                    .endsWith("verdict: failing (no Facta schema)\n");
            assertThat(Facta.run("migrate", "status", "--store", server.storeUrl(schema)).out())
                    .as("diagnose created nothing").contains("pending");
        } finally {
            PostgresTestDatabase.dropSchema(schema);
        }
    }

    @Test
    void an_unreachable_postgres_is_failing_with_the_report_on_stdout_and_one_line_on_stderr() {
        // port 1 on loopback: nothing listens, the connection is refused at once
        Facta r = Facta.run("diagnose", "--store", "postgresql://postgres@127.0.0.1:1/postgres", "--timeout", "2s");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.outLines()).hasSize(3);
        assertThat(r.outLines().get(0)).isEqualTo("store:        postgresql://postgres@127.0.0.1:1/postgres");
        assertThat(r.outLines().get(1)).startsWith("connectivity: failing   cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/postgres:")
                .doesNotContain("connectTimeout");
        assertThat(r.outLines().get(2)).isEqualTo("verdict: failing (cannot connect to postgresql://postgres@127.0.0.1:1/postgres)");
        assertThat(r.errLines()).containsExactly(
                "facta: diagnose: the store is failing (cannot connect to postgresql://postgres@127.0.0.1:1/postgres)");
    }

    @Test
    void connect_timeouts_are_added_unless_the_url_sets_them() {
        assertThat(DiagnoseCommand.withTimeouts("postgresql://u@h/db", Duration.ofSeconds(5)))
                .isEqualTo("postgresql://u@h/db?connectTimeout=5&loginTimeout=5");
        assertThat(DiagnoseCommand.withTimeouts("postgresql://u@h/db?schema=s&connectTimeout=9", Duration.ofMillis(1500)))
                .isEqualTo("postgresql://u@h/db?schema=s&connectTimeout=9&loginTimeout=2");
    }
}
