package dev.facta.bench;

import dev.facta.InvalidInputException;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PostgreSQL server as named by a store URL ({@code postgresql://user[:password]@host:port/db}
 * or {@code jdbc:postgresql://host:port/db?user=...}). The benchmarks connect to its
 * {@code database} only to create and drop their own throw-away databases.
 */
public record PgServer(String host, int port, String database, String user, String password) {

    public static final String DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    public static boolean isPostgresUrl(String url) {
        return url.startsWith("postgresql://") || url.startsWith("postgres://") || url.startsWith("jdbc:postgresql://");
    }

    public static PgServer parse(String url) {
        if (!isPostgresUrl(url)) {
            throw new InvalidInputException("store", "not a PostgreSQL URL: '" + url + "'");
        }
        String raw = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new InvalidInputException("store", "malformed PostgreSQL URL: " + e.getMessage());
        }
        if (uri.getHost() == null) {
            throw new InvalidInputException("store", "PostgreSQL URL has no host: '" + url + "'");
        }
        Map<String, String> params = query(uri.getRawQuery());
        String user = params.get("user");
        String password = params.get("password");
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            if (parts.length > 1) password = decode(parts[1]);
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        return new PgServer(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
                path.isEmpty() ? "postgres" : path, user == null ? "postgres" : user, password);
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return out;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) out.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
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
