package dev.facta.bench;

import dev.facta.InvalidInputException;

import dev.facta.postgres.PostgresProvider;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL server as named by a store URL ({@code postgresql://user[:password]@host:port/db}
 * or {@code jdbc:postgresql://host:port/db?user=...}). The benchmarks connect to its
 * {@code database} only to create and drop their own throw-away databases.
 */
public record PgServer(String host, int port, String database, String user, String password) {

    public static final String DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    public static boolean isPostgresUrl(String url) {
        return new PostgresProvider().supports(url);
    }

    public static PgServer parse(String url) {
        if (!isPostgresUrl(url)) {
            throw new InvalidInputException("store", "not a PostgreSQL URL: '" + url + "'");
        }
        // the store's own parser, so the benchmarks read a URL exactly as the store does
        PostgresProvider.Parsed p = PostgresProvider.parse(url);
        URI uri = URI.create(p.jdbcUrl().substring("jdbc:".length()));
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        return new PgServer(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
                path.isEmpty() ? "postgres" : path, p.user() == null ? "postgres" : p.user(), p.password());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The same server with another database. */
    public PgServer withDatabase(String db) {
        return new PgServer(host, port, db, user, password);
    }

    /** The URL a Facta store opens. */
    public String factaUrl() {
        return "postgresql://" + encode(user) + (password == null ? "" : ":" + encode(password))
                + "@" + host + ":" + port + "/" + database;
    }

    /** A pgjdbc URL; {@code extra} is appended as query parameters (e.g. {@code reWriteBatchedInserts=true}). */
    public String jdbcUrl(String extra) {
        StringBuilder sb = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port)
                .append('/').append(database).append("?user=").append(encode(user));
        if (password != null) sb.append("&password=").append(encode(password));
        if (extra != null && !extra.isEmpty()) sb.append('&').append(extra);
        return sb.toString();
    }

    /** host:port/database, never credentials. */
    public String describe() {
        return host + ":" + port + "/" + database;
    }
}
