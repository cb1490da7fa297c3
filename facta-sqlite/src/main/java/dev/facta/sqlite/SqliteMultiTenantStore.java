package dev.facta.sqlite;

import dev.facta.FactaException;
import dev.facta.tenancy.AbstractMultiTenantStore;
import dev.facta.tenancy.TenantStore;
import dev.facta.tenancy.Tenants;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A SQLite file per tenant, {@code <directory>/<tenant>.db}: the embedded counterpart of a
 * database per tenant. Each tenant's file holds its events, read models, checkpoints, dead letters,
 * saga state, snapshots, data keys and idempotency keys, so tenants share nothing but the folder;
 * dropping a tenant deletes its file. Other processes may open the same folder, as with a single
 * SQLite store.
 */
public final class SqliteMultiTenantStore extends AbstractMultiTenantStore {
    private static final String SUFFIX = ".db";
    private final Path directory;

    private SqliteMultiTenantStore(Path directory, boolean provisionOnUse) {
        super(provisionOnUse);
        this.directory = directory;
    }

    /** Tenants in the folder (created if missing), provisioned on first use. */
    public static SqliteMultiTenantStore open(Path directory) {
        return open(directory, true);
    }

    /** Tenants in the folder; with {@code provisionOnUse} false, only those {@link #provision provisioned} before. */
    public static SqliteMultiTenantStore open(Path directory, boolean provisionOnUse) {
        Objects.requireNonNull(directory, "directory");
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new FactaException("cannot create the tenants folder " + directory + ": " + e.getMessage(), e);
        }
        return new SqliteMultiTenantStore(directory, provisionOnUse);
    }

    /** The tenant's file. */
    public Path fileOf(String tenant) {
        return directory.resolve(Tenants.require(tenant) + SUFFIX);
    }

    @Override
    protected boolean exists(String tenant) {
        return Files.exists(fileOf(tenant));
    }

    @Override
    protected void create(String tenant) {
        // opening creates and migrates the file
        SqliteEventStore.open(fileOf(tenant)).close();
    }

    @Override
    protected Opened open(String tenant) {
        SqliteEventStore events = SqliteEventStore.open(fileOf(tenant));
        TenantStore store = tenantStore(tenant, events, SqliteProjectionStore.on(events), SqliteSnapshotStore.of(events),
                SqliteKeyStore.of(events), codec -> new SqliteIdempotencyStore(events, codec));
        return new Opened(store, events::close);
    }

    @Override
    protected List<String> listTenants() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String tenant = name.substring(0, name.length() - SUFFIX.length());
                if (Tenants.isValid(tenant)) out.add(tenant);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the tenants folder " + directory, e);
        }
        out.sort(null);
        return out;
    }

    @Override
    protected void destroy(String tenant) {
        Path file = fileOf(tenant);
        try {
            for (String suffix : new String[]{"-wal", "-shm", "-journal", ""}) {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
            }
        } catch (IOException e) {
            throw new FactaException("cannot delete the file of tenant " + tenant + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "sqlite (a file per tenant in " + directory + ")";
    }
}
