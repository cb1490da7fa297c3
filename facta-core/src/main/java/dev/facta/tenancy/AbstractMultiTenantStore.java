package dev.facta.tenancy;

import dev.facta.FactaException;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.ResultCodec;
import dev.facta.crypto.KeyStore;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The bookkeeping every strategy shares: one open {@link TenantStore} per tenant and process,
 * opened on first use, provisioning on use when allowed, listeners told about each tenant once,
 * and closing everything on close. A strategy says how a tenant's storage is created, found,
 * opened and destroyed.
 */
public abstract class AbstractMultiTenantStore implements MultiTenantStore {
    private final boolean provisionOnUse;
    private final Map<String, Opened> open = new ConcurrentHashMap<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final Object lifecycle = new Object();
    private volatile boolean closed;

    protected AbstractMultiTenantStore(boolean provisionOnUse) {
        this.provisionOnUse = provisionOnUse;
    }

    /** Whether the tenant's storage exists. */
    protected abstract boolean exists(String tenant);

    /** Creates the tenant's storage; called only when {@link #exists} said no, under a lock of this instance (other processes may race: be idempotent). */
    protected abstract void create(String tenant);

    /** Opens the stores of an existing tenant. */
    protected abstract Opened open(String tenant);

    /** Every tenant whose storage exists, in id order. */
    protected abstract List<String> listTenants();

    /** Deletes the tenant's storage, whose stores are closed already. */
    protected abstract void destroy(String tenant);

    @Override
    public final TenantStore forTenant(String tenant) {
        return obtain(tenant, provisionOnUse);
    }

    @Override
    public final void provision(String tenant) {
        obtain(tenant, true);
    }

    /** The tenant's open stores, opening them (and creating the tenant when allowed) on first use. */
    private TenantStore obtain(String tenant, boolean mayCreate) {
        Tenants.require(tenant);
        Opened o = open.get(tenant);
        if (o != null) return o.store();
        synchronized (lifecycle) {
            checkOpen();
            o = open.get(tenant);
            if (o != null) return o.store();
            if (!exists(tenant)) {
                if (!mayCreate) throw new UnknownTenantException(tenant);
                create(tenant);
            }
            o = Objects.requireNonNull(open(tenant), "open");
            open.put(tenant, o);
        }
        tell(tenant);
        return o.store();
    }

    @Override
    public final List<String> tenants() {
        return listTenants();
    }

    @Override
    public final boolean drop(String tenant) {
        Tenants.require(tenant);
        synchronized (lifecycle) {
            checkOpen();
            Opened o = open.remove(tenant);
            if (o != null) closeQuietly(o);
            if (!exists(tenant)) return false;
            destroy(tenant);
            return true;
        }
    }

    @Override
    public final AutoCloseable onTenant(Consumer<String> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        for (String t : new ArrayList<>(open.keySet())) listener.accept(t);
        return () -> listeners.remove(listener);
    }

    private void tell(String tenant) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(tenant);
            } catch (RuntimeException e) {
                System.getLogger(MultiTenantStore.class.getName()).log(System.Logger.Level.WARNING,
                        "a tenant listener failed for tenant " + tenant, e);
            }
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the multi-tenant store is closed");
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) return;
            closed = true;
            for (Opened o : open.values()) closeQuietly(o);
            open.clear();
            listeners.clear();
        }
        closeShared();
    }

    /** Closes what the strategy shares between tenants (a pool, say); called once, after every tenant's stores. */
    protected void closeShared() {
    }

    private static void closeQuietly(Opened o) {
        try {
            o.closer().close();
        } catch (Exception e) {
            System.getLogger(MultiTenantStore.class.getName()).log(System.Logger.Level.WARNING,
                    "closing the stores of tenant " + o.store().tenant() + " failed", e);
        }
    }

    /** One tenant's open stores and how to close them. */
    public record Opened(TenantStore store, AutoCloseable closer) {
    }

    /**
     * A tenant store from its parts; {@code idempotency} makes an idempotency store for a codec.
     */
    protected static TenantStore tenantStore(String tenant, EventStore events, ProjectionStore projections,
                                             SnapshotStore snapshots, KeyStore keys,
                                             Function<ResultCodec, IdempotencyStore> idempotency) {
        return new Parts(tenant, events, projections, snapshots, keys, idempotency);
    }

    private record Parts(String tenant, EventStore events, ProjectionStore projections, SnapshotStore snapshots,
                         KeyStore keys, Function<ResultCodec, IdempotencyStore> idempotencyFactory) implements TenantStore {
        @Override
        public IdempotencyStore idempotency(ResultCodec codec) {
            return idempotencyFactory.apply(Objects.requireNonNull(codec, "codec"));
        }

        @Override
        public String toString() {
            return "tenant " + tenant + " (" + events.describe() + ")";
        }
    }

    /** Wraps a failure to reach a tenant's storage. */
    protected static FactaException failure(String what, String tenant, Exception cause) {
        return new FactaException(what + " for tenant " + tenant + " failed: " + cause.getMessage(), cause);
    }
}
