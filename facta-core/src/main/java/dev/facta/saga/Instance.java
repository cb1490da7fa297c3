package dev.facta.saga;

import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stored document of one instance, as a JSON tree with typed accessors. Fields: {@code id},
 * {@code kind} (process or saga), {@code status}, {@code revision}, {@code state} (the user's state as
 * a JSON object), {@code streams} (per stream, the version of the last event handled),
 * {@code seq} (commands issued so far), {@code createdAt}/{@code updatedAt}/{@code endedAt} (epoch
 * milliseconds), and for sagas {@code step}, {@code attempts}, {@code dueAt}, {@code claim},
 * {@code owner}, {@code lastError}, {@code failedStep} and {@code metadata} (what it was started with).
 */
final class Instance {
    private final Map<String, Object> doc;

    private Instance(Map<String, Object> doc) {
        this.doc = doc;
    }

    /** An instance over a deep copy of the document, so that changing it leaves the original alone. */
    static Instance of(Map<String, Object> doc) {
        return new Instance(copy(doc));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> copy(Map<String, Object> doc) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : doc.entrySet()) out.put(e.getKey(), copyValue(e.getValue()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object copyValue(Object v) {
        if (v instanceof Map<?, ?> m) return copy((Map<String, Object>) m);
        if (v instanceof java.util.List<?> l) {
            java.util.List<Object> out = new java.util.ArrayList<>(l.size());
            for (Object o : l) out.add(copyValue(o));
            return out;
        }
        return v;
    }

    static Instance create(String id, boolean saga, SagaStatus status, Instant now) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", id);
        d.put("kind", saga ? "saga" : "process");
        d.put("status", status.name());
        d.put("revision", BigDecimal.ZERO);
        d.put("state", new LinkedHashMap<>());
        d.put("streams", new LinkedHashMap<>());
        d.put("seq", BigDecimal.ZERO);
        d.put("createdAt", millis(now));
        d.put("updatedAt", millis(now));
        return new Instance(d);
    }

    Map<String, Object> doc() {
        return doc;
    }

    String id() {
        return SagaJson.string(doc, "id");
    }

    SagaStatus status() {
        return SagaStatus.valueOf(SagaJson.string(doc, "status"));
    }

    void status(SagaStatus s, Instant now) {
        doc.put("status", s.name());
        if (s.isFinal()) {
            doc.put("endedAt", millis(now));
            doc.remove("dueAt");
        }
    }

    long revision() {
        return SagaJson.number(doc, "revision", 0);
    }

    void revision(long r) {
        doc.put("revision", BigDecimal.valueOf(r));
    }

    Map<String, Object> state() {
        Map<String, Object> s = SagaJson.map(doc, "state");
        return s == null ? Map.of() : s;
    }

    void state(Map<String, Object> s) {
        doc.put("state", s);
    }

    // ------------------------------------------------------------------ redelivery

    @SuppressWarnings("unchecked")
    private Map<String, Object> streams() {
        Object v = doc.get("streams");
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        Map<String, Object> m = new LinkedHashMap<>();
        doc.put("streams", m);
        return m;
    }

    /** Whether the event is at or below the last version handled from its stream. */
    boolean seen(RecordedEvent e) {
        Object v = streams().get(e.stream().value());
        return v instanceof BigDecimal d && e.version() <= d.longValueExact();
    }

    void markSeen(RecordedEvent e) {
        Map<String, Object> s = streams();
        Object v = s.get(e.stream().value());
        long before = v instanceof BigDecimal d ? d.longValueExact() : -1;
        if (e.version() > before) s.put(e.stream().value(), BigDecimal.valueOf(e.version()));
    }

    // ------------------------------------------------------------------ commands

    long nextSequence() {
        long seq = SagaJson.number(doc, "seq", 0);
        doc.put("seq", BigDecimal.valueOf(seq + 1));
        return seq;
    }

    // ------------------------------------------------------------------ sagas

    int step() {
        return (int) SagaJson.number(doc, "step", -1);
    }

    void step(int step) {
        doc.put("step", BigDecimal.valueOf(step));
    }

    int attempts() {
        return (int) SagaJson.number(doc, "attempts", 0);
    }

    void attempts(int n) {
        doc.put("attempts", BigDecimal.valueOf(n));
    }

    Long dueAt() {
        return SagaJson.numberOrNull(doc, "dueAt");
    }

    void dueAt(Instant at) {
        if (at == null) doc.remove("dueAt");
        else doc.put("dueAt", millis(at));
    }

    String claim() {
        return SagaJson.string(doc, "claim");
    }

    void claim(String claim, String owner) {
        if (claim == null) {
            doc.remove("claim");
            doc.remove("owner");
        } else {
            doc.put("claim", claim);
            doc.put("owner", owner);
        }
    }

    String lastError() {
        return SagaJson.string(doc, "lastError");
    }

    void lastError(String error) {
        if (error == null) doc.remove("lastError");
        else doc.put("lastError", error);
    }

    void failedStep(int step) {
        doc.put("failedStep", BigDecimal.valueOf(step));
    }

    Metadata metadata() {
        return Metadata.fromMap(SagaJson.strings(doc, "metadata"));
    }

    void metadata(Metadata m) {
        doc.put("metadata", new LinkedHashMap<String, Object>(m.asMap()));
    }

    void touched(Instant now) {
        doc.put("updatedAt", millis(now));
    }

    Instant createdAt() {
        return instant(SagaJson.numberOrNull(doc, "createdAt"));
    }

    Instant updatedAt() {
        return instant(SagaJson.numberOrNull(doc, "updatedAt"));
    }

    Instant endedAt() {
        return instant(SagaJson.numberOrNull(doc, "endedAt"));
    }

    static BigDecimal millis(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli());
    }

    static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
