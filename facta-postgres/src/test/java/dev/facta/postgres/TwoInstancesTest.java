package dev.facta.postgres;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two store instances on one schema, as two application instances would run. Each writer plans
 * appends from what it last saw; these tests make sure what the other instance did in between
 * is never overlooked.
 */
class TwoInstancesTest {
    private String schema;
    private PostgresEventStore a;
    private PostgresEventStore b;

    @BeforeEach
    void open() {
        schema = PostgresTestDatabase.newSchema("facta_two");
        a = PostgresTestDatabase.storeBuilder(schema).build();
        b = PostgresTestDatabase.storeBuilder(schema).build();
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
        PostgresTestDatabase.dropSchema(schema);
    }

    private static EventData e() {
        return EventData.of("E", "{}");
    }

    @Test
    void an_append_by_the_other_instance_is_seen_by_the_next_version_check() {
        StreamId s = StreamId.of("order-1");
        a.append(s, ExpectedVersion.noStream(), e());
        b.append(s, ExpectedVersion.exactly(0), e());
        assertThatThrownBy(() -> a.append(s, ExpectedVersion.exactly(0), e()))
                .isInstanceOfSatisfying(WrongExpectedVersionException.class, x -> assertThat(x.actual()).isEqualTo(1));
        assertThat(a.append(s, ExpectedVersion.exactly(1), e()).nextExpectedVersion()).isEqualTo(2);
        assertThat(a.append(s, ExpectedVersion.any(), e()).lastPosition()).isEqualTo(4);
        assertThat(b.readStream(s)).extracting(RecordedEvent::version).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void a_stream_deleted_by_the_other_instance_refuses_appends_here() {
        StreamId s = StreamId.of("order-2");
        a.append(s, ExpectedVersion.noStream(), e());
        a.append(s, ExpectedVersion.exactly(0), e());
        b.deleteStream(s, ExpectedVersion.exactly(1));
        assertThatThrownBy(() -> a.append(s, ExpectedVersion.any(), e())).isInstanceOf(StreamDeletedException.class);
        assertThatThrownBy(() -> a.append(s, ExpectedVersion.exactly(1), e())).isInstanceOf(StreamDeletedException.class);
        assertThat(a.headPosition()).isEqualTo(2);
    }

    @Test
    void a_stream_created_by_the_other_instance_is_not_created_again() {
        StreamId s = StreamId.of("order-3");
        a.append(StreamId.of("warmup-1"), ExpectedVersion.noStream(), e());
        b.append(s, ExpectedVersion.noStream(), e());
        assertThatThrownBy(() -> a.append(s, ExpectedVersion.noStream(), e()))
                .isInstanceOf(WrongExpectedVersionException.class);
        assertThat(a.readStream(s)).hasSize(1);
    }

    @Test
    void a_reused_event_id_fails_only_its_append_and_the_writer_recovers() {
        EventData used = e();
        a.append(StreamId.of("p-1"), ExpectedVersion.noStream(), used);
        assertThatThrownBy(() -> a.append(StreamId.of("q-1"), ExpectedVersion.noStream(), e(), used))
                .isInstanceOf(InvalidInputException.class);
        assertThat(a.streamInfo(StreamId.of("q-1"))).isEmpty();
        assertThat(a.append(StreamId.of("q-1"), ExpectedVersion.noStream(), e()).lastPosition()).isEqualTo(2);
        assertThat(b.append(StreamId.of("q-1"), ExpectedVersion.exactly(0), e()).lastPosition()).isEqualTo(3);
        assertThat(a.append(StreamId.of("q-1"), ExpectedVersion.exactly(1), e()).lastPosition()).isEqualTo(4);
    }
}
