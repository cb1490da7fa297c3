package dev.facta.server;

import io.javalin.http.Context;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The server's bearer-token check. A request is let in when it carries {@code Authorization: Bearer
 * <token>} or the session cookie that {@code POST /admin/login} sets for browsers. Tokens are compared
 * through their SHA-256 digests with {@link MessageDigest#isEqual}, so the time taken says nothing
 * about how much of a guess was right, nor about the token's length.
 *
 * <p>The cookie never holds the token: it holds its expiry and an HMAC-SHA256 of that expiry keyed
 * with the token, so it cannot be forged or extended without the token, and every cookie becomes
 * invalid when the server is started with another token.
 */
final class Auth {
    static final String COOKIE = "facta_session";
    static final Duration SESSION = Duration.ofHours(12);

    private final byte[] tokenDigest;
    private final SecretKeySpec key;

    /** {@code token} null or blank: no authentication. */
    Auth(String token) {
        if (token == null || token.isBlank()) {
            tokenDigest = null;
            key = null;
        } else {
            tokenDigest = sha256(token);
            key = new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        }
    }

    boolean required() {
        return tokenDigest != null;
    }

    /** Whether the presented token is the server's token. */
    boolean validToken(String presented) {
        return tokenDigest != null && presented != null && MessageDigest.isEqual(sha256(presented), tokenDigest);
    }

    /** Whether the request carries the token or a valid session cookie. */
    boolean authorized(Context ctx) {
        if (!required()) return true;
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return validToken(header.substring(7).trim());
        }
        return validSession(ctx.cookie(COOKIE), Instant.now());
    }

    /** A session cookie value that expires {@link #SESSION} after {@code now}. */
    String newSession(Instant now) {
        long expires = now.plus(SESSION).getEpochSecond();
        return expires + "." + mac(expires);
    }

    boolean validSession(String value, Instant now) {
        if (key == null || value == null) return false;
        int dot = value.indexOf('.');
        if (dot <= 0) return false;
        long expires;
        try {
            expires = Long.parseLong(value.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (expires <= now.getEpochSecond()) return false;
        byte[] expected = mac(expires).getBytes(StandardCharsets.US_ASCII);
        byte[] presented = value.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, presented);
    }

    /** The {@code Set-Cookie} header value that stores a session in the browser. */
    String sessionCookieHeader(Instant now) {
        return COOKIE + "=" + newSession(now) + "; Path=/; Max-Age=" + SESSION.toSeconds() + "; HttpOnly; SameSite=Strict";
    }

    /** The {@code Set-Cookie} header value that removes the session. */
    static String clearCookieHeader() {
        return COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
    }

    private String mac(long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] out = mac.doFinal(("facta-session\n" + expires).getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
