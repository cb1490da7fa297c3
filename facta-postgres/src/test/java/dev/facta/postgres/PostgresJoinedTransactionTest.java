package dev.facta.postgres;

import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Appends that join the caller's transaction: they commit and roll back with the caller's own rows. */
class PostgresJoinedTransactionTest {
    private String schema;
    private PostgresEventStore store;

    @BeforeEach
    void open() {
        schema = PostgresTestDatabase.newSchema("facta_joined");
        store = PostgresTestDatabase.storeBuilder(schema).build();
        PostgresTestDatabase.execute("CREATE TABLE " + schema + ".orders (id text PRIMARY KEY)");
    }

    @AfterEach
    void close() {
        store.close();
        PostgresTestDatabase.dropSchema(schema);
    }

    private Connection transaction() throws Exception {
        Connection c = store.dataSource().getConnection();
        c.setAutoCommit(false);
        return c;
    }

    private void insertOrder(Connection c, String id) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("INSERT INTO " + schema + ".orders VALUES ('" + id + "')");
        }
    }

    private long orders() throws Exception {
        try (Connection c = store.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void events_commit_with_the_callers_rows_and_are_invisible_before() throws Exception {
        StreamId s = StreamId.of("order-1");
        try (Connection c = transaction()) {
            insertOrder(c, "order-1");
            var result = store.append(c, s, ExpectedVersion.noStream(), List.of(EventData.of("Placed", "{}")));
            assertThat(result.firstPosition()).isEqualTo(1);
            assertThatThrownBy(() -> store.readStream(s)).isInstanceOf(StreamNotFoundException.class);
            c.commit();
        }
        assertThat(store.readStream(s)).extracting(RecordedEvent::type).containsExactly("Placed");
        assertThat(orders()).isEqualTo(1);
    }

    @Test
    void a_rollback_takes_the_events_back_and_the_log_stays_dense() throws Exception {
        try (Connection c = transaction()) {
            insertOrder(c, "order-1");
            store.append(c, StreamId.of("order-1"), ExpectedVersion.noStream(), List.of(EventData.of("Placed", "{}")));
            c.rollback();
        }
        assertThatThrownBy(() -> store.readStream(StreamId.of("order-1"))).isInstanceOf(StreamNotFoundException.class);
        assertThat(orders()).isZero();
        assertThat(store.headPosition()).isZero();
        store.append(StreamId.of("order-2"), ExpectedVersion.noStream(), EventData.of("Placed", "{}"));
        assertThat(store.readAll(0, 10).events()).extracting(RecordedEvent::position).containsExactly(1L);
    }

    @Test
    void a_conflict_leaves_the_callers_transaction_usable() throws Exception {
        StreamId s = StreamId.of("order-1");
        store.append(s, ExpectedVersion.noStream(), EventData.of("Placed", "{}"));
        try (Connection c = transaction()) {
            insertOrder(c, "order-1");
            assertThatThrownBy(() -> store.append(c, s, ExpectedVersion.noStream(), List.of(EventData.of("Placed", "{}"))))
                    .isInstanceOf(WrongExpectedVersionException.class);
            insertOrder(c, "order-2");
            store.append(c, s, ExpectedVersion.exactly(0), List.of(EventData.of("Paid", "{}")));
            c.commit();
        }
        assertThat(orders()).isEqualTo(2);
        assertThat(store.readStream(s)).extracting(RecordedEvent::type).containsExactly("Placed", "Paid");
    }

    @Test
    void other_appends_wait_for_the_transaction_and_follow_it_in_the_log() throws Exception {
        CompletableFuture<?> other;
        try (Connection c = transaction()) {
            store.append(c, StreamId.of("a-1"), ExpectedVersion.noStream(), List.of(EventData.of("A", "{}")));
            other = CompletableFuture.runAsync(() -> store.append(StreamId.of("b-1"), ExpectedVersion.noStream(), EventData.of("B", "{}")));
            assertThatThrownBy(() -> other.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            c.commit();
        }
        other.get(10, TimeUnit.SECONDS);
        assertThat(store.readAll(0, 10).events()).extracting(e -> e.position() + ":" + e.type()).containsExactly("1:A", "2:B");
    }

    @Test
    void an_auto_commit_connection_is_refused() throws Exception {
        try (Connection c = store.dataSource().getConnection()) {
            assertThatThrownBy(() -> store.append(c, StreamId.of("a-1"), ExpectedVersion.any(), List.of(EventData.of("A", "{}"))))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(store.headPosition()).isZero();
    }
}
