package dev.facta.tenancy;

import dev.facta.store.EventStore;

import java.util.List;
import java.util.function.Consumer;

/**
 * The stores of many tenants, kept apart by one of the strategies of the implementation (on
 * PostgreSQL: shared tables under row-level security, a schema per tenant or a database per
 * tenant; in memory and on SQLite: a separate store per tenant). The same stream id in two
 * tenants names two unrelated streams; no read, count, subscription, projection or query of
 * one tenant ever returns anything of another.
 *
 * <p>Safe for use by many threads. Closing it closes every tenant's stores.
 */
public interface MultiTenantStore extends AutoCloseable {

    /**
     * The tenant's stores, provisioning the tenant on first use (unless the implementation was
     * told to refuse unknown tenants). The same instance is returned on every call.
     *
     * @throws dev.facta.InvalidInputException the id is not a legal tenant id
     * @throws UnknownTenantException        the tenant is unknown and provisioning on use is off
     */
    TenantStore forTenant(String tenant);

    /** The stores of the tenant of the current {@link TenantContext}. */
    default TenantStore current(String operation) {
        return forTenant(TenantContext.require(operation));
    }

    /** Creates the tenant's storage if it does not exist yet; idempotent. */
    void provision(String tenant);

    /** Every provisioned tenant, in id order. */
    List<String> tenants();

    /**
     * Deletes the tenant and everything stored for it (its events, read models, checkpoints, keys
     * ...). Irreversible. Returns false when the tenant did not exist.
     */
    boolean drop(String tenant);

    /**
     * Tells the listener about every tenant provisioned from now on (in this process), and at once
     * about each existing one, so per-tenant workers such as projection engines start for new
     * tenants. Closing the handle stops it.
     */
    AutoCloseable onTenant(Consumer<String> listener);

    /**
     * An event store that hands each call to the store of the tenant current on the calling thread
     * ({@link TenantContext}); outside a tenant every call fails with {@link MissingTenantException}
     * before touching any tenant's data. Closing it closes nothing.
     */
    default EventStore routing() {
        return new TenantRoutingEventStore(this);
    }

    /** The strategy and location, for diagnostics; never credentials. */
    String describe();

    @Override
    void close();
}
