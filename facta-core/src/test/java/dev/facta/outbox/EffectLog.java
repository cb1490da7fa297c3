package dev.facta.outbox;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Query;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A consumer's effect for tests: for each stream, the versions of the messages handled, in the order
 * they were handled, written in the inbox transaction (collection {@value #COLLECTION}). A duplicate
 * effect or a reordering shows up in the lists.
 */
public final class EffectLog {
    public static final String COLLECTION = "effect_log";

    private EffectLog() {
    }

    /** The handler: appends the message's stream version to its stream's document. */
    public static final InboxHandler HANDLER = (m, ctx) -> {
        DocumentCollection<String> docs = ctx.collection(COLLECTION, DocumentCodec.json());
        String stream = m.stream();
        List<Long> versions = docs.get(stream).map(EffectLog::versions).orElseGet(ArrayList::new);
        versions.add(m.streamVersion());
        StringBuilder sb = new StringBuilder("{\"stream\":").append(dev.facta.internal.Json.quote(stream)).append(",\"v\":[");
        for (int i = 0; i < versions.size(); i++) sb.append(i == 0 ? "" : ",").append(versions.get(i));
        docs.put(stream, sb.append("]}").toString());
    };

    /** What the handler recorded, by stream. */
    public static Map<String, List<Long>> read(StoreInbox inbox) {
        DocumentCollection<String> docs = inbox.store().readModels().collection(COLLECTION, DocumentCodec.json());
        Map<String, List<Long>> out = new LinkedHashMap<>();
        Query q = Query.all().limit(Query.MAX_LIMIT);
        while (true) {
            Page<String> page = docs.find(q);
            for (String d : page.items()) out.put((String) Documents.parse(d).get("stream"), versions(d));
            if (page.next().isEmpty()) return out;
            q = page.next().get();
        }
    }

    /** How many effects were recorded over all streams. */
    public static long total(StoreInbox inbox) {
        return read(inbox).values().stream().mapToLong(List::size).sum();
    }

    @SuppressWarnings("unchecked")
    private static List<Long> versions(String json) {
        List<Long> out = new ArrayList<>();
        for (Object o : (List<Object>) Documents.parse(json).get("v")) out.add(((BigDecimal) o).longValueExact());
        return out;
    }

    /** 0 .. n-1. */
    public static List<Long> upTo(long n) {
        List<Long> out = new ArrayList<>();
        for (long v = 0; v < n; v++) out.add(v);
        return out;
    }
}
