package dev.facta.outbox;

import dev.facta.InvalidInputException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The signature of Facta webhooks: HMAC-SHA256 with a shared secret over the timestamp, a dot and the
 * body ({@code <unix seconds>.<body bytes>}), sent as {@value #SIGNATURE_HEADER}{@code : v1=<hex>}
 * beside {@value #TIMESTAMP_HEADER}{@code : <unix seconds>}. Signing the timestamp with the body lets a
 * receiver refuse replays of old requests ({@link #verify} with a tolerance).
 */
public final class WebhookSignature {
    public static final String TIMESTAMP_HEADER = "Facta-Timestamp";
    public static final String SIGNATURE_HEADER = "Facta-Signature";
    private static final String SCHEME = "v1=";
    private static final int MIN_SECRET_BYTES = 16;

    private WebhookSignature() {
    }

    /** Checks a shared secret: at least 16 bytes. */
    static byte[] checkSecret(byte[] secret) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new InvalidInputException("secret", "a webhook secret is at least " + MIN_SECRET_BYTES + " bytes");
        }
        return secret.clone();
    }

    /** The signature header value for a body sent at {@code timestampSeconds}. */
    public static String sign(byte[] secret, long timestampSeconds, byte[] body) {
        return SCHEME + HexFormat.of().formatHex(mac(secret, timestampSeconds, body));
    }

    /**
     * Whether the headers carry a valid signature of the body by one of the secrets (several while a
     * secret is being rotated), made no further than {@code tolerance} from {@code now}. Compares in
     * constant time.
     */
    public static boolean verify(List<byte[]> secrets, String timestampHeader, String signatureHeader, byte[] body,
                                 Instant now, Duration tolerance) {
        Objects.requireNonNull(body, "body");
        if (timestampHeader == null || signatureHeader == null) return false;
        long ts;
        try {
            ts = Long.parseLong(timestampHeader.trim());
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(now.getEpochSecond() - ts) > tolerance.toSeconds()) return false;
        for (String part : signatureHeader.split(",")) {
            String p = part.trim();
            if (!p.startsWith(SCHEME)) continue;
            byte[] given;
            try {
                given = HexFormat.of().parseHex(p.substring(SCHEME.length()));
            } catch (IllegalArgumentException e) {
                continue;
            }
            for (byte[] secret : secrets) {
                if (MessageDigest.isEqual(given, mac(secret, ts, body))) return true;
            }
        }
        return false;
    }

    private static byte[] mac(byte[] secret, long ts, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((ts + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
