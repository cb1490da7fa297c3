package dev.facta.crypto;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A 256-bit master key held by this process, from bytes, an environment variable, or a file (each
 * holding the key as base64, or a file of exactly 32 raw bytes). Data keys are wrapped with
 * AES-256-GCM under it, bound to their subject and key id. Keep the key out of the database it
 * protects: whoever holds both can read everything not yet shredded.
 */
public final class LocalMasterKey implements MasterKeyProvider {
    private static final int NONCE = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String id;

    private LocalMasterKey(byte[] key) {
        if (key == null || key.length != 32) {
            throw new InvalidInputException("masterKey", "a master key is 32 bytes (AES-256), got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
        this.key = new SecretKeySpec(key, "AES");
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("facta master key id".getBytes(StandardCharsets.US_ASCII));
            this.id = "local:" + HexFormat.of().formatHex(Arrays.copyOf(sha.digest(key), 8));
        } catch (GeneralSecurityException e) {
            throw new FactaException("SHA-256 is not available: " + e, e);
        }
    }

    /** A master key from 32 bytes (copied). */
    public static LocalMasterKey of(byte[] key) {
        return new LocalMasterKey(key == null ? null : key.clone());
    }

    /** A master key from its base64 text (standard or URL alphabet). */
    public static LocalMasterKey fromBase64(String base64) {
        if (base64 == null || base64.isBlank()) throw new InvalidInputException("masterKey", "the master key text is empty");
        String t = base64.strip();
        try {
            return new LocalMasterKey(t.indexOf('-') >= 0 || t.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(t) : Base64.getDecoder().decode(t));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("masterKey", "the master key is not valid base64");
        }
    }

    /** A master key from an environment variable holding it as base64. */
    public static LocalMasterKey fromEnv(String variable) {
        String value = System.getenv(variable);
        if (value == null) throw new InvalidInputException(variable, "environment variable " + variable + " is not set");
        return fromBase64(value);
    }

    /** A master key from a file: 32 raw bytes, or base64 text. */
    public static LocalMasterKey fromFile(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException("masterKeyFile", "cannot read the master key file " + file + ": " + e.getMessage());
        }
        return bytes.length == 32 ? new LocalMasterKey(bytes) : fromBase64(new String(bytes, StandardCharsets.US_ASCII));
    }

    /** A fresh random key, e.g. for tests or to print once with {@link #generateBase64()}. */
    public static LocalMasterKey generate() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return new LocalMasterKey(k);
    }

    /** A fresh random key as base64 text, to put in a secret manager or an environment variable. */
    public static String generateBase64() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public byte[] wrap(byte[] dataKey, byte[] context) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(context);
            byte[] ct = c.doFinal(dataKey);
            byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new FactaException("wrapping a data key failed: " + e, e);
        }
    }

    @Override
    public byte[] unwrap(byte[] wrapped, byte[] context) {
        if (wrapped.length <= NONCE + 16) throw new FactaException("a wrapped data key is too short (" + wrapped.length + " bytes)");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, wrapped, 0, NONCE));
            c.updateAAD(context);
            return c.doFinal(wrapped, NONCE, wrapped.length - NONCE);
        } catch (GeneralSecurityException e) {
            throw new FactaException("unwrapping a data key with master key " + id + " failed: the wrapped key was altered"
                    + " or belongs to another subject (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    @Override
    public String toString() {
        return "LocalMasterKey[" + id + "]";
    }
}
