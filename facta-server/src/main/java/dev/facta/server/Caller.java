package dev.facta.server;

import java.util.Optional;

/**
 * Who sent a request: nobody in particular on a server without tokens (every right), else the token
 * it authenticated with. Its rights are looked up in the registry on every check, so revoking or
 * changing the token applies at once, also to what the request is still doing.
 */
final class Caller {
    static final Caller OPEN = new Caller(null, null);

    private final AccessTokens registry;
    private final AccessToken token;

    Caller(AccessTokens registry, AccessToken token) {
        this.registry = registry;
        this.token = token;
    }

    /** The token it authenticated with, or null on a server without tokens. */
    AccessToken token() {
        return token;
    }

    /** The token's id, or null on a server without tokens. */
    String tokenId() {
        return token == null ? null : token.id();
    }

    /** The token as it is now; empty when it was revoked (always present for {@link #OPEN}). */
    private Optional<AccessToken> now() {
        return token == null ? Optional.empty() : registry.current(token);
    }

    boolean open() {
        return token == null;
    }

    boolean revoked() {
        return token != null && now().isEmpty();
    }

    boolean admin() {
        return token == null || now().map(AccessToken::admin).orElse(false);
    }

    boolean allowsTenant(String tenant) {
        return token == null || now().map(t -> t.allowsTenant(tenant)).orElse(false);
    }

    boolean allTenants() {
        return token == null || now().map(AccessToken::allTenants).orElse(false);
    }

    /** The one tenant the token is bound to, if it is bound to exactly one. */
    Optional<String> onlyTenant() {
        return now().filter(t -> !t.allTenants() && t.tenants().size() == 1).map(t -> t.tenants().iterator().next());
    }

    /**
     * Whether the caller may still read from the tenant (null: the single store) at all: the test
     * that keeps a live subscription open.
     */
    boolean readsIn(String tenant) {
        return token == null || now().map(t -> (tenant == null || t.allowsTenant(tenant)) && t.readsAnything()).orElse(false);
    }

    /** The caller's rights on the streams of a tenant (null: the single store). */
    Access in(String tenant) {
        if (token == null) return Access.ALL;
        return new Access() {
            private Optional<AccessToken> usable() {
                return now().filter(t -> tenant == null || t.allowsTenant(tenant));
            }

            @Override
            public boolean canRead(String stream) {
                return usable().map(t -> t.canRead(stream)).orElse(false);
            }

            @Override
            public boolean canWrite(String stream) {
                return usable().map(t -> t.canWrite(stream)).orElse(false);
            }

            @Override
            public boolean readsEverything() {
                return usable().map(AccessToken::readsEverything).orElse(false);
            }

            @Override
            public boolean writesEverything() {
                return usable().map(AccessToken::writesEverything).orElse(false);
            }

            @Override
            public boolean readsCategory(String category) {
                return usable().map(t -> t.readsCategory(category)).orElse(false);
            }

            @Override
            public boolean writesCategory(String category) {
                return usable().map(t -> t.writesCategory(category)).orElse(false);
            }

            @Override
            public String toString() {
                return "the rights of token " + token.id() + (tenant == null ? "" : " in tenant " + tenant);
            }
        };
    }
}
