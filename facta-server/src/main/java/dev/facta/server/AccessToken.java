package dev.facta.server;

import dev.facta.InvalidInputException;
import dev.facta.store.StreamId;
import dev.facta.tenancy.Tenants;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A bearer token of the server and what it may do: which tenants it works for (a set, or all),
 * which streams it may read and write ({@link Grant}s by stream-name prefix or by category), and
 * whether it may use the admin API. Only the SHA-256 digest of the secret is kept; a presented
 * secret is compared with it in constant time.
 *
 * <p>A token without grants can do nothing but authenticate. Immutable; tokens live in an
 * {@link AccessTokens} registry, from which they can be revoked.
 */
public final class AccessToken {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");

    /** What a grant allows on the streams it covers. */
    public enum Right { READ, WRITE }

    /**
     * Rights on the streams whose name starts with one of {@code streamPrefixes} ({@code ""} covers
     * every stream) or whose category (the part before the first {@code -}) is one of
     * {@code categories}.
     */
    public record Grant(List<String> streamPrefixes, Set<String> categories, Set<Right> rights) {
        public Grant {
            streamPrefixes = List.copyOf(streamPrefixes);
            categories = Set.copyOf(categories);
            rights = rights.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(rights));
            if (streamPrefixes.isEmpty() && categories.isEmpty()) {
                throw new InvalidInputException("grants", "a grant names streams (a prefix, or \"*\" for all) or categories");
            }
            if (rights.isEmpty()) throw new InvalidInputException("grants", "a grant gives read, write or both");
            for (String c : categories) {
                if (c == null || c.isEmpty() || c.contains("-")) {
                    throw new InvalidInputException("grants", "a category is a non-empty name without '-', got '" + c + "'");
                }
            }
        }

        /** Rights on every stream. */
        public static Grant everything(Right... rights) {
            return new Grant(List.of(""), Set.of(), Set.of(rights));
        }

        /** Rights on the streams whose name starts with the prefix. */
        public static Grant streams(String prefix, Right... rights) {
            return new Grant(List.of(prefix), Set.of(), Set.of(rights));
        }

        /** Rights on the streams of the categories. */
        public static Grant categories(Set<String> categories, Right... rights) {
            return new Grant(List.of(), categories, Set.of(rights));
        }

        /** Whether the grant covers the stream. */
        public boolean covers(String stream) {
            for (String p : streamPrefixes) {
                if (stream.startsWith(p)) return true;
            }
            return !categories.isEmpty() && categories.contains(StreamId.categoryOf(stream));
        }

        boolean coversEverything() {
            return streamPrefixes.contains("");
        }

        /**
         * Whether the grant covers every stream of the category that commands and queries name: the
         * category itself, or a prefix that every {@code <category>-...} stream name starts with.
         */
        public boolean coversCategory(String category) {
            if (categories.contains(category)) return true;
            String streams = category + "-";
            for (String p : streamPrefixes) {
                if (streams.startsWith(p)) return true;
            }
            return false;
        }
    }

    private final String id;
    private final byte[] digest;
    private final Set<String> tenants; // null: every tenant
    private final List<Grant> grants;
    private final boolean admin;

    private AccessToken(Builder b) {
        this.id = b.id;
        this.digest = Objects.requireNonNull(b.digest, "a token needs a secret");
        this.tenants = b.allTenants ? null : Set.copyOf(b.tenants);
        this.grants = List.copyOf(b.grants);
        this.admin = b.admin;
    }

    /**
     * Starts a token; its id names it in the registry, logs and revocations (1-64 characters of
     * letters, digits, {@code _ - .}) and is no secret.
     */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** A token with every right: all tenants, read and write on every stream, and the admin API. */
    public static AccessToken full(String id, String secret) {
        return builder(id).secret(secret).allTenants().grant(Grant.everything(Right.READ, Right.WRITE)).admin(true).build();
    }

    public String id() {
        return id;
    }

    /** The tenants it may work for; empty when {@link #allTenants()}. */
    public Set<String> tenants() {
        return tenants == null ? Set.of() : tenants;
    }

    public boolean allTenants() {
        return tenants == null;
    }

    public List<Grant> grants() {
        return grants;
    }

    /** Whether it may use the admin API ({@code /admin/api/...}) and {@code /metrics}. */
    public boolean admin() {
        return admin;
    }

    /** Whether it may work for the tenant. */
    public boolean allowsTenant(String tenant) {
        return tenants == null || tenants.contains(tenant);
    }

    public boolean canRead(String stream) {
        return allows(stream, Right.READ);
    }

    public boolean canWrite(String stream) {
        return allows(stream, Right.WRITE);
    }

    private boolean allows(String stream, Right right) {
        for (Grant g : grants) {
            if (g.rights().contains(right) && g.covers(stream)) return true;
        }
        return false;
    }

    /** Whether it may read every stream (and so what is derived from all of them, such as read models). */
    public boolean readsEverything() {
        for (Grant g : grants) {
            if (g.rights().contains(Right.READ) && g.coversEverything()) return true;
        }
        return false;
    }

    /** Whether it may write every stream (what a command registered without categories needs). */
    public boolean writesEverything() {
        for (Grant g : grants) {
            if (g.rights().contains(Right.WRITE) && g.coversEverything()) return true;
        }
        return false;
    }

    /** Whether it may read every {@code <category>-...} stream (see {@link Grant#coversCategory}). */
    public boolean readsCategory(String category) {
        return allowsCategory(category, Right.READ);
    }

    /** Whether it may write every {@code <category>-...} stream (see {@link Grant#coversCategory}). */
    public boolean writesCategory(String category) {
        return allowsCategory(category, Right.WRITE);
    }

    private boolean allowsCategory(String category, Right right) {
        for (Grant g : grants) {
            if (g.rights().contains(right) && g.coversCategory(category)) return true;
        }
        return false;
    }

    /** Whether it may read any stream at all. */
    public boolean readsAnything() {
        for (Grant g : grants) {
            if (g.rights().contains(Right.READ)) return true;
        }
        return false;
    }

    /** Whether the presented secret's digest is this token's, compared in constant time. */
    boolean matches(byte[] presentedDigest) {
        return MessageDigest.isEqual(digest, presentedDigest);
    }

    /** Whether both have the same secret (the same token, perhaps with other rights). */
    boolean sameSecret(AccessToken other) {
        return MessageDigest.isEqual(digest, other.digest);
    }

    /** The digest, as key material for the session cookies of this token. */
    byte[] digest() {
        return digest.clone();
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidInputException("id", "a token id is 1-64 characters of letters, digits, '_', '-' and '.', not starting"
                    + " with '.'; got " + (id == null ? "none" : "'" + (id.length() > 70 ? id.substring(0, 70) + "..." : id) + "'"));
        }
        return id;
    }

    @Override
    public String toString() {
        return "token " + id + " (tenants " + (tenants == null ? "*" : tenants) + ", " + grants.size() + " grants"
                + (admin ? ", admin" : "") + ")";
    }

    /** Builds an {@link AccessToken}; a secret is required. */
    public static final class Builder {
        private final String id;
        private byte[] digest;
        private final Set<String> tenants = new LinkedHashSet<>();
        private boolean allTenants;
        private final List<Grant> grants = new ArrayList<>();
        private boolean admin;

        private Builder(String id) {
            this.id = checkId(id);
        }

        /** The secret the caller sends as {@code Authorization: Bearer <secret>}; only its digest is kept. */
        public Builder secret(String secret) {
            if (secret == null || secret.isBlank()) throw new InvalidInputException("secret", "token " + id + " needs a non-blank secret");
            this.digest = sha256(secret);
            return this;
        }

        /** The SHA-256 of the secret as 64 hex digits, so that a token file need not hold the secret itself. */
        public Builder secretSha256(String hex) {
            if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
                throw new InvalidInputException("secretSha256", "token " + id + ": secretSha256 is 64 hex digits");
            }
            this.digest = HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT));
            return this;
        }

        /** Tenants it may work for (adds to earlier ones). */
        public Builder tenants(String... ids) {
            for (String t : ids) tenants.add(Tenants.require(t));
            return this;
        }

        /** It may work for every tenant. */
        public Builder allTenants() {
            this.allTenants = true;
            return this;
        }

        public Builder grant(Grant grant) {
            grants.add(Objects.requireNonNull(grant, "grant"));
            return this;
        }

        public Builder admin(boolean admin) {
            this.admin = admin;
            return this;
        }

        public AccessToken build() {
            if (digest == null) throw new InvalidInputException("secret", "token " + id + " needs a secret");
            return new AccessToken(this);
        }
    }
}
