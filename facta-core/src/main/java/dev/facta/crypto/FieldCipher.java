package dev.facta.crypto;

import dev.facta.InvalidInputException;
import dev.facta.internal.Json;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Encrypts and decrypts the personal fields of one JSON document (an event's data, a snapshot's
 * state) in place, keeping the document's shape: an encrypted value is the string
 *
 * <pre>facta:enc:1:&lt;key id&gt;:&lt;kind&gt;:&lt;nonce&gt;:&lt;ciphertext&gt;</pre>
 *
 * where the kind ({@code s} string, {@code n} number, {@code b} boolean, {@code o} object, {@code a}
 * array) says what the value was, and nonce and ciphertext (with GCM's 128-bit tag) are base64url.
 * Values are encrypted with AES-256-GCM under the subject's data key, with associated data naming
 * the scope (the event id, or the snapshot's stream), the subject, the value's exact path and its
 * kind: a value moved to another event, field, array slot or subject fails authentication.
 *
 * <p>A value that cannot be decrypted reads as masked, never as an error: a string as
 * {@value #MASK}, any other kind as {@code null}, so typed readers still decode the document.
 */
public final class FieldCipher {
    /** What a string value reads as once it cannot be decrypted. */
    public static final String MASK = "***";
    /** The start of every encrypted value. */
    public static final String PREFIX = "facta:enc:";
    static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final String FORMAT = PREFIX + "1:";
    private static final int NONCE = 12;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available", e);
        }
    });

    private final DataKeys keys;

    public FieldCipher(DataKeys keys) {
        this.keys = keys;
    }

    public DataKeys keys() {
        return keys;
    }

    /** The outcome of decrypting a document: its JSON and how many values were masked. */
    public record Decrypted(String json, int decrypted, int masked) {
    }

    /** Whether the UTF-8 bytes contain an encrypted value at all (a fast check before parsing). */
    public static boolean mayHoldCiphertext(byte[] json) {
        outer:
        for (int i = 0, n = json.length - PREFIX_BYTES.length; i <= n; i++) {
            for (int j = 0; j < PREFIX_BYTES.length; j++) {
                if (json[i + j] != PREFIX_BYTES[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    /**
     * The subject named by a document under a rule, or null when the subject field is missing or null.
     *
     * @throws InvalidInputException the subject field holds something other than a string or number
     */
    static String subjectOf(Object tree, EncryptionPolicy.Rule rule, String field) {
        Object node = tree;
        for (EncryptionPolicy.Segment s : rule.subject().segments()) {
            if (!(node instanceof Map<?, ?> m)) return null;
            node = m.get(s.key());
        }
        return switch (node) {
            case null -> null;
            case String s -> s;
            case JsonTree.Num n -> n.text();
            default -> throw new InvalidInputException(field + "." + rule.subject(),
                    "the subject field '" + rule.subject() + "' must be a string or a number");
        };
    }

    /**
     * Encrypts the rule's fields of a document. Returns the document unchanged when none of them
     * holds a value.
     *
     * @param scope what the values are bound to: {@code "event:" + id} or {@code "snapshot:" + stream}
     * @param field the name of the document in error messages, e.g. {@code data}
     * @throws InvalidInputException the document is not JSON, it names no subject although it holds
     *                               personal data, or a value already looks encrypted
     */
    public String encrypt(String json, EncryptionPolicy.Rule rule, String scope, String field) {
        Object tree = JsonTree.parse(json, field);
        refuseCiphertext(tree, field);
        List<Slot> slots = new ArrayList<>();
        for (EncryptionPolicy.FieldPath path : rule.fields()) collect(tree, path.segments(), 0, new StringBuilder(), slots);
        slots.removeIf(s -> s.value() == null);
        if (slots.isEmpty()) return json;
        String subject = subjectOf(tree, rule, field);
        if (subject == null) {
            throw new InvalidInputException(field + "." + rule.subject(), "'" + rule.name() + "' holds personal data but its"
                    + " subject field '" + rule.subject() + "' is missing or null");
        }
        DataKey key = keys.forEncryption(subject); // checks the subject id
        for (Slot s : slots) s.set(encryptValue(s.value(), key, scope, s.path()));
        return JsonTree.write(tree);
    }

    /**
     * Decrypts every encrypted value of a document (wherever it is, so values stay readable after
     * a field leaves the policy). {@code rule} names the subject; without one every value is masked.
     */
    public Decrypted decrypt(String json, EncryptionPolicy.Rule rule, String scope, String where, String field,
                             MaskListener listener) {
        Object tree = JsonTree.parse(json, field);
        String subject;
        try {
            subject = rule == null ? null : subjectOf(tree, rule, field);
        } catch (InvalidInputException e) {
            subject = null;
        }
        int[] counts = new int[2];
        Object result = walk(tree, new StringBuilder(), subject, scope, where, listener, counts);
        return new Decrypted(JsonTree.write(result), counts[0], counts[1]);
    }

    private Object walk(Object node, StringBuilder path, String subject, String scope, String where,
                        MaskListener listener, int[] counts) {
        switch (node) {
            case String s when s.startsWith(PREFIX) -> {
                return decryptValue(s, subject, scope, path.toString(), where, listener, counts);
            }
            case Map<?, ?> raw -> {
                @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) raw;
                int len = path.length();
                for (var e : m.entrySet()) {
                    appendKey(path, e.getKey());
                    e.setValue(walk(e.getValue(), path, subject, scope, where, listener, counts));
                    path.setLength(len);
                }
                return m;
            }
            case List<?> raw -> {
                @SuppressWarnings("unchecked") List<Object> l = (List<Object>) raw;
                int len = path.length();
                for (int i = 0; i < l.size(); i++) {
                    path.append('[').append(i).append(']');
                    l.set(i, walk(l.get(i), path, subject, scope, where, listener, counts));
                    path.setLength(len);
                }
                return l;
            }
            case null, default -> {
                return node;
            }
        }
    }

    private Object decryptValue(String text, String subject, String scope, String path, String where,
                                MaskListener listener, int[] counts) {
        String[] parts = text.split(":", -1);
        // facta : enc : 1 : keyId : kind : nonce : ciphertext
        char kind = parts.length == 7 && parts[4].length() == 1 ? parts[4].charAt(0) : 's';
        if (parts.length != 7 || !"1".equals(parts[2]) || "sonba".indexOf(kind) < 0) {
            return mask(Masked.Reason.TAMPERED, subject, where, path, kind, listener, counts);
        }
        if (subject == null) return mask(Masked.Reason.UNATTRIBUTED, null, where, path, kind, listener, counts);
        var key = keys.forDecryption(subject, parts[3]);
        if (key.isEmpty()) {
            return mask(keys.cachedKeyId(subject).isPresent() ? Masked.Reason.UNKNOWN_KEY : Masked.Reason.FORGOTTEN,
                    subject, where, path, kind, listener, counts);
        }
        byte[] plain;
        try {
            byte[] nonce = Base64.getUrlDecoder().decode(parts[5]);
            byte[] ct = Base64.getUrlDecoder().decode(parts[6]);
            if (nonce.length != NONCE) return mask(Masked.Reason.TAMPERED, subject, where, path, kind, listener, counts);
            Cipher c = CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, key.get().key(), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad(scope, subject, path, kind));
            plain = c.doFinal(ct);
        } catch (IllegalArgumentException | AEADBadTagException e) {
            return mask(Masked.Reason.TAMPERED, subject, where, path, kind, listener, counts);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e, e);
        }
        Object value;
        try {
            String s = new String(plain, StandardCharsets.UTF_8);
            value = switch (kind) {
                case 's' -> s;
                case 'b' -> Boolean.parseBoolean(s);
                default -> JsonTree.parse(s, "value"); // numbers, objects and arrays as JSON text
            };
        } catch (InvalidInputException e) {
            return mask(Masked.Reason.TAMPERED, subject, where, path, kind, listener, counts);
        }
        counts[0]++;
        return value;
    }

    private static Object mask(Masked.Reason reason, String subject, String where, String path, char kind,
                               MaskListener listener, int[] counts) {
        counts[1]++;
        listener.masked(new Masked(reason, subject, where, path));
        return kind == 's' ? MASK : null;
    }

    private String encryptValue(Object value, DataKey key, String scope, String path) {
        char kind;
        String plain;
        switch (value) {
            case String s -> {
                kind = 's';
                plain = s;
            }
            case JsonTree.Num n -> {
                kind = 'n';
                plain = n.text();
            }
            case Boolean b -> {
                kind = 'b';
                plain = b.toString();
            }
            case Map<?, ?> m -> {
                kind = 'o';
                plain = JsonTree.write(m);
            }
            case List<?> l -> {
                kind = 'a';
                plain = JsonTree.write(l);
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + value);
        }
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.ENCRYPT_MODE, key.key(), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad(scope, key.subject(), path, kind));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            return FORMAT + key.keyId() + ':' + kind + ':' + b64.encodeToString(nonce) + ':' + b64.encodeToString(ct);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e, e);
        }
    }

    private static byte[] aad(String scope, String subject, String path, char kind) {
        return ("facta:enc:1\u0000" + scope + "\u0000" + subject + "\u0000" + path + "\u0000" + kind)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void appendKey(StringBuilder path, String key) {
        if (!path.isEmpty()) path.append('.');
        Json.quote(key, path);
    }

    /** A place in the tree holding a value to encrypt, with its exact path. */
    private record Slot(Object container, Object slot, String path, Object value) {
        @SuppressWarnings("unchecked")
        void set(Object v) {
            if (container instanceof Map<?, ?> m) ((Map<String, Object>) m).put((String) slot, v);
            else ((List<Object>) container).set((Integer) slot, v);
        }
    }

    private static void collect(Object node, List<EncryptionPolicy.Segment> segs, int i, StringBuilder path, List<Slot> out) {
        if (!(node instanceof Map<?, ?> m)) return;
        EncryptionPolicy.Segment seg = segs.get(i);
        if (!m.containsKey(seg.key())) return;
        Object child = m.get(seg.key());
        int len = path.length();
        appendKey(path, seg.key());
        boolean last = i == segs.size() - 1;
        if (!seg.eachElement()) {
            if (last) out.add(new Slot(m, seg.key(), path.toString(), child));
            else collect(child, segs, i + 1, path, out);
        } else if (child instanceof List<?> list) {
            int base = path.length();
            for (int k = 0; k < list.size(); k++) {
                path.append('[').append(k).append(']');
                if (last) out.add(new Slot(list, k, path.toString(), list.get(k)));
                else collect(list.get(k), segs, i + 1, path, out);
                path.setLength(base);
            }
        }
        path.setLength(len);
    }

    /**
     * Refuses a document holding a string value that starts with {@value #PREFIX}: it would read as
     * an encrypted value of someone else.
     */
    static void refuseCiphertext(String json, String field) {
        refuseCiphertext(JsonTree.parse(json, field), field);
    }

    private static void refuseCiphertext(Object node, String field) {
        switch (node) {
            case String s when s.startsWith(PREFIX) -> throw new InvalidInputException(field,
                    field + " holds a value starting with '" + PREFIX + "', which marks encrypted values");
            case Map<?, ?> m -> {
                for (Object v : m.values()) refuseCiphertext(v, field);
            }
            case List<?> l -> {
                for (Object v : l) refuseCiphertext(v, field);
            }
            case null, default -> {
            }
        }
    }
}
