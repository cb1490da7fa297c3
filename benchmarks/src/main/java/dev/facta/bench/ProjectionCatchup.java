package dev.facta.bench;

import dev.facta.FactaException;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Query;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.RecordedEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * projection-catchup: the append-batched load (200,000 events in 10,000 streams) is written first;
 * then an async projection starts from the beginning and is timed until it has caught up with the
 * head. The projection keeps one document per stream (events seen, last version, last line) in the
 * read-model store of the same database as the events, and every batch commits its documents with
 * its checkpoint. Afterwards the documents are checked: a projection that skipped or repeated an
 * event would be fast for the wrong reason.
 */
final class ProjectionCatchup {
    static final String NAME = "bench-lines";
    private static final String COLLECTION = "lines";

    record Timing(long events, long nanos) {
    }

    private ProjectionCatchup() {
    }

    static Timing run(String url, Shape load) throws Exception {
        try (EventStore events = EventStores.open(url)) {
            AppendLoad.run(load, new FactaSubject(events), false);
            ProjectionStore store = switch (events) {
                case PostgresEventStore p -> PostgresProjectionStore.on(p);
                case SqliteEventStore s -> SqliteProjectionStore.on(s);
                default -> new InMemoryProjectionStore();
            };
            long head = events.headPosition();
            if (head != load.events()) {
                throw new FactaException("projection-catchup: the log holds " + head + " events, the load wrote " + load.events());
            }
            ProjectionOptions options = ProjectionOptions.builder().batchSize(1000).build();
            long t0 = System.nanoTime();
            try (ProjectionEngine engine = ProjectionEngine.builder(events, store)
                    .register(new StreamSummary(), options)
                    .build()) {
                engine.start();
                if (!engine.awaitCaughtUp(NAME, Duration.ofMinutes(10))) {
                    throw new FactaException("projection-catchup: not caught up within 10 minutes: " + engine.status(NAME));
                }
                long elapsed = System.nanoTime() - t0;
                check(engine.readModel(NAME, COLLECTION, DocumentCodec.json()), load);
                return new Timing(head, elapsed);
            } finally {
                if (store instanceof AutoCloseable c) c.close();
            }
        }
    }

    /** Every stream has one document that counted each of its events once. */
    private static void check(DocumentCollection<String> docs, Shape load) {
        long streams = docs.count(Query.all());
        if (streams != load.streams()) {
            throw new FactaException("projection-catchup: " + streams + " stream documents, expected " + load.streams());
        }
        long expected = (long) load.appendsPerStream() * load.eventsPerAppend();
        Query q = Query.all().limit(Query.MAX_LIMIT);
        while (true) {
            var page = docs.find(q);
            for (String d : page.items()) {
                long[] s = StreamSummary.parse(d);
                if (s[0] != expected || s[1] != expected - 1) throw new FactaException("projection-catchup: wrong count in " + d);
            }
            if (page.next().isEmpty()) return;
            q = page.next().get();
        }
    }

    /**
     * Per stream: how many events, the last version and the last line number seen. A batch loads
     * the documents it touches in one round trip and writes them back in one.
     */
    static final class StreamSummary implements Projection {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Set<String> collections() {
            return Set.of(COLLECTION);
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            applyBatch(List.of(event), context);
        }

        @Override
        public void applyBatch(List<RecordedEvent> events, ProjectionContext context) {
            DocumentCollection<String> docs = context.collection(COLLECTION, DocumentCodec.json());
            List<String> ids = new ArrayList<>();
            for (RecordedEvent e : events) ids.add(e.stream().value());
            Map<String, String> existing = docs.getMany(ids);
            Map<String, long[]> state = new HashMap<>();
            for (Map.Entry<String, String> d : existing.entrySet()) state.put(d.getKey(), parse(d.getValue()));
            Map<String, String> changed = new LinkedHashMap<>();
            for (RecordedEvent e : events) {
                String id = e.stream().value();
                long[] s = state.computeIfAbsent(id, k -> new long[]{0, -1});
                if (e.version() != s[1] + 1) {
                    throw new IllegalStateException(id + ": version " + e.version() + " after " + s[1]);
                }
                s[0]++;
                s[1] = e.version();
                changed.put(id, "{\"events\":" + s[0] + ",\"version\":" + s[1] + ",\"type\":\"" + e.type() + "\"}");
            }
            docs.putMany(changed);
        }

        /** Reads back the two numbers this projection writes; the documents are its own, so their shape is known. */
        private static long[] parse(String json) {
            return new long[]{number(json, "\"events\":"), number(json, "\"version\":")};
        }

        private static long number(String json, String key) {
            int i = json.indexOf(key);
            if (i < 0) throw new IllegalStateException("no " + key + " in " + json);
            int start = i + key.length();
            while (json.charAt(start) == ' ') start++;
            int end = start;
            while (end < json.length() && (Character.isDigit(json.charAt(end)) || json.charAt(end) == '-')) end++;
            return Long.parseLong(json.substring(start, end));
        }
    }
}
