package dev.facta.bench;

import dev.facta.InvalidInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a benchmark runs: in memory; in SQLite files made in {@code directory} (the system temp
 * directory when null); in databases created on a PostgreSQL {@code server}; or in tables created
 * on the DynamoDB at {@code dynamoEndpoint} (null: {@code FACTA_BENCH_DYNAMODB_ENDPOINT}, else
 * DynamoDB Local started in this process). Every measured run gets a fresh file, database or
 * table, so the store named by the user is never written to.
 */
public record StoreTarget(StoreKind kind, Path directory, PgServer server, String dynamoEndpoint) {

    public static StoreTarget memory() {
        return new StoreTarget(StoreKind.MEMORY, null, null, null);
    }

    public static StoreTarget sqlite(Path directory) {
        return new StoreTarget(StoreKind.SQLITE, directory, null, null);
    }

    public static StoreTarget postgres(PgServer server) {
        return new StoreTarget(StoreKind.POSTGRES, null, server, null);
    }

    public static StoreTarget dynamodb(String endpoint) {
        return new StoreTarget(StoreKind.DYNAMODB, null, null, endpoint);
    }

    /**
     * {@code memory}, {@code sqlite}, {@code postgres} (the local server at
     * {@value PgServer#DEFAULT_URL}), or a store URL: {@code memory:}, {@code sqlite:PATH}
     * (fresh files go next to PATH), {@code postgresql://...} (fresh databases on that server),
     * {@code dynamodb} or {@code dynamodb://HOST:PORT} (fresh tables there).
     */
    public static StoreTarget parse(String text) {
        String t = text.trim();
        return switch (t) {
            case "memory", "memory:" -> memory();
            case "sqlite" -> sqlite(null);
            case "postgres", "postgresql" -> postgres(PgServer.parse(defaultPostgresUrl()));
            case "dynamodb", "dynamodb:" -> dynamodb(null);
            default -> {
                if (PgServer.isPostgresUrl(t)) yield postgres(PgServer.parse(t));
                if (t.startsWith("sqlite:") || t.startsWith("jdbc:sqlite:")) {
                    String path = t.substring(t.indexOf("sqlite:") + "sqlite:".length());
                    Path parent = Path.of(path).toAbsolutePath().getParent();
                    yield sqlite(parent);
                }
                if (t.startsWith("dynamodb://")) {
                    String hostPort = t.substring("dynamodb://".length()).split("[/?]", 2)[0];
                    if (!hostPort.isEmpty()) yield dynamodb("http://" + hostPort);
                }
                throw new InvalidInputException("store", "--store must be memory, sqlite, postgres, dynamodb or a store URL"
                        + " (memory:, sqlite:PATH, postgresql://..., dynamodb://HOST:PORT), got '" + text + "'");
            }
        };
    }

    public static List<StoreTarget> parseList(String list) {
        List<StoreTarget> out = new ArrayList<>();
        for (String part : list.split(",")) {
            if (!part.isBlank()) out.add(parse(part));
        }
        if (out.isEmpty()) throw new InvalidInputException("store", "no store given");
        return out;
    }

    /** The server the benchmarks use when told just {@code postgres}: FACTA_BENCH_PG_URL, else the local one. */
    public static String defaultPostgresUrl() {
        String env = System.getenv("FACTA_BENCH_PG_URL");
        return env == null || env.isBlank() ? PgServer.DEFAULT_URL : env;
    }

    public String describe() {
        return switch (kind) {
            case MEMORY -> "memory";
            case SQLITE -> "sqlite in " + (directory == null ? System.getProperty("java.io.tmpdir") : directory);
            case POSTGRES -> "postgres at " + server.describe();
            case DYNAMODB -> "dynamodb at " + (dynamoEndpoint == null ? "DynamoDB Local in this process" : dynamoEndpoint);
        };
    }
}
