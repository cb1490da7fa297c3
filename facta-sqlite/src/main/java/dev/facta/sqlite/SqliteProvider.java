package dev.facta.sqlite;

import dev.facta.InvalidInputException;
import dev.facta.store.EventStore;
import dev.facta.store.spi.EventStoreProvider;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Opens {@link SqliteEventStore}s for {@code sqlite:PATH} and {@code jdbc:sqlite:PATH}, creating
 * the file and its directories when missing; a leading {@code ~/} means the user's home. One
 * option may follow the path:
 * {@code ?synchronous=full|normal}. SQLite's {@code :memory:} databases are refused: each
 * connection would see a different empty database; use {@code memory:} for an in-memory store.
 */
public final class SqliteProvider implements EventStoreProvider {

    @Override
    public boolean supports(String url) {
        return url != null && (url.startsWith("sqlite:") || url.startsWith("jdbc:sqlite:"));
    }

    @Override
    public EventStore open(String url) {
        return builder(url).open();
    }

    /** The builder the URL describes, to adjust further before opening. */
    public static SqliteEventStore.Builder builder(String url) {
        String rest = rest(url);
        int q = rest.indexOf('?');
        String options = q >= 0 ? rest.substring(q + 1) : null;
        Path path = path(url);
        SqliteEventStore.Builder builder = SqliteEventStore.builder(path);
        if (options != null && !options.isEmpty()) {
            for (String option : options.split("&")) {
                int eq = option.indexOf('=');
                String key = eq < 0 ? option : option.substring(0, eq);
                String value = eq < 0 ? "" : option.substring(eq + 1);
                if (key.equals("synchronous")) {
                    try {
                        builder.synchronous(SqliteEventStore.Synchronous.valueOf(value.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidInputException("store", "synchronous must be full or normal, got '" + value + "'");
                    }
                } else {
                    throw new InvalidInputException("store", "unknown SQLite store option '" + key
                            + "' (known: synchronous=full|normal)");
                }
            }
        }
        return builder;
    }

    /** The file a {@code sqlite:PATH} or {@code jdbc:sqlite:PATH} URL names ({@code ~/} is the home folder). */
    public static Path path(String url) {
        String rest = rest(url);
        int q = rest.indexOf('?');
        if (q >= 0) rest = rest.substring(0, q);
        if (rest.isBlank()) {
            throw new InvalidInputException("store", "the SQLite store URL '" + url + "' names no file (use sqlite:PATH)");
        }
        if (rest.equals(":memory:") || rest.startsWith("file::memory:")) {
            throw new InvalidInputException("store", "an in-memory SQLite database cannot be shared by the store's"
                    + " connections; use the URL memory: for an in-memory store");
        }
        if (rest.equals("~") || rest.startsWith("~/")) {
            rest = System.getProperty("user.home") + rest.substring(1);
        }
        try {
            return Path.of(rest);
        } catch (InvalidPathException e) {
            throw new InvalidInputException("store", "the SQLite store URL '" + url + "' has an invalid path: " + e.getMessage());
        }
    }

    private static String rest(String url) {
        String rest = url == null ? null : url.startsWith("jdbc:sqlite:") ? url.substring("jdbc:sqlite:".length())
                : url.startsWith("sqlite:") ? url.substring("sqlite:".length()) : null;
        if (rest == null) {
            throw new InvalidInputException("store", "not a SQLite store URL: '" + url + "' (use sqlite:PATH)");
        }
        return rest;
    }

    @Override
    public String schemes() {
        return "sqlite:PATH, jdbc:sqlite:PATH";
    }
}
