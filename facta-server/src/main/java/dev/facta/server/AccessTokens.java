package dev.facta.server;

import dev.facta.InvalidInputException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server's tokens, changeable while it runs: tokens given through this API ({@link #put}) and
 * tokens read from a JSON file ({@link #fromFile}), which is read again when it changes (with
 * {@link #watch}) or when {@link #reload()} is called. A token given through the API replaces a
 * file token of the same id.
 *
 * <p>{@link #revoke} takes effect at once: the next request with the token is refused, and the
 * server ends open subscriptions of it right away (it listens through {@link #onChange}). A revoked
 * id stays refused, also when the file still lists it, until a token of that id is {@link #put}
 * again. Removing a token from the file, or narrowing its rights there, takes effect when the file
 * is read again.
 *
 * <p>The file: {@code {"tokens": [{"id", "secret" | "secretSha256", "tenants": ["acme"] | "*",
 * "admin": bool, "grants": [{"streams": "order-" | ["a-", "b-"] | "*", "categories": ["payment"],
 * "rights": ["read", "write"]}]}]}} (see docs/access-control.md). A file with any error is refused
 * whole: at start by an {@link InvalidInputException}, on a change by keeping the tokens read
 * before (and logging the error).
 *
 * <p>Safe for use by many threads.
 */
public final class AccessTokens implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AccessTokens.class.getName());
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final int MIN_SECRET_LENGTH = 16;
    private static final Set<String> TOKEN_FIELDS = Set.of("id", "secret", "secretSha256", "tenants", "admin", "grants");
    private static final Set<String> GRANT_FIELDS = Set.of("streams", "categories", "rights");

    private final Path file;
    private final Object lock = new Object();
    private final Object reloading = new Object();
    private final Map<String, AccessToken> fromApi = new LinkedHashMap<>();
    private final Set<String> revoked = new LinkedHashSet<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Map<Thread, Boolean> watchers = new ConcurrentHashMap<>();
    private Map<String, AccessToken> fromFile = Map.of();
    private byte[] fileDigest;
    private volatile Map<String, AccessToken> current = Map.of();
    private volatile AccessToken[] all = new AccessToken[0];
    private volatile boolean closed;

    private AccessTokens(Path file) {
        this.file = file;
    }

    /** A registry holding these tokens. */
    public static AccessTokens of(AccessToken... tokens) {
        AccessTokens r = new AccessTokens(null);
        for (AccessToken t : tokens) r.put(t);
        return r;
    }

    /**
     * A registry holding the tokens of the file, read now.
     *
     * @throws InvalidInputException the file is missing, not JSON, or a token in it is malformed
     */
    public static AccessTokens fromFile(Path file) {
        AccessTokens r = new AccessTokens(Objects.requireNonNull(file, "file"));
        r.reload();
        return r;
    }

    /**
     * Reads the file again every {@code interval} and applies it when its content changed; the
     * watching stops with {@link #close()}. Returns this registry.
     */
    public AccessTokens watch(Duration interval) {
        if (file == null) throw new IllegalStateException("this registry has no token file to watch");
        if (interval == null || interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
        Thread t = Thread.ofPlatform().daemon().name("facta-token-file-watch").unstarted(() -> {
            while (!closed) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    reload();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "the token file " + file + " was not applied; the tokens read before stay: "
                            + e.getMessage());
                }
            }
        });
        watchers.put(t, Boolean.TRUE);
        t.start();
        return this;
    }

    /**
     * Reads the token file again and applies it when its content changed (a registry without a file
     * does nothing).
     *
     * @throws InvalidInputException the file cannot be read or is malformed; the tokens stay as they were
     */
    public void reload() {
        if (file == null) return;
        synchronized (reloading) { // one reload at a time, so an older read never replaces a newer one
            reloadFile();
        }
    }

    private void reloadFile() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("tokens", "the token file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidInputException("tokens", "the token file " + file + " cannot be read: " + e.getMessage());
        }
        byte[] digest = AccessToken.sha256(new String(content, java.nio.charset.StandardCharsets.ISO_8859_1));
        synchronized (lock) {
            if (fileDigest != null && MessageDigest.isEqual(fileDigest, digest)) return;
        }
        Map<String, AccessToken> parsed = parse(content, file.toString());
        synchronized (lock) {
            fromFile = parsed;
            fileDigest = digest;
            publish();
        }
    }

    /** Adds the token, or replaces the one of the same id (ending the revocation of that id). */
    public void put(AccessToken token) {
        Objects.requireNonNull(token, "token");
        synchronized (lock) {
            revoked.remove(token.id());
            fromApi.put(token.id(), token);
            publish();
        }
    }

    /**
     * Revokes the token: new requests with it are refused and its open subscriptions end at once.
     * The id stays refused, also when the token file lists it, until a token of that id is
     * {@link #put} again. Returns whether a token of that id was valid.
     */
    public boolean revoke(String id) {
        AccessToken.checkId(id);
        synchronized (lock) {
            boolean was = current.containsKey(id);
            fromApi.remove(id);
            revoked.add(id);
            publish();
            return was;
        }
    }

    /** The ids of the valid tokens, in order. */
    public Set<String> ids() {
        return new TreeSet<>(current.keySet());
    }

    /** The valid token of that id. */
    public Optional<AccessToken> byId(String id) {
        return Optional.ofNullable(current.get(id));
    }

    /** Whether there is no valid token (then every request is refused by a server that uses this registry). */
    public boolean isEmpty() {
        return current.isEmpty();
    }

    /**
     * The token whose secret was presented. Every token's digest is compared, each in constant time,
     * and the search never stops early, so the time taken says nothing about which secret came close.
     */
    public Optional<AccessToken> authenticate(String presentedSecret) {
        if (presentedSecret == null || presentedSecret.isEmpty()) return Optional.empty();
        byte[] presented = AccessToken.sha256(presentedSecret);
        AccessToken found = null;
        for (AccessToken t : all) {
            if (t.matches(presented) && found == null) found = t;
        }
        return Optional.ofNullable(found);
    }

    /** The current version of the token: the valid token of its id with the same secret, or empty when it was revoked. */
    Optional<AccessToken> current(AccessToken token) {
        AccessToken now = current.get(token.id());
        return now != null && (now == token || now.sameSecret(token)) ? Optional.of(now) : Optional.empty();
    }

    /** Calls the listener after every change of the tokens; closing the handle stops it. */
    public AutoCloseable onChange(Runnable listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(listener);
    }

    /** Stops watching the file. */
    @Override
    public void close() {
        closed = true;
        for (Iterator<Thread> it = watchers.keySet().iterator(); it.hasNext(); ) {
            it.next().interrupt();
            it.remove();
        }
    }

    private void publish() {
        Map<String, AccessToken> merged = new LinkedHashMap<>(fromFile);
        merged.putAll(fromApi);
        merged.keySet().removeAll(revoked);
        current = Map.copyOf(merged);
        all = merged.values().toArray(AccessToken[]::new);
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a token change listener failed", e);
            }
        }
    }

    // ------------------------------------------------------------------ the file

    /** Parses a token file's content; any error refuses the whole file. */
    static Map<String, AccessToken> parse(byte[] content, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JacksonException e) {
            throw bad(source, "is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode list = root != null && root.isObject() && root.size() == 1 ? root.get("tokens") : root != null && root.isArray() ? root : null;
        if (list == null || !list.isArray()) throw bad(source, "must be {\"tokens\": [...]}");
        Map<String, AccessToken> tokens = new LinkedHashMap<>();
        Set<byte[]> secrets = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            AccessToken t;
            try {
                t = token(list.get(i));
            } catch (InvalidInputException e) {
                throw bad(source, "token #" + (i + 1) + ": " + e.getMessage());
            }
            if (tokens.containsKey(t.id())) throw bad(source, "token id '" + t.id() + "' appears twice");
            byte[] d = t.digest();
            for (byte[] other : secrets) {
                if (Arrays.equals(other, d)) throw bad(source, "token '" + t.id() + "' has the secret of another token");
            }
            secrets.add(d);
            tokens.put(t.id(), t);
        }
        return tokens;
    }

    private static AccessToken token(JsonNode n) {
        if (n == null || !n.isObject()) throw new InvalidInputException("tokens", "a token is a JSON object");
        unknownFields(n, TOKEN_FIELDS, "token");
        AccessToken.Builder b = AccessToken.builder(text(n, "id"));
        boolean hasSecret = n.has("secret");
        if (hasSecret == n.has("secretSha256")) throw new InvalidInputException("secret", "a token has either \"secret\" or \"secretSha256\"");
        if (hasSecret) {
            String secret = text(n, "secret");
            if (secret.length() < MIN_SECRET_LENGTH) {
                throw new InvalidInputException("secret", "a secret is at least " + MIN_SECRET_LENGTH + " characters");
            }
            b.secret(secret);
        } else {
            b.secretSha256(text(n, "secretSha256"));
        }
        JsonNode tenants = n.get("tenants");
        if (tenants != null) {
            if (tenants.isString() && "*".equals(tenants.stringValue())) b.allTenants();
            else for (String t : strings(tenants, "tenants")) b.tenants(t);
        }
        JsonNode admin = n.get("admin");
        if (admin != null) {
            if (!admin.isBoolean()) throw new InvalidInputException("admin", "admin is true or false");
            b.admin(admin.booleanValue());
        }
        JsonNode grants = n.get("grants");
        if (grants != null) {
            if (!grants.isArray()) throw new InvalidInputException("grants", "grants is an array");
            for (JsonNode g : grants) b.grant(grant(g));
        }
        return b.build();
    }

    private static AccessToken.Grant grant(JsonNode g) {
        if (!g.isObject()) throw new InvalidInputException("grants", "a grant is a JSON object");
        unknownFields(g, GRANT_FIELDS, "grant");
        List<String> prefixes = new ArrayList<>();
        if (g.has("streams")) {
            for (String p : strings(g.get("streams"), "streams")) {
                if (p.isEmpty()) throw new InvalidInputException("streams", "a stream prefix is not empty; \"*\" means every stream");
                prefixes.add("*".equals(p) ? "" : p);
            }
        }
        Set<String> categories = g.has("categories") ? new LinkedHashSet<>(strings(g.get("categories"), "categories")) : Set.of();
        Set<AccessToken.Right> rights = new LinkedHashSet<>();
        for (String r : strings(g.get("rights"), "rights")) {
            rights.add(switch (r) {
                case "read" -> AccessToken.Right.READ;
                case "write" -> AccessToken.Right.WRITE;
                default -> throw new InvalidInputException("rights", "a right is \"read\" or \"write\", got \"" + r + "\"");
            });
        }
        return new AccessToken.Grant(prefixes, categories, rights);
    }

    private static void unknownFields(JsonNode n, Set<String> known, String what) {
        for (String name : n.propertyNames()) {
            if (!known.contains(name)) throw new InvalidInputException(name, "unknown " + what + " field \"" + name + "\"; known: " + new TreeSet<>(known));
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isString()) throw new InvalidInputException(field, "\"" + field + "\" must be a string");
        return v.stringValue();
    }

    /** A string or an array of strings. */
    private static List<String> strings(JsonNode v, String field) {
        List<String> out = new ArrayList<>();
        if (v != null && v.isString()) {
            out.add(v.stringValue());
        } else if (v != null && v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isString()) throw new InvalidInputException(field, "\"" + field + "\" holds strings only");
                out.add(e.stringValue());
            }
        } else {
            throw new InvalidInputException(field, "\"" + field + "\" must be a string or an array of strings");
        }
        if (out.isEmpty()) throw new InvalidInputException(field, "\"" + field + "\" must not be empty");
        return out;
    }

    private static InvalidInputException bad(String source, String message) {
        return new InvalidInputException("tokens", "the token file " + source + " " + message);
    }
}
