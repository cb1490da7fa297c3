package dev.facta.crypto;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendNotifier;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.Metadata;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An event store whose events keep their personal data encrypted: {@code append} encrypts the fields
 * the {@link EncryptionPolicy} names under each subject's data key before the events reach the store,
 * and every read ({@code readStream}, {@code readAll}, and so subscriptions, projections, the outbox
 * relay and repositories that read through this store) decrypts them again. Stored events are never
 * rewritten.
 *
 * <p>{@link #forget} shreds a subject: its key is destroyed, a {@value #SUBJECT_FORGOTTEN} event is
 * appended, and from then on every value of that subject reads as masked ({@value FieldCipher#MASK}
 * for strings, {@code null} for other kinds), never as an error; other subjects are untouched. A
 * value that fails authentication (altered or moved in the database) reads as masked too, and is
 * reported to the {@link MaskListener} and logged as a warning.
 *
 * <p>Wrap the raw store, and put other decorators (upcasting, metrics) around this one, so that
 * upcasters see decrypted data and decryption sees the types as stored.
 */
public final class EncryptedEventStore extends ForwardingEventStore implements AppendNotifier {
    private static final System.Logger LOG = System.getLogger(EncryptedEventStore.class.getName());

    /** The type of the event {@link #forget} appends. */
    public static final String SUBJECT_FORGOTTEN = "SubjectForgotten";
    /** The stream {@link #forget} appends to unless the builder names another. */
    public static final StreamId DEFAULT_FORGOTTEN_STREAM = StreamId.of("facta.privacy");

    private final EncryptionPolicy policy;
    private final FieldCipher cipher;
    private final MaskListener listener;
    private final StreamId forgottenStream;
    private final Clock clock;

    private EncryptedEventStore(Builder b) {
        super(b.store);
        this.policy = b.policy;
        this.cipher = new FieldCipher(b.keys);
        MaskListener user = b.listener;
        this.listener = m -> {
            if (m.reason() == Masked.Reason.TAMPERED) {
                LOG.log(System.Logger.Level.WARNING, "a value of " + m.where() + " failed authentication at field "
                        + m.field() + " (subject " + m.subject() + "): it was altered or moved; it reads as masked");
            } else if (m.reason() == Masked.Reason.UNATTRIBUTED) {
                LOG.log(System.Logger.Level.WARNING, "an encrypted value of " + m.where() + " at field " + m.field()
                        + " names no subject (no rule for its type, or no subject field); it reads as masked");
            }
            try {
                user.masked(m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a mask listener failed", e);
            }
        };
        this.forgottenStream = b.forgottenStream;
        this.clock = b.clock;
    }

    /** An encrypting store over {@code store}, with the policy and the subjects' keys. */
    public static Builder builder(EventStore store, EncryptionPolicy policy, DataKeys keys) {
        return new Builder(store, policy, keys);
    }

    public EncryptionPolicy policy() {
        return policy;
    }

    public DataKeys keys() {
        return cipher.keys();
    }

    public FieldCipher cipher() {
        return cipher;
    }

    /** The stream that {@code SubjectForgotten} events go to. */
    public StreamId forgottenStream() {
        return forgottenStream;
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        if (events == null) return delegate.append(stream, expected, events);
        List<EventData> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) out.add(encrypt(events.get(i), "events[" + i + "]"));
        return delegate.append(stream, expected, out);
    }

    private EventData encrypt(EventData e, String field) {
        if (e == null || e.data() == null || e.type() == null) return e; // the store refuses it with its own error
        var rule = policy.forEventType(e.type());
        if (rule.isEmpty()) {
            if (FieldCipher.mayHoldCiphertext(e.data())) {
                // a value that looks encrypted is refused; the prefix inside a longer text is fine
                FieldCipher.refuseCiphertext(Json.utf8(e.data(), field + ".data"), field + ".data");
            }
            return e;
        }
        String json = Json.utf8(e.data(), field + ".data");
        String encrypted = cipher.encrypt(json, rule.get(), "event:" + e.id(), field + ".data");
        if (encrypted == json) return e;
        return new EventData(e.id(), e.type(), encrypted.getBytes(StandardCharsets.UTF_8), e.metadata());
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        return decryptAll(delegate.readStream(stream, fromVersion, maxCount, direction));
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AllSlice slice = delegate.readAll(fromPosition, maxCount, filter);
        return new AllSlice(decryptAll(slice.events()), slice.next(), slice.endOfLog());
    }

    private List<RecordedEvent> decryptAll(List<RecordedEvent> events) {
        List<RecordedEvent> out = null;
        for (int i = 0; i < events.size(); i++) {
            RecordedEvent e = events.get(i);
            RecordedEvent d = decrypt(e);
            if (d != e && out == null) {
                out = new ArrayList<>(events);
            }
            if (out != null) out.set(i, d);
        }
        return out == null ? events : out;
    }

    /**
     * An event as stored, decrypted (the same instance when it holds nothing encrypted). For code that
     * sees raw events, e.g. inline projections attached to the underlying store.
     */
    public RecordedEvent decrypt(RecordedEvent e) {
        if (SUBJECT_FORGOTTEN.equals(e.type())) {
            String subject = forgottenSubject(e);
            if (subject != null) cipher.keys().evict(subject);
            return e;
        }
        if (!FieldCipher.mayHoldCiphertext(e.data())) return e;
        var rule = policy.forEventType(e.type()).orElse(null);
        String where = "event #" + e.position() + " (" + e.stream() + "@" + e.version() + ", " + e.type() + ")";
        FieldCipher.Decrypted d = cipher.decrypt(e.dataAsString(), rule, "event:" + e.id(), where, "data", listener);
        return new RecordedEvent(e.id(), e.stream(), e.version(), e.position(), e.type(),
                d.json().getBytes(StandardCharsets.UTF_8), e.metadata(), e.recordedAt());
    }

    /** The subject a {@value #SUBJECT_FORGOTTEN} event names, or null when it is not one. */
    public static String forgottenSubject(RecordedEvent e) {
        if (!SUBJECT_FORGOTTEN.equals(e.type())) return null;
        try {
            Object tree = JsonTree.parse(e.dataAsString(), "data");
            return tree instanceof Map<?, ?> m && m.get("subject") instanceof String s ? s : null;
        } catch (InvalidInputException bad) {
            return null;
        }
    }

    /** What {@link #forget} did. */
    public record Forgotten(String subject, boolean keyDestroyed, AppendResult event) {
    }

    /**
     * Crypto-shreds a subject: destroys its data key (dropping it from every cache of this process)
     * and appends a {@value #SUBJECT_FORGOTTEN} event {@code {"subject", "keyDestroyed", "forgottenAt"}}
     * to {@link #forgottenStream()}, so projections and caches purge what they derived. Forgetting a
     * subject twice, or one that never had a key, is fine: the event is appended again. When the append
     * fails the key is already gone; call {@code forget} again to record it.
     */
    public Forgotten forget(String subject) {
        return forget(subject, Metadata.empty());
    }

    /** Like {@link #forget(String)}, with metadata (e.g. a correlation id naming the request) on the event. */
    public Forgotten forget(String subject, Metadata metadata) {
        DataKeys.checkSubject(subject);
        boolean destroyed = cipher.keys().destroy(subject);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("subject", subject);
        data.put("forgottenAt", clock.instant().toString());
        data.put("keyDestroyed", destroyed);
        String json = JsonTree.write(data);
        AppendResult r;
        try {
            r = delegate.append(forgottenStream, ExpectedVersion.any(), EventData.of(SUBJECT_FORGOTTEN, json, metadata));
        } catch (RuntimeException e) {
            throw new FactaException("the key of subject '" + subject + "' was destroyed, but recording "
                    + SUBJECT_FORGOTTEN + " failed; call forget again: " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "forgot subject {0} (key destroyed: {1})", subject, destroyed);
        return new Forgotten(subject, destroyed, r);
    }

    @Override
    public AutoCloseable onAppend(Runnable listener) {
        if (delegate instanceof AppendNotifier n) return n.onAppend(listener);
        return () -> {
        };
    }

    @Override
    public String describe() {
        return delegate.describe() + " (encrypted)";
    }

    /** Settings of an {@link EncryptedEventStore}. */
    public static final class Builder {
        private final EventStore store;
        private final EncryptionPolicy policy;
        private final DataKeys keys;
        private MaskListener listener = MaskListener.none();
        private StreamId forgottenStream = DEFAULT_FORGOTTEN_STREAM;
        private Clock clock = Clock.systemUTC();

        private Builder(EventStore store, EncryptionPolicy policy, DataKeys keys) {
            this.store = Objects.requireNonNull(store, "store");
            this.policy = Objects.requireNonNull(policy, "policy");
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        /** Told of every value a read masks (forgotten, tampered, unattributed). */
        public Builder maskListener(MaskListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Where {@code SubjectForgotten} events go (default {@code facta.privacy}). */
        public Builder forgottenStream(StreamId stream) {
            this.forgottenStream = Objects.requireNonNull(stream, "stream");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public EncryptedEventStore build() {
            return new EncryptedEventStore(this);
        }
    }
}
