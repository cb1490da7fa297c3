package dev.facta.server;

import dev.facta.sqlite.SqliteMultiTenantStore;
import dev.facta.tenancy.MultiTenantStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The tenant-isolation contract of the HTTP API on SQLite, a file per tenant. */
class SqliteTenantHttpIsolationTest extends TenantHttpIsolationContract {
    @TempDir
    Path dir;

    @Override
    MultiTenantStore newTenants() {
        return SqliteMultiTenantStore.open(dir);
    }
}
