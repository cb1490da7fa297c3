package dev.facta.tenancy;

class InMemoryTenantIsolationTest extends TenantIsolationContract {
    @Override
    protected MultiTenantStore newMultiTenantStore() {
        return new InMemoryMultiTenantStore();
    }
}
