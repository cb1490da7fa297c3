package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.IdempotencyStoreContract;
import dev.facta.command.ResultCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The idempotency store contract on a fresh schema per test, plus sharing keys between instances. */
class PostgresIdempotencyStoreTest extends IdempotencyStoreContract {

    private String schema;
    private final List<PostgresEventStore> opened = new ArrayList<>();

    private PostgresEventStore open() {
        if (schema == null) schema = PostgresTestDatabase.newSchema("facta_idem");
        PostgresEventStore events = PostgresTestDatabase.storeBuilder(schema).build();
        opened.add(events);
        return events;
    }

    @Override
    protected IdempotencyStore createStoreWithLease(java.time.Duration lease) {
        return new PostgresIdempotencyStore(open(), ResultCodec.scalars(), lease, java.time.Clock.systemUTC());
    }

    @Override
    protected boolean storesShareKeys() {
        return true;
    }

    @Override
    protected IdempotencyStore createStore() {
        return new PostgresIdempotencyStore(open(), ResultCodec.scalars());
    }

    @AfterEach
    void dropSchema() {
        opened.forEach(PostgresEventStore::close);
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }

    private static Instant inTenMinutes() {
        return Instant.now().plus(Duration.ofMinutes(10));
    }

    @Test
    void a_schema_from_before_idempotency_keys_names_the_missing_migration() {
        PostgresEventStore events = open();
        PostgresTestDatabase.execute("DROP TABLE " + schema + ".facta_idempotency_keys");
        IdempotencyStore keys = new PostgresIdempotencyStore(events, ResultCodec.scalars());
        assertThatThrownBy(() -> keys.begin("k", inTenMinutes()))
                .isInstanceOf(FactaException.class)
                .hasMessageContaining("run the migrations");
    }
}
