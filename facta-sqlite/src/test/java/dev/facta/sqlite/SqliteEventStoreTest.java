package dev.facta.sqlite;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.EventStoreContract;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamMetadata;
import dev.facta.store.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared contract on a fresh SQLite file per test, plus what only a file-backed store must show. */
class SqliteEventStoreTest extends EventStoreContract {

    @TempDir
    Path dir;

    Path file;

    @Override
    protected EventStore createStore() {
        file = dir.resolve("facta.db");
        return SqliteEventStore.open(file);
    }

    /** Every event of the file, read page by page, with the checks every reader of the log relies on. */
    private static List<RecordedEvent> wholeLog(EventStore s) {
        List<RecordedEvent> all = new ArrayList<>();
        long from = 1;
        while (true) {
            AllSlice slice = s.readAll(from, 1000);
            all.addAll(slice.events());
            if (slice.endOfLog()) break;
            from = slice.next();
        }
        return all;
    }

    private static void assertDenseLogWithDenseStreams(List<RecordedEvent> log) {
        assertThat(log).extracting(RecordedEvent::position)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, log.size()).boxed().toList());
        Map<StreamId, Long> last = new HashMap<>();
        for (RecordedEvent e : log) {
            long expected = last.getOrDefault(e.stream(), -1L) + 1;
            assertThat(e.version()).as("version of %s at position %d", e.stream(), e.position()).isEqualTo(expected);
            last.put(e.stream(), e.version());
        }
        assertThat(log).extracting(RecordedEvent::id).doesNotHaveDuplicates();
    }

    // ---- the file ------------------------------------------------------------------------

    @Test
    void events_and_stream_settings_survive_closing_and_reopening_the_file() {
        StreamId s = StreamId.of("order-1");
        List<EventData> written = events(5);
        store.append(s, ExpectedVersion.noStream(), written);
        store.setStreamMetadata(s, StreamMetadata.none().withMaxCount(4).withMaxAge(Duration.ofDays(30)));
        store.append(StreamId.of("gone-1"), ExpectedVersion.noStream(), events(1));
        store.deleteStream(StreamId.of("gone-1"), ExpectedVersion.any());
        List<RecordedEvent> before = wholeLog(store);
        store.close();

        try (SqliteEventStore reopened = SqliteEventStore.open(file)) {
            assertThat(wholeLog(reopened)).isEqualTo(before);
            assertThat(reopened.readStream(s)).extracting(RecordedEvent::version).containsExactly(1L, 2L, 3L, 4L);
            assertThat(reopened.streamMetadata(s))
                    .isEqualTo(StreamMetadata.none().withMaxCount(4).withMaxAge(Duration.ofDays(30)));
            assertThat(reopened.streamInfo(StreamId.of("gone-1"))).get().extracting(i -> i.deleted()).isEqualTo(true);
            assertThat(reopened.headPosition()).isEqualTo(6);
            assertThat(reopened.append(s, ExpectedVersion.exactly(4), event(5)).position()).isEqualTo(7);
            assertThat(reopened.schemaVersion()).isEqualTo(SqliteSchema.LATEST);
        }
    }

    @Test
    void recorded_times_are_kept_to_the_microsecond() {
        store.append(StreamId.of("t-1"), ExpectedVersion.any(), events(3));
        RecordedEvent e = store.readStream(StreamId.of("t-1")).getFirst();
        assertThat(e.recordedAt().getNano() % 1_000).isZero();
        assertThat(e.recordedAt()).isBetween(java.time.Instant.now().minusSeconds(60), java.time.Instant.now());
    }

    @Test
    void the_schema_is_created_once_by_a_versioned_migration() throws Exception {
        store.close();
        try (SqliteEventStore again = SqliteEventStore.open(file)) {
            assertThat(again.schemaVersion()).isEqualTo(SqliteSchema.LATEST);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version FROM facta_schema_version ORDER BY version")) {
            List<Integer> versions = new ArrayList<>();
            while (rs.next()) versions.add(rs.getInt(1));
            assertThat(versions).containsExactly(1, 2, 3, 4, 5);
        }
    }

    @Test
    void a_file_written_by_a_newer_schema_is_refused() throws Exception {
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO facta_schema_version (version, description, applied_at) VALUES (99, 'future', 0)");
        }
        assertThatThrownBy(() -> SqliteEventStore.open(file))
                .isInstanceOf(FactaException.class)
                .hasMessageContaining("schema version 99");
    }

    @Test
    void the_file_is_kept_in_wal_mode() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("wal");
        }
    }

    @Test
    void the_provider_opens_sqlite_and_jdbc_urls_and_creates_missing_directories() {
        Path nested = dir.resolve("a/b/c/events.db");
        try (EventStore s = EventStores.open("sqlite:" + nested)) {
            s.append(StreamId.of("x-1"), ExpectedVersion.any(), events(2));
            assertThat(s.describe()).isEqualTo("sqlite:" + nested);
        }
        assertThat(Files.exists(nested)).isTrue();
        try (EventStore s = EventStores.open("jdbc:sqlite:" + nested + "?synchronous=normal")) {
            assertThat(s.headPosition()).isEqualTo(2);
        }
        assertThatThrownBy(() -> EventStores.open("sqlite::memory:"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("memory:");
        assertThatThrownBy(() -> EventStores.open("sqlite:"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("names no file");
        assertThatThrownBy(() -> EventStores.open("sqlite:" + nested + "?fsync=yes"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown SQLite store option 'fsync'");
    }

    @Test
    void a_closed_store_refuses_every_call_with_a_clear_error() {
        store.append(StreamId.of("x-1"), ExpectedVersion.any(), events(1));
        store.close();
        store.close();
        assertThatThrownBy(() -> store.append(StreamId.of("x-1"), ExpectedVersion.any(), events(1)))
                .isInstanceOf(FactaException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.readAll(1, 10)).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.readStream(StreamId.of("x-1"))).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.deleteStream(StreamId.of("x-1"), ExpectedVersion.any())).hasMessageContaining("closed");
        assertThatThrownBy(() -> store.headPosition()).hasMessageContaining("closed");
    }

    // ---- atomic batches ------------------------------------------------------------------

    @Test
    void a_batch_rolled_back_just_before_commit_leaves_nothing_and_fails_every_append_in_it() {
        store.close();
        AtomicBoolean fail = new AtomicBoolean();
        try (SqliteEventStore s = SqliteEventStore.builder(file).beforeCommit(results -> {
            if (fail.get()) throw new IllegalStateException("disk on fire");
        }).open()) {
            s.append(StreamId.of("order-1"), ExpectedVersion.noStream(), events(2));
            fail.set(true);
            assertThatThrownBy(() -> s.append(StreamId.of("order-1"), ExpectedVersion.exactly(1), events(3)))
                    .isInstanceOf(IllegalStateException.class).hasMessage("disk on fire");
            assertThatThrownBy(() -> s.append(StreamId.of("order-2"), ExpectedVersion.noStream(), events(3)))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(s.readStream(StreamId.of("order-1"))).hasSize(2);
            assertThat(s.streamInfo(StreamId.of("order-2"))).isEmpty();
            assertThat(s.headPosition()).isEqualTo(2);

            fail.set(false);
            AppendResult r = s.append(StreamId.of("order-1"), ExpectedVersion.exactly(1), events(3));
            assertThat(r.firstPosition()).isEqualTo(3);
            assertThat(r.nextExpectedVersion()).isEqualTo(4);
            assertDenseLogWithDenseStreams(wholeLog(s));
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void concurrent_appends_whose_group_commit_rolls_back_all_fail_and_the_rest_keep_the_log_dense() throws Exception {
        store.close();
        AtomicInteger commits = new AtomicInteger();
        try (SqliteEventStore s = SqliteEventStore.builder(file).beforeCommit(results -> {
            if (commits.incrementAndGet() % 3 == 0) throw new IllegalStateException("rolled back on purpose");
        }).open()) {
            Map<UUID, Long> acknowledged = new ConcurrentHashMap<>();
            Set<UUID> refused = ConcurrentHashMap.newKeySet();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int writer = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 100; i++) {
                            List<EventData> batch = events(1 + i % 4);
                            try {
                                AppendResult r = s.append(StreamId.of("w" + writer + "-" + i % 5), ExpectedVersion.any(), batch);
                                for (int k = 0; k < batch.size(); k++) acknowledged.put(batch.get(k).id(), r.firstPosition() + k);
                            } catch (IllegalStateException expected) {
                                batch.forEach(e -> refused.add(e.id()));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) f.get();
            }
            List<RecordedEvent> log = wholeLog(s);
            assertDenseLogWithDenseStreams(log);
            Map<UUID, Long> stored = new HashMap<>();
            for (RecordedEvent e : log) stored.put(e.id(), e.position());
            assertThat(stored).isEqualTo(acknowledged);
            assertThat(refused).isNotEmpty().doesNotContainAnyElementsOf(stored.keySet());
        }
    }

    @Test
    @Timeout(value = 1, unit = TimeUnit.MINUTES)
    void in_a_group_commit_an_event_id_reused_from_another_stream_fails_only_its_own_append() throws Exception {
        store.close();
        CountDownLatch holdFirstBatch = new CountDownLatch(1);
        CountDownLatch firstBatchWaiting = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try (SqliteEventStore s = SqliteEventStore.builder(file).beforeCommit(results -> {
            if (first.getAndSet(false)) {
                firstBatchWaiting.countDown();
                try {
                    holdFirstBatch.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).open()) {
            EventData taken = event(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                Future<AppendResult> blocker = pool.submit(() -> s.append(StreamId.of("other-1"), ExpectedVersion.noStream(), taken));
                firstBatchWaiting.await();
                // these three queue up behind the held transaction and are written as one batch
                Future<AppendResult> a = pool.submit(() -> s.append(StreamId.of("a-1"), ExpectedVersion.noStream(), events(2)));
                Future<AppendResult> culprit = pool.submit(() -> s.append(StreamId.of("b-1"), ExpectedVersion.noStream(),
                        List.of(event(5), taken)));
                Future<AppendResult> c = pool.submit(() -> s.append(StreamId.of("c-1"), ExpectedVersion.noStream(), events(3)));
                Thread.sleep(200);
                holdFirstBatch.countDown();

                assertThat(blocker.get().position()).isEqualTo(1);
                assertThat(a.get().nextExpectedVersion()).isEqualTo(1);
                assertThat(c.get().nextExpectedVersion()).isEqualTo(2);
                assertThatThrownBy(culprit::get).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(InvalidInputException.class).hasMessageContaining(taken.id().toString());
            }
            assertThat(s.streamInfo(StreamId.of("b-1"))).isEmpty();
            List<RecordedEvent> log = wholeLog(s);
            assertThat(log).hasSize(6);
            assertDenseLogWithDenseStreams(log);
        }
    }

    // ---- many threads, two instances, two processes --------------------------------------

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void two_store_instances_on_one_file_appending_concurrently_keep_versions_and_positions_dense() throws Exception {
        try (SqliteEventStore second = SqliteEventStore.open(file)) {
            List<EventStore> instances = List.of(store, second);
            Map<UUID, Long> acknowledged = new ConcurrentHashMap<>();
            AtomicInteger conflicts = new AtomicInteger();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    EventStore mine = instances.get(t % 2);
                    int writer = t;
                    futures.add(pool.submit(() -> {
                        long known = -1;
                        for (int i = 0; i < 150; i++) {
                            // shared streams with "any", plus one stream every writer fights over with exact versions
                            if (i % 3 == 0) {
                                EventData e = event(i);
                                try {
                                    AppendResult r = mine.append(StreamId.of("contended-1"),
                                            known < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(known), e);
                                    acknowledged.put(e.id(), r.position());
                                    known = r.nextExpectedVersion();
                                } catch (WrongExpectedVersionException w) {
                                    conflicts.incrementAndGet();
                                    known = w.actual();
                                }
                            } else {
                                List<EventData> batch = events(1 + (i + writer) % 3);
                                AppendResult r = mine.append(StreamId.of("shared-" + i % 4), ExpectedVersion.any(), batch);
                                for (int k = 0; k < batch.size(); k++) acknowledged.put(batch.get(k).id(), r.firstPosition() + k);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) f.get();
            }
            for (EventStore s : instances) {
                List<RecordedEvent> log = wholeLog(s);
                assertDenseLogWithDenseStreams(log);
                Map<UUID, Long> stored = new HashMap<>();
                for (RecordedEvent e : log) stored.put(e.id(), e.position());
                assertThat(stored).isEqualTo(acknowledged);
            }
            assertThat(conflicts.get()).isPositive();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void another_process_appending_to_the_same_file_at_the_same_time_keeps_the_log_dense() throws Exception {
        int childAppends = 300;
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                OtherProcessAppender.class.getName(), file.toString(), Integer.toString(childAppends))
                .redirectError(dir.resolve("other-process.err").toFile()).start();
        int mine = 0;
        try {
            var childOut = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()));
            assertThat(childOut.readLine()).isEqualTo("ready");
            child.getOutputStream().write("go\n".getBytes());
            child.getOutputStream().flush();
            // keep appending for as long as the other process does, so the two really overlap
            int i = 0;
            while (child.isAlive() || i < 50) {
                List<EventData> batch = events(1 + i % 2);
                store.append(StreamId.of("shared-" + i % 3), ExpectedVersion.any(), batch);
                mine += batch.size();
                i++;
                Thread.sleep(1); // take turns with the other process (see OtherProcessAppender)
            }
            assertThat(child.waitFor(1, TimeUnit.MINUTES)).isTrue();
            assertThat(child.exitValue()).as(Files.readString(dir.resolve("other-process.err"))).isZero();
        } finally {
            child.destroyForcibly();
        }
        List<RecordedEvent> log = wholeLog(store);
        assertDenseLogWithDenseStreams(log);
        assertThat(log).hasSize(mine + childAppends * 2);
        assertThat(log).filteredOn(e -> e.type().equals("FromOtherProcess")).hasSize(childAppends * 2);
        // the other process's two-event batches stay whole, however the processes interleaved
        for (int p = 0; p < log.size(); p++) {
            if (log.get(p).type().equals("FromOtherProcess") && !log.get(p).dataAsString().contains("second")) {
                assertThat(log.get(p + 1).dataAsString()).contains("second");
            }
        }
        long switches = LongStream.range(1, log.size())
                .filter(p -> !log.get((int) p).type().equals(log.get((int) p - 1).type())).count();
        assertThat(switches).as("the two processes' appends interleave").isGreaterThan(2);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void many_threads_reading_while_others_write_always_see_whole_batches_and_a_gap_free_log() throws Exception {
        int batchSize = 5;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        try (ExecutorService pool = Executors.newFixedThreadPool(10)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 150; i++) {
                        store.append(StreamId.of("stream-" + (writer * 150 + i) % 6), ExpectedVersion.any(), events(batchSize));
                    }
                    return null;
                }));
            }
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 6; r++) {
                int reader = r;
                readers.add(pool.submit(() -> {
                    long from = 1;
                    long seen = 0;
                    while (writing.get() || from <= store.headPosition()) {
                        if (reader % 2 == 0) {
                            AllSlice slice = store.readAll(from, 97);
                            for (RecordedEvent e : slice.events()) {
                                assertThat(e.position()).isEqualTo(++seen);
                            }
                            from = slice.next();
                        } else {
                            StreamId s = StreamId.of("stream-" + reader % 6);
                            if (store.streamInfo(s).isPresent()) {
                                List<RecordedEvent> events = store.readStream(s, 0, 10_000, ReadDirection.FORWARD);
                                assertThat(events.size() % batchSize).isZero();
                                for (int v = 0; v < events.size(); v++) assertThat(events.get(v).version()).isEqualTo(v);
                                List<RecordedEvent> back = store.readStreamBackward(s, 3);
                                if (!back.isEmpty()) assertThat(back.getFirst().version()).isGreaterThanOrEqualTo(events.size() - 1);
                            }
                            if (!writing.get()) break;
                        }
                        reads.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) f.get();
            writing.set(false);
            for (Future<?> f : readers) f.get();
        }
        assertThat(reads.get()).isPositive();
        List<RecordedEvent> log = wholeLog(store);
        assertThat(log).hasSize(4 * 150 * batchSize);
        assertDenseLogWithDenseStreams(log);
    }

    @Test
    void stream_names_the_way_the_store_lists_them_page_without_repeats() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            String name = "s-" + i;
            names.add(name);
            store.append(StreamId.of(name), ExpectedVersion.any(), events(1));
        }
        store.setStreamMetadata(StreamId.of("settings-only"), StreamMetadata.none().withMaxCount(1));
        names.add("settings-only");
        List<String> listed = new ArrayList<>();
        String after = null;
        while (true) {
            var page = store.listStreams(after, 4);
            if (page.isEmpty()) break;
            page.forEach(i -> listed.add(i.stream().value()));
            after = page.getLast().stream().value();
        }
        assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(names).isSorted();
        assertThat(store.streamInfo(StreamId.of("settings-only"))).get()
                .satisfies(i -> assertThat(i.lastVersion()).isEqualTo(-1));
    }
}
