package dev.facta.postgres;

import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.store.EventData;
import dev.facta.store.RecordedEvent;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A projection for the acceptance tests: per stream, a document {@code {"count": n, "last": v}} of
 * how many events were applied and the last version. It refuses (records and throws on) an event
 * that is not the stream's next version, so a duplicate, a gap or a reordering can never be
 * written. A batch loads its streams' documents in one round trip and writes them in one.
 */
final class StreamTally implements Projection {

    /** Called at the start of every batch: where tests inject trouble. */
    @FunctionalInterface
    interface Chaos {
        void beforeBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception;
    }

    record Tally(long count, long last) {
    }

    static final String COLLECTION = "streams";

    private final String name;
    private final Chaos chaos;
    final Queue<String> violations = new ConcurrentLinkedQueue<>();

    StreamTally(String name, Chaos chaos) {
        this.name = name;
        this.chaos = chaos;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> collections() {
        return Set.of(COLLECTION);
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
        applyBatch(List.of(event), context);
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        chaos.beforeBatch(events, context);
        DocumentCollection<String> docs = context.collection(COLLECTION, DocumentCodec.json());
        Set<String> streams = new LinkedHashSet<>();
        for (RecordedEvent e : events) streams.add(e.stream().value());
        Map<String, Tally> state = new HashMap<>();
        for (var e : docs.getMany(streams).entrySet()) state.put(e.getKey(), parse(e.getValue()));
        Map<String, String> out = new LinkedHashMap<>();
        for (RecordedEvent e : events) {
            String s = e.stream().value();
            Tally t = state.get(s);
            long expected = t == null ? 0 : t.last() + 1;
            if (e.version() != expected) {
                String v = name + " segment " + context.segment() + ": " + s + " version " + e.version() + " (position "
                        + e.position() + ") after " + (t == null ? "nothing" : t.last());
                violations.add(v);
                throw new IllegalStateException(v);
            }
            Tally next = new Tally(t == null ? 1 : t.count() + 1, e.version());
            state.put(s, next);
            out.put(s, "{\"count\":" + next.count() + ",\"last\":" + next.last() + "}");
        }
        docs.putMany(out);
    }

    static Tally parse(String json) {
        Map<String, Object> m = Documents.parse(json);
        return new Tally(((BigDecimal) m.get("count")).longValueExact(), ((BigDecimal) m.get("last")).longValueExact());
    }

    static EventData event(int n) {
        return EventData.of("Counted", "{\"n\":" + n + "}");
    }
}
