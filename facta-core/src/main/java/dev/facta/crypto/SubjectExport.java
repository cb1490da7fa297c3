package dev.facta.crypto;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.store.AllSlice;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A data subject's export (GDPR right of access): every stored event that names the subject,
 * decrypted, one JSON object per line, in global-log order:
 *
 * <pre>{"position":12,"stream":"customer-7","version":0,"type":"CustomerRegistered",
 *  "recordedAt":"2025-01-01T10:00:00Z","metadata":{...},"data":{...}}</pre>
 *
 * <p>An event names the subject when its type has a rule in the policy and the rule's subject field
 * holds the subject, or when it is a {@code SubjectForgotten} event for the subject. The export reads
 * the events of those types from the global log (SQLite and PostgreSQL serve that from their
 * type index), reads each one's subject field in clear, and decrypts only the matches: its cost
 * grows with the number of events of the policy's types, not with the subject's own. Values of a
 * forgotten subject come out masked.
 */
public final class SubjectExport {
    private static final int PAGE = 1000;

    private SubjectExport() {
    }

    /**
     * Writes the subject's events to {@code out} as JSON lines; returns how many.
     *
     * @throws InvalidInputException the subject id is empty, too long or holds control characters
     */
    public static long export(EncryptedEventStore store, String subject, Appendable out) {
        DataKeys.checkSubject(subject);
        EventStore raw = store.underlying();
        Set<String> types = new LinkedHashSet<>(store.policy().eventTypes());
        types.add(EncryptedEventStore.SUBJECT_FORGOTTEN);
        EventFilter filter = EventFilter.eventTypes(types.toArray(String[]::new));
        long count = 0;
        long from = 1;
        try {
            while (true) {
                AllSlice slice = raw.readAll(from, PAGE, filter);
                for (RecordedEvent e : slice.events()) {
                    if (!subject.equals(subjectOf(store, e))) continue;
                    writeLine(store.decrypt(e), out);
                    count++;
                }
                if (slice.endOfLog() || slice.next() <= from) return count;
                from = slice.next();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the export of subject '" + subject + "' failed", e);
        }
    }

    private static String subjectOf(EncryptedEventStore store, RecordedEvent e) {
        if (EncryptedEventStore.SUBJECT_FORGOTTEN.equals(e.type())) return EncryptedEventStore.forgottenSubject(e);
        var rule = store.policy().forEventType(e.type());
        if (rule.isEmpty()) return null;
        try {
            return FieldCipher.subjectOf(JsonTree.parse(e.dataAsString(), "data"), rule.get(), "data");
        } catch (InvalidInputException notJson) {
            return null;
        }
    }

    private static void writeLine(RecordedEvent e, Appendable out) throws IOException {
        StringBuilder sb = new StringBuilder(256 + e.data().length);
        sb.append("{\"position\":").append(e.position());
        sb.append(",\"stream\":");
        Json.quote(e.stream().value(), sb);
        sb.append(",\"version\":").append(e.version());
        sb.append(",\"type\":");
        Json.quote(e.type(), sb);
        sb.append(",\"recordedAt\":");
        Json.quote(e.recordedAt().toString(), sb);
        sb.append(",\"metadata\":").append(Json.writeFlatObject(e.metadata().asMap()));
        sb.append(",\"data\":").append(JsonTree.write(JsonTree.parse(e.dataAsString(), "data")));
        sb.append("}\n");
        out.append(sb);
    }
}
