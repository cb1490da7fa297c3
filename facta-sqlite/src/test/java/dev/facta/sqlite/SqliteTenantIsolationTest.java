package dev.facta.sqlite;

import dev.facta.tenancy.MultiTenantStore;
import dev.facta.tenancy.TenantIsolationContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The isolation contract on a SQLite file per tenant. */
class SqliteTenantIsolationTest extends TenantIsolationContract {
    @TempDir
    Path dir;

    @Override
    protected MultiTenantStore newMultiTenantStore() {
        return SqliteMultiTenantStore.open(dir.resolve("tenants"));
    }

    @Test
    void each_tenant_is_one_file_and_dropping_it_deletes_the_file() {
        SqliteMultiTenantStore store = (SqliteMultiTenantStore) tenants;
        store.forTenant(A);
        store.forTenant(B);
        assertThat(store.fileOf(A)).exists();
        assertThat(store.fileOf(B)).exists();
        store.drop(A);
        assertThat(Files.exists(store.fileOf(A))).isFalse();
        assertThat(store.fileOf(B)).exists();
    }
}
