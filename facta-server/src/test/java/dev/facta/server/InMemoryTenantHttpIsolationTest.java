package dev.facta.server;

import dev.facta.tenancy.InMemoryMultiTenantStore;
import dev.facta.tenancy.MultiTenantStore;

/** The tenant-isolation contract of the HTTP API on in-memory tenants. */
class InMemoryTenantHttpIsolationTest extends TenantHttpIsolationContract {
    @Override
    MultiTenantStore newTenants() {
        return new InMemoryMultiTenantStore();
    }
}
