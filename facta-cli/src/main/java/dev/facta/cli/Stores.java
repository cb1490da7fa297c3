package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.postgres.PostgresProvider;
import dev.facta.sqlite.SqliteProvider;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.memory.InMemoryProvider;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store a command names, with the checks that make mistakes show up as clear errors. */
final class Stores {
    private Stores() {
    }

    // The store modules' own URL rules, so the CLI never reads a URL differently from the store.
    private static final SqliteProvider SQLITE = new SqliteProvider();
    private static final PostgresProvider POSTGRES = new PostgresProvider();
    private static final InMemoryProvider MEMORY = new InMemoryProvider();

    static boolean isSqlite(String url) {
        return SQLITE.supports(url);
    }

    static boolean isPostgres(String url) {
        return POSTGRES.supports(url);
    }

    static boolean isMemory(String url) {
        return MEMORY.supports(url);
    }

    /** The file of a {@code sqlite:PATH} URL. */
    static Path sqlitePath(String url) {
        return SqliteProvider.path(url);
    }

    /** Opens a store to write to; an SQLite file and its folder are created when missing (by the store). */
    static EventStore openForWrite(String url) {
        return EventStores.open(url);
    }

    /**
     * Opens a store to read from. A missing SQLite file is an error rather than a new empty
     * store, so that a mistyped path does not quietly show nothing and leave a stray file behind.
     */
    static EventStore openForRead(String url) {
        if (isSqlite(url) && !Files.exists(sqlitePath(url))) {
            throw new FactaException("no store at " + sqlitePath(url)
                    + ": nothing has been written there yet (try 'facta demo' or 'facta stream append')");
        }
        return EventStores.open(url);
    }
}
