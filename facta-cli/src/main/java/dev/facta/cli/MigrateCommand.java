package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresMigrations;
import dev.facta.postgres.PostgresProvider;
import dev.facta.sqlite.SqliteSchema;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import org.sqlite.SQLiteConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "migrate",
        description = "Bring a store's schema to the version this Facta needs, or show which versions are applied.",
        subcommands = {MigrateCommand.Up.class, MigrateCommand.Status.class})
final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: up or status");
    }

    /** One schema version of a store: applied at a time, or pending (null). */
    record Row(int version, String description, Instant appliedAt) {
    }

    @Command(name = "up", description = "Apply every pending schema migration.")
    static final class Up implements Callable<Integer> {
        @Mixin
        StoreOption store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String where = EventStores.redact(store.url);
            if (Stores.isMemory(store.url)) {
                out.println(where + ": an in-memory store has no schema; nothing to migrate");
                return Main.OK;
            }
            List<Row> before;
            List<Row> after;
            if (Stores.isPostgres(store.url)) {
                try (PostgresEventStore es = PostgresProvider.configure(store.url).migrate(false).build()) {
                    PostgresMigrations migrations = new PostgresMigrations(es.dataSource(), es.schema());
                    before = postgresRows(migrations.status());
                    migrations.up();
                    after = postgresRows(migrations.status());
                }
            } else if (Stores.isSqlite(store.url)) {
                Path file = Stores.sqlitePath(store.url);
                before = Files.exists(file) ? sqliteRows(file) : sqliteRows(null);
                // opening the store is what migrates an SQLite file
                try (EventStore ignored = Stores.openForWrite(store.url)) {
                    after = sqliteRows(file);
                }
            } else {
                throw new InvalidInputException("store", "cannot migrate '" + where + "': not a sqlite: or postgresql:// store URL");
            }
            int applied = 0;
            for (Row row : after) {
                boolean wasApplied = before.stream().anyMatch(b -> b.version() == row.version() && b.appliedAt() != null);
                if (row.appliedAt() != null && !wasApplied) {
                    out.printf("%s: applied version %d (%s)%n", where, row.version(), row.description());
                    applied++;
                }
            }
            int current = after.stream().filter(r -> r.appliedAt() != null).mapToInt(Row::version).max().orElse(0);
            out.printf("%s: schema is at version %d%s%n", where, current,
                    applied == 0 ? ", nothing to apply" : "");
            return Main.OK;
        }
    }

    @Command(name = "status", description = "Show the schema versions this Facta knows and when each was applied.")
    static final class Status implements Callable<Integer> {
        @Mixin
        StoreOption store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String where = EventStores.redact(store.url);
            List<Row> rows;
            if (Stores.isMemory(store.url)) {
                out.println(where + ": an in-memory store has no schema");
                return Main.OK;
            } else if (Stores.isPostgres(store.url)) {
                // status only reads: the store is built without migrating so that nothing is created
                try (PostgresEventStore es = PostgresProvider.configure(store.url).migrate(false).build()) {
                    rows = postgresRows(new PostgresMigrations(es.dataSource(), es.schema()).status());
                }
            } else if (Stores.isSqlite(store.url)) {
                Path file = Stores.sqlitePath(store.url);
                if (!Files.exists(file)) {
                    throw new FactaException("no store at " + file + ": nothing has been written there yet");
                }
                rows = sqliteRows(file);
            } else {
                throw new InvalidInputException("store", "cannot read the schema of '" + where + "': not a sqlite: or postgresql:// store URL");
            }
            out.println(where);
            out.printf("%-8s %-28s %s%n", "VERSION", "APPLIED", "DESCRIPTION");
            for (Row r : rows) {
                out.printf("%-8d %-28s %s%n", r.version(), r.appliedAt() == null ? "pending" : r.appliedAt().toString(), r.description());
            }
            long pending = rows.stream().filter(r -> r.appliedAt() == null).count();
            out.println(pending == 0 ? "up to date" : pending + " pending; run 'facta migrate up'");
            return Main.OK;
        }
    }

    static List<Row> postgresRows(List<PostgresMigrations.Migration> migrations) {
        List<Row> rows = new ArrayList<>();
        for (PostgresMigrations.Migration m : migrations) rows.add(new Row(m.version(), m.description(), m.appliedAt()));
        return rows;
    }

    /** The SQLite file's recorded versions plus the ones this build knows and has not applied; null: a new file. */
    static List<Row> sqliteRows(Path file) {
        List<Row> applied = new ArrayList<>();
        if (file != null) {
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(true);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties())) {
                if (SqliteSchema.currentVersion(c) > 0) {
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT version, description, applied_at FROM facta_schema_version ORDER BY version")) {
                        while (rs.next()) {
                            applied.add(new Row(rs.getInt(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))));
                        }
                    }
                }
            } catch (SQLException e) {
                throw new FactaException("cannot read the schema of " + file + ": " + e.getMessage(), e);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (SqliteSchema.Migration m : SqliteSchema.migrations()) {
            rows.add(applied.stream().filter(r -> r.version() == m.version()).findFirst()
                    .orElse(new Row(m.version(), m.description(), null)));
        }
        for (Row r : applied) {
            if (r.version() > SqliteSchema.LATEST) rows.add(r);
        }
        return rows;
    }
}
