package dev.facta.sqlite;

import dev.facta.command.IdempotencyStore;
import dev.facta.command.IdempotencyStoreContract;
import dev.facta.command.ResultCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The idempotency store contract on a fresh SQLite file per test, plus sharing keys between processes. */
class SqliteIdempotencyStoreTest extends IdempotencyStoreContract {

    @TempDir
    Path dir;

    private final List<SqliteEventStore> opened = new ArrayList<>();

    private SqliteEventStore open() {
        SqliteEventStore events = SqliteEventStore.open(dir.resolve("facta.db"));
        opened.add(events);
        return events;
    }

    @Override
    protected IdempotencyStore createStoreWithLease(java.time.Duration lease) {
        return new SqliteIdempotencyStore(open(), ResultCodec.scalars(), lease, java.time.Clock.systemUTC());
    }

    @Override
    protected boolean storesShareKeys() {
        return true;
    }

    @Override
    protected IdempotencyStore createStore() {
        return new SqliteIdempotencyStore(open(), ResultCodec.scalars());
    }

    @AfterEach
    void closeFiles() {
        opened.forEach(SqliteEventStore::close);
    }

    private static Instant inTenMinutes() {
        return Instant.now().plus(Duration.ofMinutes(10));
    }

    @Test
    void completed_keys_survive_reopening_the_file_and_expired_ones_can_be_deleted() throws Exception {
        SqliteEventStore events = open();
        SqliteIdempotencyStore keys = new SqliteIdempotencyStore(events, ResultCodec.scalars());
        keys.begin("kept", inTenMinutes());
        keys.complete("kept", "yes");
        keys.begin("gone", Instant.now().minusSeconds(1));
        keys.complete("gone", "no");
        events.close();

        SqliteIdempotencyStore again = new SqliteIdempotencyStore(open(), ResultCodec.scalars());
        assertThat(again.begin("kept", inTenMinutes())).isEqualTo(new IdempotencyStore.Completed("yes"));
        assertThat(again.deleteExpired()).isEqualTo(1);
        assertThat(again.begin("gone", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
    }

    @Test
    void a_file_from_before_idempotency_keys_gains_the_table_when_a_store_opens_it() throws Exception {
        Path file = dir.resolve("old.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            assertThat(SqliteSchema.migrate(c, 2)).containsExactly(1, 2);
        }
        try (SqliteEventStore upgraded = SqliteEventStore.open(file)) {
            assertThat(upgraded.schemaVersion()).isEqualTo(SqliteSchema.LATEST);
            IdempotencyStore keys = new SqliteIdempotencyStore(upgraded, ResultCodec.scalars());
            assertThat(keys.begin("first", inTenMinutes())).isInstanceOf(IdempotencyStore.Reserved.class);
        }
    }
}
