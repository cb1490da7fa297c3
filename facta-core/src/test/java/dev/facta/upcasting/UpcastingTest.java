package dev.facta.upcasting;

import dev.facta.aggregate.Decider;
import dev.facta.internal.Json;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpcastingTest {

    private static Map<?, ?> json(RecordedEvent e) {
        return (Map<?, ?>) Json.parse(new String(e.data(), StandardCharsets.UTF_8), 8, "data");
    }

    /** Revision 1 "MoneyAdded" {"amt":n} became "Deposited" revision 2 {"amount":n}. */
    static final Upcaster RENAME = new Upcaster() {
        public String eventType() {
            return "MoneyAdded";
        }

        public int fromRevision() {
            return 1;
        }

        public List<RecordedEvent> upcast(RecordedEvent e) {
            return List.of(Revisions.withRevision(e, "Deposited", "{\"amount\":" + json(e).get("amt") + "}", 2));
        }
    };

    /** "AccountOpenedWithDeposit" was split into an opening and an old-style deposit (upcast further). */
    static final Upcaster SPLIT = new Upcaster() {
        public String eventType() {
            return "AccountOpenedWithDeposit";
        }

        public int fromRevision() {
            return 1;
        }

        public List<RecordedEvent> upcast(RecordedEvent e) {
            Map<?, ?> m = json(e);
            return List.of(
                    Revisions.withRevision(e, "Opened", "{\"owner\":" + Json.quote((String) m.get("owner")) + "}", 2),
                    Revisions.withRevision(e, "MoneyAdded", "{\"amt\":" + m.get("amount") + "}", 1));
        }
    };

    private final InMemoryEventStore raw = new InMemoryEventStore();
    private final UpcastingEventStore store = new UpcastingEventStore(raw,
            Upcasters.builder().register(RENAME).register(SPLIT).build());

    @Test
    void old_events_are_renamed_split_and_chained_on_read_while_the_stored_ones_stay_as_they_were() {
        StreamId s = StreamId.of("account-1");
        raw.append(s, ExpectedVersion.noStream(),
                EventData.of("AccountOpenedWithDeposit", "{\"owner\":\"ana\",\"amount\":30}"),
                EventData.of("MoneyAdded", "{\"amt\":5}"),
                Revisions.stamp(EventData.of("Deposited", "{\"amount\":7}"), 2));

        List<RecordedEvent> read = store.readStream(s);
        assertThat(read).extracting(RecordedEvent::type).containsExactly("Opened", "Deposited", "Deposited", "Deposited");
        assertThat(read).extracting(Revisions::of).containsOnly(2);
        assertThat(read).extracting(e -> (Object) json(e).get("amount")).containsExactly(null, "30", "5", "7");
        assertThat(read.get(0).version()).isEqualTo(read.get(1).version()).isZero();
        assertThat(read.get(1).position()).isEqualTo(1);

        assertThat(store.readAll(0, 100).events()).hasSize(4);
        assertThat(store.readAll(0, 100, EventFilter.eventTypes("MoneyAdded")).events())
                .extracting(RecordedEvent::type).containsExactly("Deposited");
        assertThat(raw.readStream(s)).extracting(RecordedEvent::type)
                .containsExactly("AccountOpenedWithDeposit", "MoneyAdded", "Deposited");
    }

    @Test
    void an_aggregate_loaded_through_the_upcasting_store_sees_only_current_events() {
        raw.append(StreamId.of("account-2"), ExpectedVersion.noStream(),
                EventData.of("AccountOpenedWithDeposit", "{\"owner\":\"bo\",\"amount\":12}"),
                EventData.of("MoneyAdded", "{\"amt\":3}"));
        Decider<Object, RecordedEvent, Long> balance = Decider.of(() -> 0L, (c, s) -> List.of(), (sum, e) -> switch (e.type()) {
            case "Deposited" -> sum + Long.parseLong((String) json(e).get("amount"));
            case "Opened" -> sum;
            default -> throw new IllegalStateException("not upcast: " + e.type());
        });
        assertThat(balance.replay(store.readStream(StreamId.of("account-2")))).isEqualTo(15L);
    }

    @Test
    void an_upcaster_that_does_not_move_the_revision_on_is_refused() {
        Upcaster stuck = new Upcaster() {
            public String eventType() {
                return "Loop";
            }

            public int fromRevision() {
                return 1;
            }

            public List<RecordedEvent> upcast(RecordedEvent e) {
                return List.of(e);
            }
        };
        var looping = new UpcastingEventStore(raw, Upcasters.builder().register(stuck).build());
        raw.append(StreamId.of("loop-1"), ExpectedVersion.any(), EventData.of("Loop", "{}"));
        assertThatThrownBy(() -> looping.readStream(StreamId.of("loop-1"))).hasMessageContaining("higher revision");
        assertThatThrownBy(() -> Upcasters.builder().register(RENAME).register(RENAME)).hasMessageContaining("two upcasters");
    }
}
