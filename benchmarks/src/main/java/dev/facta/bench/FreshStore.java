package dev.facta.bench;

import dev.facta.FactaException;
import dev.facta.dynamodb.DynamoDbEventStore;
import dev.facta.dynamodb.DynamoDbLocal;
import dev.facta.dynamodb.DynamoDbProvider;
import dev.facta.dynamodb.DynamoDbTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A store made for one run and removed after it: a temp SQLite file, a database
 * {@code facta_bench_<random>} created on the target PostgreSQL server and dropped on close, or a
 * DynamoDB table {@code facta-bench-<random>} deleted on close.
 */
public final class FreshStore implements AutoCloseable {
    private final StoreKind kind;
    private final String factaUrl;
    private final String rawJdbcUrl;
    private final Cleanup cleanup;
    /** The PostgreSQL server the store lives on, or null. */
    private final PgServer server;

    private interface Cleanup {
        void run() throws Exception;
    }

    private FreshStore(StoreKind kind, String factaUrl, String rawJdbcUrl, Cleanup cleanup) {
        this(kind, factaUrl, rawJdbcUrl, cleanup, null);
    }

    private FreshStore(StoreKind kind, String factaUrl, String rawJdbcUrl, Cleanup cleanup, PgServer server) {
        this.kind = kind;
        this.factaUrl = factaUrl;
        this.rawJdbcUrl = rawJdbcUrl;
        this.cleanup = cleanup;
        this.server = server;
    }

    public static FreshStore create(StoreTarget target) {
        return switch (target.kind()) {
            case MEMORY -> new FreshStore(StoreKind.MEMORY, "memory:", null, () -> { });
            case SQLITE -> sqlite(target.directory());
            case POSTGRES -> postgres(target.server());
            case DYNAMODB -> dynamodb(target.dynamoEndpoint());
        };
    }

    /**
     * A fresh table on the named endpoint, else on {@code FACTA_BENCH_DYNAMODB_ENDPOINT}, else on
     * DynamoDB Local started once in this process (from facta-dynamodb's test-jar).
     */
    private static FreshStore dynamodb(String endpoint) {
        String env = System.getenv("FACTA_BENCH_DYNAMODB_ENDPOINT");
        String at = endpoint != null ? endpoint
                : env != null && !env.isBlank() ? env.trim() : DynamoDbLocal.shared().endpoint().toString();
        String table = "facta-bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
        String url = "dynamodb:" + table + "?endpoint=" + at;
        return new FreshStore(StoreKind.DYNAMODB, url, null, () -> {
            try (DynamoDbEventStore s = DynamoDbProvider.builder(url).createTable(false).open()) {
                DynamoDbTable.delete(s.client(), table);
            }
        });
    }

    private static FreshStore sqlite(Path directory) {
        try {
            Path parent = directory == null ? Path.of(System.getProperty("java.io.tmpdir")) : directory;
            Files.createDirectories(parent);
            Path dir = Files.createTempDirectory(parent, "facta-bench-");
            return new FreshStore(StoreKind.SQLITE, "sqlite:" + dir.resolve("facta.db"),
                    "jdbc:sqlite:" + dir.resolve("raw.db"), () -> deleteTree(dir));
        } catch (IOException e) {
            throw new FactaException("cannot create a temp directory for SQLite: " + e.getMessage(), e);
        }
    }

    private static FreshStore postgres(PgServer server) {
        String db = "facta_bench_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(4);
        admin(server, "CREATE DATABASE " + db);
        PgServer fresh = server.withDatabase(db);
        return new FreshStore(StoreKind.POSTGRES, fresh.factaUrl(), fresh.jdbcUrl("reWriteBatchedInserts=true"),
                () -> admin(server, "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"), server);
    }

    /**
     * Starts the measured run from a clean slate: on PostgreSQL a CHECKPOINT, so that a checkpoint
     * owed to the WAL of the previous run (and the full-page writes after it) does not land in
     * whichever implementation happens to run next. Without the privilege it is skipped.
     */
    public FreshStore settled() {
        if (server != null) {
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(null)); Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            } catch (SQLException e) {
                System.err.println("bench: no CHECKPOINT before the run (" + e.getMessage() + ")");
            }
        }
        return this;
    }

    /** Fails with one clear message when the server does not answer, before any work starts. */
    public static void checkReachable(PgServer server) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("connectTimeout=5"))) {
            c.isValid(5);
        } catch (SQLException e) {
            throw new FactaException("PostgreSQL at " + server.describe() + " does not answer: " + e.getMessage(), e);
        }
    }

    /** Whether a PostgreSQL server answers, for callers that only use it when present. */
    public static boolean answers(PgServer server) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("connectTimeout=3"))) {
            return c.isValid(3);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void admin(PgServer server, String sql) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("connectTimeout=10"));
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new FactaException("PostgreSQL at " + server.describe() + ": " + sql + " failed: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public StoreKind kind() {
        return kind;
    }

    public String factaUrl() {
        return factaUrl;
    }

    /** The JDBC URL for the plain-JDBC implementation; null for memory, which has none. */
    public String rawJdbcUrl() {
        return rawJdbcUrl;
    }

    @Override
    public void close() {
        try {
            cleanup.run();
        } catch (Exception e) {
            throw new FactaException("cleaning up the benchmark store failed: " + e.getMessage(), e);
        }
    }
}
