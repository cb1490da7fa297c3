package dev.facta.crypto;

import javax.crypto.SecretKey;
import java.util.Objects;

/**
 * A subject's data key, unwrapped, as this process holds it briefly in {@link DataKeys}' cache.
 * Its {@code toString} never shows the key.
 */
public record DataKey(String subject, String keyId, SecretKey key) {
    public DataKey {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "DataKey[subject=" + subject + ", keyId=" + keyId + "]";
    }
}
