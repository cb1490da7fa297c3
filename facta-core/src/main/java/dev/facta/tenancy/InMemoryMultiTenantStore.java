package dev.facta.tenancy;

import dev.facta.aggregate.snapshot.InMemorySnapshotStore;
import dev.facta.command.InMemoryIdempotencyStore;
import dev.facta.crypto.InMemoryKeyStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.store.memory.InMemoryEventStore;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Tenants in memory, each with stores of its own: for tests and for trying multi-tenant code
 * before choosing a database. Nothing survives the process.
 */
public final class InMemoryMultiTenantStore extends AbstractMultiTenantStore {
    private final Set<String> provisioned = new ConcurrentSkipListSet<>();

    /** Tenants are provisioned on first use. */
    public InMemoryMultiTenantStore() {
        this(true);
    }

    public InMemoryMultiTenantStore(boolean provisionOnUse) {
        super(provisionOnUse);
    }

    @Override
    protected boolean exists(String tenant) {
        return provisioned.contains(tenant);
    }

    @Override
    protected void create(String tenant) {
        provisioned.add(tenant);
    }

    @Override
    protected Opened open(String tenant) {
        InMemoryEventStore events = new InMemoryEventStore();
        InMemoryIdempotencyStore idempotency = new InMemoryIdempotencyStore();
        TenantStore store = tenantStore(tenant, events, new InMemoryProjectionStore(), new InMemorySnapshotStore(),
                new InMemoryKeyStore(), codec -> idempotency);
        return new Opened(store, events::close);
    }

    @Override
    protected List<String> listTenants() {
        return List.copyOf(provisioned);
    }

    @Override
    protected void destroy(String tenant) {
        provisioned.remove(tenant);
    }

    @Override
    public String describe() {
        return "memory (a store per tenant, " + provisioned.size() + " tenants)";
    }
}
