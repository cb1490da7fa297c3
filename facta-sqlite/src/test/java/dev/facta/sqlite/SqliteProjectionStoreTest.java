package dev.facta.sqlite;

import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionStore;
import dev.facta.projection.ProjectionStoreContract;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The projection store contract on a fresh SQLite file per test; {@code sameDatabase} opens a second
 * event store on the file, as another process would. Plus plain SQL through the transaction's
 * connection and what must never nest.
 */
class SqliteProjectionStoreTest extends ProjectionStoreContract {

    @TempDir
    Path dir;

    @Override
    protected ProjectionStore newStore() {
        return SqliteProjectionStore.on(SqliteEventStore.open(dir.resolve("facta.db")));
    }

    @Override
    protected ProjectionStore sameDatabase(ProjectionStore store) {
        return SqliteProjectionStore.on(SqliteEventStore.open(((SqliteProjectionStore) store).events().path()));
    }

    @Override
    protected void closeStore(ProjectionStore store) {
        ((SqliteProjectionStore) store).events().close();
    }

    private static final ProjectionKey KEY = new ProjectionKey("totals", 1);

    @Test
    void plain_sql_through_the_transaction_connection_commits_and_rolls_back_with_the_checkpoint() throws Exception {
        store.register(KEY, 1);
        store.inTransaction(tx -> {
            try (Statement s = tx.unwrap(Connection.class).createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS totals (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
                s.execute("INSERT INTO totals VALUES ('a', 1)");
            }
            tx.saveCheckpoint(KEY, 0, 1);
            return null;
        });
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            try (PreparedStatement ps = tx.unwrap(Connection.class).prepareStatement("UPDATE totals SET n = n + 1")) {
                ps.executeUpdate();
            }
            tx.saveCheckpoint(KEY, 0, 2);
            throw new IllegalStateException("roll back");
        })).hasMessage("roll back");
        assertThat(store.find(KEY).orElseThrow().checkpoints()).containsExactly(1L);
        SqliteEventStore events = ((SqliteProjectionStore) store).events();
        long n = events.read(db -> {
            try (ResultSet rs = db.connection().createStatement().executeQuery("SELECT n FROM totals WHERE k = 'a'")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(n).isEqualTo(1);
        assertThatThrownBy(() -> store.inTransaction(tx -> tx.unwrap(String.class)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void appending_or_writing_autonomously_inside_a_transaction_is_refused_and_leaves_it_whole() {
        store.register(KEY, 1);
        SqliteEventStore events = ((SqliteProjectionStore) store).events();
        store.inTransaction(tx -> {
            tx.saveCheckpoint(KEY, 0, 5);
            assertThatThrownBy(() -> events.append(StreamId.of("order-1"), ExpectedVersion.any(),
                    List.of(EventData.of("Placed", "{}")))).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.readModels().collection("totals", DocumentCodec.json()).put("a", "{}"))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> store.inTransaction(inner -> null)).isInstanceOf(IllegalStateException.class);
            tx.collection("totals_v1", DocumentCodec.json()).put("a", "{\"n\":1}");
            return null;
        });
        assertThat(store.find(KEY).orElseThrow().checkpoints()).containsExactly(5L);
        assertThat(store.readModels().collection("totals_v1", DocumentCodec.json()).get("a")).contains("{\"n\":1}");
        assertThat(events.headPosition()).isZero();
    }

    /** A clock tests move by hand. */
    private static final class ManualClock extends java.time.Clock {
        private volatile java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

        void advance(java.time.Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @Test
    void leases_and_members_expire_by_the_event_store_clock() {
        ManualClock clock = new ManualClock();
        try (SqliteEventStore events = SqliteEventStore.builder(dir.resolve("clocked.db")).clock(clock).open()) {
            SqliteProjectionStore s = SqliteProjectionStore.on(events);
            s.register(KEY, 1);
            dev.facta.projection.Lease a = s.acquire(KEY, 0, "a", java.time.Duration.ofMinutes(10)).orElseThrow();
            assertThat(a.expiresAt()).isEqualTo(clock.instant().plus(java.time.Duration.ofMinutes(10)));
            assertThat(s.heartbeat("g", "a", java.time.Duration.ofMinutes(10))).containsExactly("a");
            clock.advance(java.time.Duration.ofMinutes(9));
            assertThat(s.acquire(KEY, 0, "b", java.time.Duration.ofMinutes(10))).isEmpty();
            assertThat(s.heartbeat("g", "b", java.time.Duration.ofMinutes(10))).containsExactly("a", "b");
            clock.advance(java.time.Duration.ofMinutes(2));
            assertThat(s.leases(KEY)).isEmpty();
            assertThat(s.acquire(KEY, 0, "b", java.time.Duration.ofMinutes(10))).get()
                    .extracting(dev.facta.projection.Lease::token).isEqualTo(a.token() + 1);
            assertThat(s.heartbeat("g", "b", java.time.Duration.ofMinutes(10))).containsExactly("b");
        }
    }

    @Test
    void a_transaction_cannot_be_used_after_its_work_returned() {
        store.register(KEY, 1);
        dev.facta.projection.ProjectionTransaction[] kept = new dev.facta.projection.ProjectionTransaction[1];
        store.inTransaction(tx -> {
            kept[0] = tx;
            return null;
        });
        assertThatThrownBy(() -> kept[0].saveCheckpoint(KEY, 0, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> kept[0].collection("totals_v1", DocumentCodec.json()).get("a"))
                .isInstanceOf(IllegalStateException.class);
    }
}
