package dev.facta.bench;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreTargetTest {

    @Test
    void a_postgres_store_url_names_the_server_the_bench_databases_are_created_on() {
        PgServer s = PgServer.parse("postgresql://alice:s%3Acret@db.local:6543/app");
        assertThat(s).isEqualTo(new PgServer("db.local", 6543, "app", "alice", "s:cret"));
        assertThat(s.withDatabase("facta_bench_1").factaUrl()).isEqualTo("postgresql://alice:s%3Acret@db.local:6543/facta_bench_1");
        assertThat(s.jdbcUrl("reWriteBatchedInserts=true"))
                .isEqualTo("jdbc:postgresql://db.local:6543/app?user=alice&password=s%3Acret&reWriteBatchedInserts=true");
        assertThat(s.describe()).doesNotContain("cret");
    }

    @Test
    void a_jdbc_url_with_credentials_in_parameters_is_understood_too() {
        assertThat(PgServer.parse("jdbc:postgresql://127.0.0.1/postgres?user=postgres&schema=x"))
                .isEqualTo(new PgServer("127.0.0.1", 5432, "postgres", "postgres", null));
    }

    @Test
    void short_names_and_store_urls_pick_the_kind_of_store() {
        assertThat(StoreTarget.parse("memory").kind()).isEqualTo(StoreKind.MEMORY);
        assertThat(StoreTarget.parse("sqlite").directory()).isNull();
        assertThat(StoreTarget.parse("sqlite:/tmp/x/facta.db").directory()).isEqualTo(Path.of("/tmp/x"));
        assertThat(StoreTarget.parse("postgresql://postgres@127.0.0.1:5432/postgres").server().port()).isEqualTo(5432);
        assertThat(StoreTarget.parse("dynamodb")).isEqualTo(StoreTarget.dynamodb(null));
        assertThat(StoreTarget.parse("dynamodb://localhost:8000/ignored").dynamoEndpoint()).isEqualTo("http://localhost:8000");
    }

    @Test
    void unknown_stores_scenarios_and_implementations_are_bad_input() {
        assertThatThrownBy(() -> StoreTarget.parse("mysql://x")).isInstanceOf(InvalidInputException.class).hasMessageContaining("--store");
        assertThatThrownBy(() -> Scenario.parseList("append-everything")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("append-batched");
        assertThatThrownBy(() -> Impl.parseChoice("hibernate")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> BenchConfig.scaleForEvents(0)).isInstanceOf(InvalidInputException.class);
    }
}
