package dev.facta.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Connection pools on the test server, standing for an application's data source. */
final class TestPools {
    private TestPools() {
    }

    static HikariDataSource pool(String name, int size) {
        return pool(name, size, null);
    }

    /** A pool whose connections find tables in {@code schema} (their search_path), as an event store on it needs. */
    static HikariDataSource pool(String name, int size, String schema) {
        PostgresTestDatabase.Server s = PostgresTestDatabase.server();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(s.jdbcUrl());
        if (s.user() != null) config.setUsername(s.user());
        if (s.password() != null) config.setPassword(s.password());
        config.setMaximumPoolSize(size);
        config.setPoolName("test-" + name);
        config.setConnectionTimeout(10_000);
        if (schema != null) config.setSchema(schema);
        return new HikariDataSource(config);
    }
}
