package dev.facta.tenancy;

import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The tenant the current thread works for. Command handlers, projections, HTTP requests and the
 * tenant-routing stores read it; {@link dev.facta.command.TenantMiddleware} sets it from the
 * command's metadata, the server from the caller's token. Scopes nest and always restore the
 * outer tenant, also when the work throws.
 */
public final class TenantContext {
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private TenantContext() {
    }

    /** The tenant of this thread, if any. */
    public static Optional<String> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * The tenant of this thread.
     *
     * @throws MissingTenantException outside any tenant scope
     */
    public static String require(String operation) {
        String t = CURRENT.get();
        if (t == null) throw new MissingTenantException(operation);
        return t;
    }

    /** Runs the work as the tenant. */
    public static void run(String tenant, Runnable work) {
        try (Scope ignored = open(tenant)) {
            work.run();
        }
    }

    /** Calls the work as the tenant and returns its result; checked exceptions pass through unchanged. */
    public static <T> T call(String tenant, Callable<T> work) throws Exception {
        try (Scope ignored = open(tenant)) {
            return work.call();
        }
    }

    /**
     * Enters the tenant's scope until the returned scope is closed.
     *
     * @throws dev.facta.InvalidInputException the id is not a legal tenant id
     */
    public static Scope open(String tenant) {
        Tenants.require(tenant);
        String outer = CURRENT.get();
        CURRENT.set(tenant);
        return new Scope(outer);
    }

    /** A tenant scope; closing it restores the tenant that was current when it was opened. */
    public static final class Scope implements AutoCloseable {
        private final String outer;
        private boolean closed;

        private Scope(String outer) {
            this.outer = outer;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            if (outer == null) CURRENT.remove();
            else CURRENT.set(outer);
        }
    }
}
