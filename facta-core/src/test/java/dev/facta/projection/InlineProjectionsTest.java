package dev.facta.projection;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InlineProjectionsTest {
    private final EventStore events = new InMemoryEventStore();
    private final InMemoryProjectionStore store = new InMemoryProjectionStore();

    /** Keeps the last event type of each order stream; throws on type "Bad". */
    private static final class LastType implements Projection {
        @Override
        public String name() {
            return "last-type";
        }

        @Override
        public EventFilter filter() {
            return EventFilter.categories("order");
        }

        @Override
        public Set<String> collections() {
            return Set.of("orders");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext context) throws Exception {
            if (e.type().equals("Bad")) throw new IllegalStateException("bad event " + e.position());
            if (e.type().equals("Checked")) throw new IOException("checked failure");
            if (e.type().equals("Sneaky")) context.collection("elsewhere", DocumentCodec.json()).put("x", "{}");
            context.collection("orders", DocumentCodec.json()).put(e.stream().value(), "{\"type\":\"" + e.type() + "\"}");
        }
    }

    private List<RecordedEvent> append(String stream, String... types) {
        EventData[] data = new EventData[types.length];
        for (int i = 0; i < types.length; i++) data[i] = EventData.of(types[i], "{}");
        AppendResult r = events.append(StreamId.of(stream), ExpectedVersion.any(), data);
        return events.readAll(r.firstPosition(), types.length).events();
    }

    private static final ProjectionKey KEY = new ProjectionKey("last-type", 1);

    @Test
    void the_projection_is_registered_and_applied_in_the_callers_transaction_with_its_checkpoint() {
        InlineProjections inline = new InlineProjections(store, new LastType());
        assertThat(inline.keys()).containsExactly(KEY);
        assertThat(store.find(KEY).orElseThrow().segments()).isEqualTo(1);

        List<RecordedEvent> first = append("order-1", "Placed", "Paid");
        store.inTransaction(tx -> {
            inline.apply(first, tx);
            return null;
        });
        List<RecordedEvent> second = append("invoice-1", "Billed");
        store.inTransaction(tx -> {
            inline.apply(second, tx);
            return null;
        });
        assertThat(store.readModels().collection("orders_v1", DocumentCodec.json()).get("order-1")).contains("{\"type\":\"Paid\"}");
        assertThat(store.find(KEY).orElseThrow().checkpoints()).as("moved past the filtered-out event too").containsExactly(3L);
        inline.apply(List.of(), new NoTx()); // nothing appended: nothing to do
    }

    @Test
    void a_projection_that_throws_fails_the_whole_transaction() {
        InlineProjections inline = new InlineProjections(store, new LastType());
        List<RecordedEvent> ok = append("order-1", "Placed");
        store.inTransaction(tx -> {
            inline.apply(ok, tx);
            return null;
        });
        List<RecordedEvent> bad = append("order-1", "Shipped", "Bad");
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            inline.apply(bad, tx);
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("bad event 3");
        List<RecordedEvent> checked = append("order-2", "Checked");
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            inline.apply(checked, tx);
            return null;
        })).isInstanceOf(FactaException.class).hasCauseInstanceOf(IOException.class);
        List<RecordedEvent> sneaky = append("order-3", "Sneaky");
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            inline.apply(sneaky, tx);
            return null;
        })).isInstanceOf(InvalidInputException.class).hasMessageContaining("elsewhere");

        assertThat(store.readModels().collection("orders_v1", DocumentCodec.json()).get("order-1")).contains("{\"type\":\"Placed\"}");
        assertThat(store.readModels().collections()).containsExactly("orders_v1");
        assertThat(store.find(KEY).orElseThrow().checkpoints()).containsExactly(1L);
    }

    @Test
    void bad_registrations_are_refused() {
        assertThatThrownBy(() -> new InlineProjections(store, new LastType(), new LastType()))
                .isInstanceOf(InvalidInputException.class);
        store.register(KEY, 3);
        assertThatThrownBy(() -> new InlineProjections(store, new LastType())).isInstanceOf(InvalidInputException.class);
    }

    /** A transaction that must not be touched. */
    private static final class NoTx implements ProjectionTransaction {
        private static AssertionError touched() {
            return new AssertionError("the transaction was used");
        }

        @Override
        public void fence(Lease lease) {
            throw touched();
        }

        @Override
        public long checkpoint(ProjectionKey key, int segment) {
            throw touched();
        }

        @Override
        public void saveCheckpoint(ProjectionKey key, int segment, long position) {
            throw touched();
        }

        @Override
        public long park(DeadLetter letter) {
            throw touched();
        }

        @Override
        public boolean deleteDeadLetter(long id) {
            throw touched();
        }

        @Override
        public void recordError(ProjectionKey key, String error) {
            throw touched();
        }

        @Override
        public void setStopped(ProjectionKey key, boolean stopped) {
            throw touched();
        }

        @Override
        public void resetCheckpoints(ProjectionKey key) {
            throw touched();
        }

        @Override
        public <T> dev.facta.readmodel.DocumentCollection<T> collection(String storedName, DocumentCodec<T> codec) {
            throw touched();
        }

        @Override
        public <R> R unwrap(Class<R> type) {
            throw touched();
        }
    }
}
