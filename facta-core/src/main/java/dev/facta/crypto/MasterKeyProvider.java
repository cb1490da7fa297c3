package dev.facta.crypto;

/**
 * Wraps and unwraps data keys with a master key that never leaves the provider: a local key
 * ({@link LocalMasterKey}) or an external key manager ({@link VaultTransitKeyProvider}). Data keys
 * are only ever stored wrapped.
 */
public interface MasterKeyProvider {

    /**
     * A stable name of the master key (no secret in it), stored next to each wrapped key so that a
     * key wrapped by another master key is reported clearly instead of failing to decrypt.
     */
    String id();

    /**
     * Encrypts a data key. {@code context} (the subject and key id) is bound to the result where the
     * provider supports it, so a wrapped key copied to another subject does not unwrap.
     */
    byte[] wrap(byte[] dataKey, byte[] context);

    /**
     * Decrypts a wrapped data key.
     *
     * @throws dev.facta.FactaException the key manager is unreachable, or refuses or fails to decrypt
     */
    byte[] unwrap(byte[] wrapped, byte[] context);
}
