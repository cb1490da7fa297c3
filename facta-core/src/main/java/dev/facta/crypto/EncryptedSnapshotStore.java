package dev.facta.crypto;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.internal.Json;
import dev.facta.store.StreamId;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot store that keeps the personal fields of snapshot states encrypted, by the policy's
 * {@link EncryptionPolicy.Builder#snapshots(String) snapshot rules} for the stream's category. The
 * state must then be JSON (facta-jackson's {@code JacksonStateCodec} writes it so).
 *
 * <p>A snapshot holding a value that cannot be decrypted (its subject was forgotten, or it was
 * altered) is not returned: snapshots are only an optimisation, so the repository replays the
 * aggregate from its events instead, which read masked through an {@link EncryptedEventStore}.
 * Snapshots of categories without a rule pass through unchanged.
 */
public final class EncryptedSnapshotStore implements SnapshotStore {
    private final SnapshotStore delegate;
    private final EncryptionPolicy policy;
    private final FieldCipher cipher;
    private final MaskListener listener;

    public EncryptedSnapshotStore(SnapshotStore delegate, EncryptionPolicy policy, DataKeys keys) {
        this(delegate, policy, keys, MaskListener.none());
    }

    public EncryptedSnapshotStore(SnapshotStore delegate, EncryptionPolicy policy, DataKeys keys, MaskListener listener) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.cipher = new FieldCipher(Objects.requireNonNull(keys, "keys"));
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The same as {@link EncryptedEventStore}'s: its policy and keys. */
    public static EncryptedSnapshotStore of(SnapshotStore delegate, EncryptedEventStore events) {
        return new EncryptedSnapshotStore(delegate, events.policy(), events.keys());
    }

    @Override
    public void save(Snapshot s) {
        Objects.requireNonNull(s, "snapshot");
        var rule = s.stream() == null ? Optional.<EncryptionPolicy.Rule>empty() : policy.forSnapshots(s.stream().category());
        if (rule.isEmpty() || s.state() == null) {
            delegate.save(s);
            return;
        }
        String json = Json.utf8(s.state(), "state");
        String encrypted = cipher.encrypt(json, rule.get(), scope(s.stream(), s.version()), "state");
        delegate.save(encrypted == json ? s
                : new Snapshot(s.stream(), s.version(), s.schemaVersion(), encrypted.getBytes(StandardCharsets.UTF_8), s.takenAt()));
    }

    @Override
    public Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        Optional<Snapshot> found = delegate.latest(stream, maxVersion);
        if (found.isEmpty() || !FieldCipher.mayHoldCiphertext(found.get().state())) return found;
        Snapshot s = found.get();
        FieldCipher.Decrypted d;
        try {
            d = cipher.decrypt(Json.utf8(s.state(), "state"), policy.forSnapshots(stream.category()).orElse(null),
                    scope(stream, s.version()), "snapshot of " + stream + "@" + s.version(), "state", listener);
        } catch (InvalidInputException unreadable) {
            return Optional.empty();
        }
        if (d.masked() > 0) return Optional.empty();
        return Optional.of(new Snapshot(s.stream(), s.version(), s.schemaVersion(),
                d.json().getBytes(StandardCharsets.UTF_8), s.takenAt()));
    }

    @Override
    public void prune(StreamId stream, int keep) {
        delegate.prune(stream, keep);
    }

    private static String scope(StreamId stream, long version) {
        return "snapshot:" + stream.value() + "@" + version;
    }

    @Override
    public String toString() {
        return "EncryptedSnapshotStore[" + delegate + "]";
    }
}
