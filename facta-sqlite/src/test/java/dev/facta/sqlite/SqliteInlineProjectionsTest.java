package dev.facta.sqlite;

import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionKey;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.UniqueViolationException;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Inline projections commit with the append that feeds them, on a fresh SQLite file per test. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SqliteInlineProjectionsTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened.reversed()) c.close();
    }

    private SqliteEventStore open(SqliteEventStore.Builder builder) {
        SqliteEventStore s = builder.open();
        opened.add(s);
        return s;
    }

    private SqliteEventStore open() {
        return open(SqliteEventStore.builder(dir.resolve("facta.db")));
    }

    private static final ProjectionKey KEY = new ProjectionKey("order-summaries", 1);

    /**
     * Keeps one document per order stream: how many events it saw and the last type. Throws on
     * events of type "Refused"; appends from inside the transaction on "Recursive".
     */
    private static final class Summaries implements Projection {
        final AtomicInteger applied = new AtomicInteger();
        volatile SqliteEventStore events;

        @Override
        public String name() {
            return "order-summaries";
        }

        @Override
        public EventFilter filter() {
            return EventFilter.categories("order");
        }

        @Override
        public Set<String> collections() {
            return Set.of("summaries");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext context) {
            applied.incrementAndGet();
            if (e.type().equals("Refused")) throw new IllegalStateException("refused " + e.stream());
            if (e.type().equals("Recursive")) events.append(StreamId.of("audit-1"), ExpectedVersion.any(), EventData.of("Audit", "{}"));
            DocumentCollection<String> summaries = context.collection("summaries", DocumentCodec.json());
            long count = summaries.get(e.stream().value()).map(d -> Long.parseLong(d.replaceAll(".*\"count\":(\\d+).*", "$1"))).orElse(0L);
            summaries.put(e.stream().value(), "{\"count\":" + (count + 1) + ",\"last\":\"" + e.type() + "\",\"position\":" + e.position() + "}");
        }
    }

    private static List<EventData> events(String... types) {
        List<EventData> out = new ArrayList<>();
        for (String t : types) out.add(EventData.of(t, "{}"));
        return out;
    }

    private static DocumentCollection<String> summaries(SqliteInlineProjections inline) {
        return inline.store().readModels().collection(KEY.collection("summaries"), DocumentCodec.json());
    }

    @Test
    void documents_are_visible_as_soon_as_the_append_returns_and_the_checkpoint_follows_the_log() {
        SqliteEventStore events = open();
        events.append(StreamId.of("order-0"), ExpectedVersion.any(), events("Placed")); // before attaching: not seen
        SqliteInlineProjections inline = SqliteInlineProjections.attach(events, new Summaries());
        assertThat(inline.keys()).containsExactly(KEY);
        assertThat(inline.store().find(KEY).orElseThrow().segments()).isEqualTo(1);

        for (int i = 0; i < 20; i++) {
            AppendResult r = events.append(StreamId.of("order-" + i % 4), ExpectedVersion.any(), events("Placed", "Paid"));
            // read on another connection, right after the append returned
            assertThat(summaries(inline).get("order-" + i % 4)).hasValueSatisfying(d -> assertThat(d).contains("\"position\":" + r.lastPosition()));
        }
        events.append(StreamId.of("invoice-1"), ExpectedVersion.any(), events("Billed"));
        assertThat(summaries(inline).get("invoice-1")).as("filtered out").isEmpty();
        assertThat(summaries(inline).get("order-0")).hasValueSatisfying(d -> assertThat(d).contains("\"count\":10"));
        assertThat(inline.store().find(KEY).orElseThrow().checkpoints()).containsExactly(events.headPosition());

        inline.close();
        events.append(StreamId.of("order-1"), ExpectedVersion.any(), events("Shipped"));
        assertThat(summaries(inline).get("order-1")).hasValueSatisfying(d -> assertThat(d).contains("\"last\":\"Paid\""));
    }

    @Test
    void an_append_whose_projection_throws_fails_with_its_error_and_leaves_neither_events_nor_documents() {
        SqliteEventStore events = open();
        Summaries projection = new Summaries();
        projection.events = events;
        SqliteInlineProjections inline = SqliteInlineProjections.attach(events, projection);
        events.append(StreamId.of("order-1"), ExpectedVersion.noStream(), events("Placed"));

        assertThatThrownBy(() -> events.append(StreamId.of("order-1"), ExpectedVersion.exactly(0), events("Paid", "Refused")))
                .isInstanceOf(IllegalStateException.class).hasMessage("refused order-1");
        assertThatThrownBy(() -> events.append(StreamId.of("order-2"), ExpectedVersion.noStream(), events("Recursive")))
                .as("a projection may not append").isInstanceOf(IllegalStateException.class);

        assertThat(events.headPosition()).isEqualTo(1);
        assertThat(events.streamInfo(StreamId.of("order-2"))).isEmpty();
        assertThat(summaries(inline).get("order-1")).hasValueSatisfying(d -> assertThat(d).contains("\"count\":1"));
        assertThat(summaries(inline).get("order-2")).isEmpty();
        assertThat(events.streamInfo(StreamId.of("audit-1"))).isEmpty();
        assertThat(inline.store().find(KEY).orElseThrow().checkpoints()).containsExactly(1L);

        AppendResult r = events.append(StreamId.of("order-1"), ExpectedVersion.exactly(0), events("Paid"));
        assertThat(r.position()).isEqualTo(2);
        assertThat(summaries(inline).get("order-1")).hasValueSatisfying(d -> assertThat(d).contains("\"count\":2"));
    }

    @Test
    void in_a_group_commit_only_the_append_its_projection_refuses_fails() throws Exception {
        CountDownLatch holdFirst = new CountDownLatch(1);
        CountDownLatch firstWaiting = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicInteger transactions = new AtomicInteger();
        SqliteEventStore events = open(SqliteEventStore.builder(dir.resolve("facta.db")).beforeCommit(results -> {
            transactions.incrementAndGet();
            if (first.getAndSet(false)) {
                firstWaiting.countDown();
                try {
                    holdFirst.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        SqliteInlineProjections inline = SqliteInlineProjections.attach(events, new Summaries());
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            Future<AppendResult> blocker = pool.submit(() -> events.append(StreamId.of("order-0"), ExpectedVersion.any(), events("Placed")));
            firstWaiting.await();
            // these queue up behind the held transaction and are written as one group
            Future<AppendResult> a = pool.submit(() -> events.append(StreamId.of("order-a"), ExpectedVersion.any(), events("Placed", "Paid")));
            Future<AppendResult> culprit = pool.submit(() -> events.append(StreamId.of("order-b"), ExpectedVersion.any(), events("Placed", "Refused")));
            Future<AppendResult> c = pool.submit(() -> events.append(StreamId.of("order-c"), ExpectedVersion.any(), events("Placed")));
            Thread.sleep(300);
            holdFirst.countDown();

            assertThat(blocker.get().position()).isEqualTo(1);
            assertThat(a.get().nextExpectedVersion()).isEqualTo(1);
            assertThat(c.get().nextExpectedVersion()).isZero();
            assertThatThrownBy(culprit::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage("refused order-b");
        }
        assertThat(transactions.get()).as("the three were one group (then written one by one)").isEqualTo(2);
        assertThat(events.headPosition()).isEqualTo(4);
        assertThat(events.streamInfo(StreamId.of("order-b"))).isEmpty();
        Map<String, String> docs = summaries(inline).getMany(List.of("order-0", "order-a", "order-b", "order-c"));
        assertThat(docs.keySet()).containsExactlyInAnyOrder("order-0", "order-a", "order-c");
        assertThat(docs.get("order-a")).contains("\"count\":2");
        assertThat(inline.store().find(KEY).orElseThrow().checkpoints()).containsExactly(4L);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void concurrent_appenders_see_every_accepted_event_applied_exactly_once() throws Exception {
        SqliteEventStore events = open();
        SqliteInlineProjections inline = SqliteInlineProjections.attach(events, new Summaries());
        Map<String, AtomicInteger> accepted = new java.util.concurrent.ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                int writer = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        String stream = "order-" + (writer * 7 + i) % 9;
                        boolean refuse = i % 11 == 5;
                        try {
                            events.append(StreamId.of(stream), ExpectedVersion.any(), refuse ? events("Placed", "Refused") : events("Placed", "Paid"));
                            assertThat(refuse).isFalse();
                            accepted.computeIfAbsent(stream, k -> new AtomicInteger()).addAndGet(2);
                        } catch (IllegalStateException e) {
                            assertThat(refuse).as(e.toString()).isTrue();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(2, TimeUnit.MINUTES);
        }
        for (var e : accepted.entrySet()) {
            assertThat(summaries(inline).get(e.getKey())).hasValueSatisfying(d -> assertThat(d).contains("\"count\":" + e.getValue().get() + ","));
            assertThat(events.streamInfo(StreamId.of(e.getKey())).orElseThrow().lastVersion()).isEqualTo(e.getValue().get() - 1);
        }
        assertThat(inline.store().find(KEY).orElseThrow().checkpoints()).containsExactly(events.headPosition());
    }

    @Test
    void a_plain_sql_projection_writes_its_own_table_in_the_append_transaction() throws Exception {
        SqliteEventStore events = open();
        Projection counter = new Projection() {
            @Override
            public String name() {
                return "event-counter";
            }

            @Override
            public void apply(RecordedEvent e, ProjectionContext context) throws Exception {
                try (Statement s = context.unwrap(Connection.class).createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS event_counts (type TEXT PRIMARY KEY, n INTEGER NOT NULL)");
                    s.execute("INSERT INTO event_counts VALUES ('" + e.type() + "', 1) ON CONFLICT (type) DO UPDATE SET n = n + 1");
                }
            }
        };
        SqliteInlineProjections.attach(events, counter);
        events.append(StreamId.of("order-1"), ExpectedVersion.any(), events("Placed", "Paid", "Paid"));
        long paid = events.read(db -> {
            try (ResultSet rs = db.connection().createStatement().executeQuery("SELECT n FROM event_counts WHERE type = 'Paid'")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(paid).isEqualTo(2);
    }

    @Test
    void a_unique_index_violated_by_an_inline_projection_refuses_the_append() {
        SqliteEventStore events = open();
        Projection emails = new Projection() {
            @Override
            public String name() {
                return "emails";
            }

            @Override
            public Set<String> collections() {
                return Set.of("users");
            }

            @Override
            public void apply(RecordedEvent e, ProjectionContext context) {
                context.collection("users", DocumentCodec.json()).put(e.stream().value(), e.dataAsString());
            }
        };
        SqliteInlineProjections inline = SqliteInlineProjections.attach(events, emails);
        inline.store().readModels().createIndex("users_v1", Index.text("email").asUnique());
        events.append(StreamId.of("user-1"), ExpectedVersion.noStream(), EventData.of("Registered", "{\"email\":\"a@example.com\"}"));
        assertThatThrownBy(() -> events.append(StreamId.of("user-2"), ExpectedVersion.noStream(),
                EventData.of("Registered", "{\"email\":\"a@example.com\"}"))).isInstanceOf(UniqueViolationException.class);
        assertThat(events.streamInfo(StreamId.of("user-2"))).isEmpty();
        assertThat(events.headPosition()).isEqualTo(1);
    }
}
