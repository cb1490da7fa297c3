package dev.facta.tenancy;

import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.ResultCodec;
import dev.facta.crypto.KeyStore;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.store.EventStore;

/**
 * Everything one tenant has: its event store (with its own global log, positions and streams),
 * and beside it the stores that live in the same database. Whatever is built on these, such as
 * aggregates and repositories, projections, read models, sagas and process managers (which keep
 * their state in the projection store), the outbox relay and inbox (its checkpoints and parked
 * messages), idempotency keys and data keys, sees this tenant's data and nothing else.
 *
 * <p>Obtained from {@link MultiTenantStore#forTenant(String)}; the multi-tenant store owns it and
 * closes it, so callers never close it themselves.
 */
public interface TenantStore {

    /** The tenant id. */
    String tenant();

    /** The tenant's event store. */
    EventStore events();

    /** The tenant's projection store: checkpoints, leases, dead letters, saga state and read models. */
    ProjectionStore projections();

    /** The tenant's read models (those of {@link #projections()}). */
    default ReadModelStore readModels() {
        return projections().readModels();
    }

    /** The tenant's snapshots. */
    SnapshotStore snapshots();

    /** The tenant's data keys for field encryption and crypto-shredding. */
    KeyStore keys();

    /** An idempotency store over the tenant's keys, encoding results with the codec. */
    IdempotencyStore idempotency(ResultCodec codec);
}
