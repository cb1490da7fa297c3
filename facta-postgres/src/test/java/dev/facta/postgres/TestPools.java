package dev.facta.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** Connection pools on the test server, standing for an application's data source. */
final class TestPools {
    private TestPools() {
    }

    static HikariDataSource pool(String name, int size) {
        PostgresTestDatabase.Server s = PostgresTestDatabase.server();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(s.jdbcUrl());
        if (s.user() != null) config.setUsername(s.user());
        if (s.password() != null) config.setPassword(s.password());
        config.setMaximumPoolSize(size);
        config.setPoolName("test-" + name);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }
}
