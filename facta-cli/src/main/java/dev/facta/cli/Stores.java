package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the store a command names, with the checks that make mistakes show up as clear errors. */
final class Stores {
    private Stores() {
    }

    static boolean isSqlite(String url) {
        return url.startsWith("sqlite:") || url.startsWith("jdbc:sqlite:");
    }

    static boolean isPostgres(String url) {
        return url.startsWith("postgresql://") || url.startsWith("postgres://") || url.startsWith("jdbc:postgresql:");
    }

    static boolean isMemory(String url) {
        return url.equals("memory:") || url.equals("memory") || url.startsWith("memory:");
    }

    /** The file of a {@code sqlite:PATH} URL. */
    static Path sqlitePath(String url) {
        String path = url.substring(url.indexOf("sqlite:") + "sqlite:".length());
        int query = path.indexOf('?');
        return Path.of(query >= 0 ? path.substring(0, query) : path);
    }

    /** Opens a store to write to; an SQLite file and its folder are created when missing. */
    static EventStore openForWrite(String url) {
        if (isSqlite(url)) {
            Path parent = sqlitePath(url).toAbsolutePath().getParent();
            try {
                if (parent != null) Files.createDirectories(parent);
            } catch (IOException e) {
                throw new FactaException("cannot create the folder " + parent + " for the store: " + e.getMessage(), e);
            }
        }
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
