package dev.facta.server;

import io.javalin.http.Context;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The server's bearer-token check. A request is let in when it carries {@code Authorization: Bearer
 * <secret>} of a valid token or the session cookie that {@code POST /admin/login} sets for browsers;
 * it then acts as that token ({@link Caller}). Secrets are compared through their SHA-256 digests
 * with {@link MessageDigest#isEqual} against every token, so the time taken says nothing about how
 * much of a guess was right, nor about the secret's length.
 *
 * <p>The tokens come from {@code --auth-token} (one token with every right, id {@value #AUTH_TOKEN_ID})
 * and from an {@link AccessTokens} registry; both may be given.
 *
 * <p>The cookie never holds a secret: it holds its expiry, an HMAC-SHA256 of the token id and expiry
 * keyed with the token's secret digest, and the token id, so it cannot be forged or extended
 * without the secret, it stops working when the token is revoked, and every cookie of a token
 * becomes invalid when its secret changes.
 */
final class Auth {
    static final String COOKIE = "facta_session";
    static final Duration SESSION = Duration.ofHours(12);
    /** The id of the token given by {@code --auth-token}. */
    static final String AUTH_TOKEN_ID = "auth-token";

    private final List<AccessTokens> registries = new ArrayList<>();

    /** {@code token} null or blank and {@code tokens} null: no authentication. */
    Auth(String token, AccessTokens tokens) {
        if (token != null && !token.isBlank()) registries.add(AccessTokens.of(AccessToken.full(AUTH_TOKEN_ID, token)));
        if (tokens != null) registries.add(tokens);
    }

    Auth(String token) {
        this(token, null);
    }

    boolean required() {
        return !registries.isEmpty();
    }

    /** Calls the listener when any token changes (revoked, added, the file re-read); closing the handle stops it. */
    AutoCloseable onChange(Runnable listener) {
        List<AutoCloseable> handles = new ArrayList<>();
        for (AccessTokens r : registries) handles.add(r.onChange(listener));
        return () -> {
            for (AutoCloseable h : handles) h.close();
        };
    }

    /** The caller a presented secret stands for; empty when no valid token has it. */
    Optional<Caller> byToken(String presented) {
        Caller found = null;
        for (AccessTokens r : registries) {
            Optional<AccessToken> t = r.authenticate(presented);
            if (t.isPresent() && found == null) found = new Caller(r, t.get());
        }
        return Optional.ofNullable(found);
    }

    /**
     * The caller of the request: {@link Caller#OPEN} without authentication, else the token of its
     * bearer header or session cookie; empty when it carries neither valid one.
     */
    Optional<Caller> authenticate(Context ctx) {
        if (!required()) return Optional.of(Caller.OPEN);
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return byToken(header.substring(7).trim());
        }
        return validSession(ctx.cookie(COOKIE), Instant.now());
    }

    /** A session cookie value for the token that expires {@link #SESSION} after {@code now}. */
    String newSession(AccessToken token, Instant now) {
        long expires = now.plus(SESSION).getEpochSecond();
        return expires + "." + mac(token, expires) + "." + token.id();
    }

    Optional<Caller> validSession(String value, Instant now) {
        if (value == null) return Optional.empty();
        int dot = value.indexOf('.');
        int dot2 = dot < 0 ? -1 : value.indexOf('.', dot + 1);
        if (dot <= 0 || dot2 < 0) return Optional.empty();
        long expires;
        try {
            expires = Long.parseLong(value.substring(0, dot));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (expires <= now.getEpochSecond()) return Optional.empty();
        String id = value.substring(dot2 + 1);
        byte[] presented = value.substring(dot + 1, dot2).getBytes(StandardCharsets.US_ASCII);
        for (AccessTokens r : registries) {
            Optional<AccessToken> t = r.byId(id);
            if (t.isPresent() && MessageDigest.isEqual(mac(t.get(), expires).getBytes(StandardCharsets.US_ASCII), presented)) {
                return Optional.of(new Caller(r, t.get()));
            }
        }
        return Optional.empty();
    }

    /** The {@code Set-Cookie} header value that stores a session of the token in the browser. */
    String sessionCookieHeader(AccessToken token, Instant now) {
        return COOKIE + "=" + newSession(token, now) + "; Path=/; Max-Age=" + SESSION.toSeconds() + "; HttpOnly; SameSite=Strict";
    }

    /** The {@code Set-Cookie} header value that removes the session. */
    static String clearCookieHeader() {
        return COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
    }

    private static String mac(AccessToken token, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.digest(), "HmacSHA256"));
            byte[] out = mac.doFinal(("facta-session\n" + token.id() + "\n" + expires).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
