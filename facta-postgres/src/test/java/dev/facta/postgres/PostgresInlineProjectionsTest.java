package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionKey;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Projections applied inside PostgreSQL append transactions. */
class PostgresInlineProjectionsTest {

    private String schema;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeEach
    void schema() {
        schema = PostgresTestDatabase.newSchema("facta_inline");
    }

    @AfterEach
    void drop() throws Exception {
        for (AutoCloseable c : opened.reversed()) c.close();
        PostgresTestDatabase.dropSchema(schema);
    }

    private static final ProjectionKey TOTALS = new ProjectionKey("totals", 1);

    /**
     * Per stream, the number of events and the sum of their "amount"; refuses (throws on) events
     * whose stream starts with "bad", and records which streams each call saw together.
     */
    static final class Totals implements Projection {
        final Set<Set<String>> batches = ConcurrentHashMap.newKeySet();

        @Override
        public String name() {
            return "totals";
        }

        @Override
        public Set<String> collections() {
            return Set.of("totals");
        }

        @Override
        public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
            Set<String> streams = new HashSet<>();
            for (RecordedEvent e : events) streams.add(e.stream().value());
            batches.add(streams);
            Projection.super.applyBatch(events, context);
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext context) {
            if (e.stream().value().startsWith("bad")) throw new IllegalArgumentException("refused: " + e.stream());
            DocumentCollection<String> totals = context.collection("totals", DocumentCodec.json());
            var before = totals.get(e.stream().value()).map(Documents::parse).orElse(null);
            long count = before == null ? 0 : ((BigDecimal) before.get("count")).longValue();
            BigDecimal sum = before == null ? BigDecimal.ZERO : (BigDecimal) before.get("sum");
            BigDecimal amount = (BigDecimal) Documents.parse(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8)).get("amount");
            totals.put(e.stream().value(), "{\"count\":" + (count + 1) + ",\"sum\":" + sum.add(amount) + "}");
        }
    }

    private PostgresEventStore install(Projection p) {
        PostgresEventStore events = PostgresInlineProjections.install(
                PostgresTestDatabase.storeBuilder(schema).linger(Duration.ofMillis(2)), p);
        opened.add(events);
        return events;
    }

    private DocumentCollection<String> totals(PostgresEventStore events) {
        return PostgresReadModelStore.on(events).collection(TOTALS.collection("totals"), DocumentCodec.json());
    }

    private static EventData amount(int n) {
        return EventData.of("Paid", "{\"amount\":" + n + "}");
    }

    @Test
    void documents_are_visible_the_moment_the_append_returns() {
        PostgresEventStore events = install(new Totals());
        DocumentCollection<String> totals = totals(events);
        for (int i = 1; i <= 20; i++) {
            AppendResult r = events.append(StreamId.of("order-1"), ExpectedVersion.any(), List.of(amount(i), amount(1)));
            var doc = Documents.parse(totals.get("order-1").orElseThrow());
            assertThat(doc.get("count")).isEqualTo(new BigDecimal(2 * i));
            assertThat(PostgresProjectionStore.on(events).find(TOTALS).orElseThrow().checkpoints())
                    .containsExactly(r.lastPosition());
        }
        var doc = Documents.parse(totals.get("order-1").orElseThrow());
        assertThat(doc.get("sum")).isEqualTo(new BigDecimal(210 + 20));
    }

    @Test
    void an_append_whose_projection_throws_fails_and_leaves_neither_events_nor_documents() {
        PostgresEventStore events = install(new Totals());
        events.append(StreamId.of("order-1"), ExpectedVersion.any(), amount(5));
        long head = events.headPosition();
        assertThatThrownBy(() -> events.append(StreamId.of("bad-1"), ExpectedVersion.any(), List.of(amount(1), amount(2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refused: bad-1");
        assertThat(events.headPosition()).isEqualTo(head);
        assertThatThrownBy(() -> events.readStream(StreamId.of("bad-1"), 0, 10, dev.facta.store.ReadDirection.FORWARD))
                .isInstanceOf(StreamNotFoundException.class);
        assertThat(totals(events).get("bad-1")).isEmpty();
        assertThat(PostgresProjectionStore.on(events).find(TOTALS).orElseThrow().checkpoints()).containsExactly(head);
        events.append(StreamId.of("order-1"), ExpectedVersion.any(), amount(5));
        assertThat(Documents.parse(totals(events).get("order-1").orElseThrow()).get("sum")).isEqualTo(new BigDecimal(10));
    }

    @Test
    void under_group_commit_only_the_append_the_projection_refuses_fails() throws Exception {
        Totals projection = new Totals();
        PostgresEventStore events = install(projection);
        int writers = 8;
        boolean sharedABatch = false;
        int rounds = 0;
        try (ExecutorService exec = Executors.newFixedThreadPool(writers)) {
            while (rounds < 40 && !(sharedABatch && rounds >= 5)) {
                int round = rounds++;
                CyclicBarrier barrier = new CyclicBarrier(writers);
                List<Future<AppendResult>> fs = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    String stream = (w == 3 ? "bad-" : "good-") + round + "-" + w;
                    fs.add(exec.submit(() -> {
                        barrier.await(10, TimeUnit.SECONDS);
                        return events.append(StreamId.of(stream), ExpectedVersion.noStream(), List.of(amount(1), amount(2)));
                    }));
                }
                for (int w = 0; w < writers; w++) {
                    String stream = (w == 3 ? "bad-" : "good-") + round + "-" + w;
                    if (w == 3) {
                        int at = w;
                        assertThatThrownBy(() -> fs.get(at).get(30, TimeUnit.SECONDS))
                                .hasCauseInstanceOf(IllegalArgumentException.class);
                        assertThat(totals(events).get(stream)).isEmpty();
                    } else {
                        fs.get(w).get(30, TimeUnit.SECONDS);
                        assertThat(Documents.parse(totals(events).get(stream).orElseThrow()).get("sum"))
                                .isEqualTo(new BigDecimal(3));
                    }
                }
                String bad = "bad-" + round + "-3";
                sharedABatch |= projection.batches.stream().anyMatch(s -> s.contains(bad) && s.size() > 1);
            }
        }
        assertThat(sharedABatch).as("a refused append was group-committed with others at least once").isTrue();
        long committed = events.headPosition();
        assertThat(committed).isEqualTo(2L * (writers - 1) * rounds);
        assertThat(PostgresProjectionStore.on(events).find(TOTALS).orElseThrow().checkpoints()).containsExactly(committed);
    }

    @Test
    void an_unbound_hook_refuses_appends_until_it_is_bound() {
        PostgresInlineProjections hook = new PostgresInlineProjections(List.of(new Totals()));
        PostgresEventStore events = PostgresTestDatabase.storeBuilder(schema).beforeCommit(hook).build();
        opened.add(events);
        assertThatThrownBy(() -> events.append(StreamId.of("order-1"), ExpectedVersion.any(), amount(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not bound");
        assertThat(events.headPosition()).isZero();
        hook.bind(PostgresProjectionStore.on(events));
        assertThatThrownBy(() -> hook.bind(PostgresProjectionStore.on(events))).isInstanceOf(IllegalStateException.class);
        events.append(StreamId.of("order-1"), ExpectedVersion.any(), amount(1));
        assertThat(totals(events).get("order-1")).isPresent();
        assertThat(hook.keys()).containsExactly(TOTALS);
    }

    @Test
    void a_checked_exception_of_an_inline_projection_fails_the_append_as_a_facta_exception() {
        AtomicBoolean fail = new AtomicBoolean(true);
        Projection checked = new Projection() {
            @Override
            public String name() {
                return "checked";
            }

            @Override
            public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
                if (fail.get()) throw new java.io.IOException("disk on fire");
            }
        };
        PostgresEventStore events = install(checked);
        assertThatThrownBy(() -> events.append(StreamId.of("s"), ExpectedVersion.any(), amount(1)))
                .isInstanceOf(FactaException.class).hasMessageContaining("disk on fire");
        fail.set(false);
        events.append(StreamId.of("s"), ExpectedVersion.any(), amount(1));
        assertThat(events.headPosition()).isEqualTo(1);
    }
}
