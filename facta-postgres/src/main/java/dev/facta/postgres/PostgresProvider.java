package dev.facta.postgres;

import dev.facta.InvalidInputException;
import dev.facta.store.EventStore;
import dev.facta.store.spi.EventStoreProvider;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens {@link PostgresEventStore}s for {@code postgresql://user[:password]@host[:port]/db[?schema=s]}
 * (also {@code postgres://}) and {@code jdbc:postgresql://...} URLs. The optional {@code schema}
 * parameter picks the schema the store's tables live in (default {@code public}); every other
 * parameter is passed to the JDBC driver.
 */
public final class PostgresProvider implements EventStoreProvider {

    @Override
    public boolean supports(String url) {
        return url.startsWith("postgresql://") || url.startsWith("postgres://") || url.startsWith("jdbc:postgresql:");
    }

    @Override
    public EventStore open(String url) {
        return configure(url).build();
    }

    @Override
    public String schemes() {
        return "postgresql://user@host:port/db, jdbc:postgresql://...";
    }

    /** A builder set up from a store URL, for callers that want to adjust it further. */
    public static PostgresEventStore.Builder configure(String url) {
        Parsed p = parse(url);
        PostgresEventStore.Builder b = PostgresEventStore.builder().jdbcUrl(p.jdbcUrl());
        if (p.user() != null) b.user(p.user());
        if (p.password() != null) b.password(p.password());
        if (p.schema() != null) b.schema(p.schema());
        return b;
    }

    /** A store URL taken apart: the JDBC URL without credentials or schema, and those. */
    public record Parsed(String jdbcUrl, String user, String password, String schema) {
    }

    public static Parsed parse(String url) {
        String rest;
        if (url.startsWith("jdbc:postgresql:")) {
            rest = url.substring("jdbc:".length());
        } else if (url.startsWith("postgres://")) {
            rest = "postgresql://" + url.substring("postgres://".length());
        } else {
            rest = url;
        }
        URI uri;
        try {
            uri = new URI(rest);
        } catch (URISyntaxException e) {
            throw new InvalidInputException("store", "not a valid PostgreSQL URL: " + e.getMessage());
        }
        if (uri.getHost() == null) {
            throw new InvalidInputException("store", "PostgreSQL URL needs a host, e.g. postgresql://postgres@127.0.0.1:5432/postgres");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            if (parts.length > 1) password = decode(parts[1]);
        }
        String schema = null;
        List<String> params = new ArrayList<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                if (kv.isEmpty()) continue;
                String key = decode(kv.split("=", 2)[0]);
                String value = kv.contains("=") ? decode(kv.split("=", 2)[1]) : "";
                switch (key) {
                    case "schema", "currentSchema" -> schema = value;
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> params.add(kv);
                }
            }
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/postgres" : uri.getRawPath();
        String jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path
                + (params.isEmpty() ? "" : "?" + String.join("&", params));
        return new Parsed(jdbc, user, password, schema);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
