package dev.facta.crypto;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A subject's data key as a {@link KeyStore} keeps it: encrypted ("wrapped") by a master key, never
 * in clear.
 *
 * @param subject   the data subject the key belongs to
 * @param keyId     a random id, written into every value the key encrypts; a subject forgotten and
 *                  seen again gets a new key with a new id, so old values stay unreadable
 * @param masterKey which master key wrapped it ({@link MasterKeyProvider#id()})
 * @param wrapped   the key material as the master key provider returned it
 * @param createdAt when the key was made
 */
public record WrappedKey(String subject, String keyId, String masterKey, byte[] wrapped, Instant createdAt) {
    public WrappedKey {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(masterKey, "masterKey");
        Objects.requireNonNull(createdAt, "createdAt");
        wrapped = wrapped.clone();
    }

    @Override
    public byte[] wrapped() {
        return wrapped.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WrappedKey w && subject.equals(w.subject) && keyId.equals(w.keyId)
                && masterKey.equals(w.masterKey) && Arrays.equals(wrapped, w.wrapped) && createdAt.equals(w.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(subject, keyId);
    }

    @Override
    public String toString() {
        return "WrappedKey[subject=" + subject + ", keyId=" + keyId + ", masterKey=" + masterKey + ", createdAt=" + createdAt + "]";
    }
}
