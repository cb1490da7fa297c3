package dev.facta.cli;

import dev.facta.postgres.PostgresTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

class MigrateCommandTest {
    @TempDir
    Path temp;

    @Test
    void migrate_up_creates_and_migrates_an_sqlite_file_once_and_status_shows_it() {
        String store = "sqlite:" + temp.resolve("facta.db");
        assertThat(Facta.run("migrate", "status", "--store", store).exitCode()).isEqualTo(1);

        Facta up = Facta.run("migrate", "up", "--store", store);
        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.out()).contains("applied version 1").containsPattern("schema is at version \\d+");

        Facta again = Facta.run("migrate", "up", "--store", store);
        assertThat(again.out()).doesNotContain("applied version").contains("nothing to apply");

        Facta status = Facta.run("migrate", "status", "--store", store);
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).containsPattern("(?m)^1 +\\d{4}-\\d\\d-\\d\\dT").contains("up to date");
    }

    @Test
    void migrate_up_applies_the_postgres_migrations_that_status_lists_as_pending() throws Exception {
        PostgresTestDatabase.Server server = PostgresTestDatabase.server();
        String schema = "facta_cli_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
        String store = server.storeUrl(schema);
        try {
            Facta before = Facta.run("migrate", "status", "--store", store);
            assertThat(before.exitCode()).as(before.toString()).isZero();
            assertThat(before.out()).containsPattern("(?m)^1 +pending").containsPattern("\\d+ pending; run 'facta migrate up'");

            Facta up = Facta.run("migrate", "up", "--store", store);
            assertThat(up.exitCode()).as(up.toString()).isZero();
            assertThat(up.out()).contains("applied version 1");

            assertThat(Facta.run("migrate", "status", "--store", store).out()).contains("up to date");
            Facta append = Facta.run("stream", "append", "order-1", "--store", store, "--type", "A", "--data", "{}");
            assertThat(append.out()).contains("nextExpectedVersion=0");
        } finally {
            try (Connection c = server.connect(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void an_in_memory_store_has_nothing_to_migrate_and_other_urls_are_bad_usage() {
        Facta memory = Facta.run("migrate", "up", "--store", "memory:");
        assertThat(memory.exitCode()).isZero();
        assertThat(memory.out()).contains("nothing to migrate");

        Facta unknown = Facta.run("migrate", "up", "--store", "mysql://localhost/x");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.errLines()).hasSize(1);

        assertThat(Facta.run("migrate").exitCode()).isEqualTo(2);
    }
}
