package dev.facta.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresTestDatabase;
import dev.facta.sqlite.SqliteEventStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /health}: 200 while the store answers, 503 when it does not. */
class HealthTest {
    @TempDir
    Path temp;

    @Test
    void an_answering_store_is_up_with_its_head_position() {
        try (SqliteEventStore store = SqliteEventStore.open(temp.resolve("facta.db"));
             FactaServer server = FactaServer.builder(store).build().start()) {
            Http http = new Http(server);
            http.append("order-1", "[{\"type\":\"A\",\"data\":{}},{\"type\":\"B\",\"data\":{}}]");

            Http.Reply r = http.get("/health");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("application/json");
            assertThat(r.json().get("status").stringValue()).isEqualTo("up");
            assertThat(r.json().get("store").stringValue()).contains("facta.db");
            assertThat(r.json().get("headPosition").asLong()).isEqualTo(2);
            assertThat(r.json().get("latencyMs").isNumber()).isTrue();
        }
    }

    @Test
    void a_postgres_store_whose_schema_was_dropped_is_down_with_503_and_up_again_once_it_is_back() {
        String schema = PostgresTestDatabase.newSchema("facta_health");
        try (PostgresEventStore store = PostgresTestDatabase.storeBuilder(schema).poolSize(2).build();
             FactaServer server = FactaServer.builder(store).build().start()) {
            Http http = new Http(server);
            assertThat(http.get("/health").status()).isEqualTo(200);

            PostgresTestDatabase.dropSchema(schema);
            Http.Reply down = http.get("/health");

            assertThat(down.status()).as(down.toString()).isEqualTo(503);
            assertThat(down.json().get("status").stringValue()).isEqualTo("down");
            assertThat(down.json().get("error").stringValue()).isNotBlank();
            assertThat(down.body()).doesNotContain("\tat ");
        } finally {
            PostgresTestDatabase.dropSchema(schema);
        }
    }

    @Test
    void a_postgres_store_whose_connections_are_gone_is_down_with_503() {
        String schema = PostgresTestDatabase.newSchema("facta_health");
        PostgresTestDatabase.Server pg = PostgresTestDatabase.server();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pg.jdbcUrl());
        if (pg.user() != null) config.setUsername(pg.user());
        if (pg.password() != null) config.setPassword(pg.password());
        config.setSchema(schema);
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(500);
        HikariDataSource pool = new HikariDataSource(config);
        try (PostgresEventStore store = PostgresEventStore.builder().dataSource(pool).schema(schema).build();
             FactaServer server = FactaServer.builder(store).healthTimeout(Duration.ofSeconds(3)).build().start()) {
            Http http = new Http(server);
            Http.Reply up = http.get("/health");
            assertThat(up.status()).as(up.toString()).isEqualTo(200);

            pool.close();
            Http.Reply down = http.get("/health");

            assertThat(down.status()).as(down.toString()).isEqualTo(503);
            assertThat(down.json().get("status").stringValue()).isEqualTo("down");
        } finally {
            pool.close();
            PostgresTestDatabase.dropSchema(schema);
        }
    }
}
