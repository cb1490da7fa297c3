package dev.facta.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL server tests run against, chosen once per JVM: {@code FACTA_TEST_PG_URL} when
 * set; else the local server at 127.0.0.1:5432 (user postgres) when it answers; else an
 * embedded PostgreSQL started from Maven Central's binaries. {@code FACTA_TEST_PG=embedded}
 * forces the embedded one. Tests get their own schema and drop it afterwards.
 */
public final class PostgresTestDatabase {

    public record Server(String jdbcUrl, String user, String password, String origin) {
        public Connection connect() throws SQLException {
            Properties p = new Properties();
            if (user != null) p.setProperty("user", user);
            if (password != null) p.setProperty("password", password);
            return DriverManager.getConnection(jdbcUrl, p);
        }

        /** A store URL for this server and schema, in the form the CLI and benchmarks take. */
        public String storeUrl(String schema) {
            String base = jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "schema=" + schema;
            if (user != null) base += "&user=" + user;
            if (password != null) base += "&password=" + password;
            return base;
        }
    }

    private static Server server;
    private static EmbeddedPostgres embedded;

    private PostgresTestDatabase() {
    }

    public static synchronized Server server() {
        if (server != null) return server;
        String forced = System.getenv("FACTA_TEST_PG");
        String url = System.getenv("FACTA_TEST_PG_URL");
        if (url != null && !url.isBlank() && !"embedded".equals(forced)) {
            PostgresProvider.Parsed p = PostgresProvider.parse(url);
            server = new Server(p.jdbcUrl(), p.user(), p.password(), "FACTA_TEST_PG_URL");
        } else if (!"embedded".equals(forced) && answers("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres")) {
            server = new Server("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null, "local server 127.0.0.1:5432");
        } else {
            try {
                embedded = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        embedded.close();
                    } catch (Exception ignored) {
                        // the JVM is going away either way
                    }
                }));
                server = new Server(embedded.getJdbcUrl("postgres", "postgres"), "postgres", null,
                        "embedded PostgreSQL on port " + embedded.getPort());
            } catch (Exception e) {
                throw new IllegalStateException("no PostgreSQL for tests: none at 127.0.0.1:5432, FACTA_TEST_PG_URL unset,"
                        + " and embedded PostgreSQL failed to start: " + e.getMessage(), e);
            }
        }
        System.out.println("[facta tests] PostgreSQL: " + server.origin());
        return server;
    }

    private static boolean answers(String url, String user) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("connectTimeout", "3");
        try (Connection c = DriverManager.getConnection(url, p)) {
            return c.isValid(3);
        } catch (SQLException e) {
            return false;
        }
    }

    /** Creates an empty schema with a unique name and returns the name. */
    public static String newSchema(String prefix) {
        String name = prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        execute("CREATE SCHEMA " + name);
        return name;
    }

    public static void dropSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    public static void execute(String sql) {
        try (Connection c = server().connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public static PostgresEventStore.Builder storeBuilder(String schema) {
        Server s = server();
        PostgresEventStore.Builder b = PostgresEventStore.builder().jdbcUrl(s.jdbcUrl()).schema(schema).poolSize(12);
        if (s.user() != null) b.user(s.user());
        if (s.password() != null) b.password(s.password());
        return b;
    }
}
