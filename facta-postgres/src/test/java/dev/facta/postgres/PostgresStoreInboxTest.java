package dev.facta.postgres;

import dev.facta.outbox.StoreInboxContract;
import dev.facta.projection.ProjectionStore;


/**
 * The inbox contract on PostgreSQL: each store handle has a pool of its own, as separate processes
 * would, on a fresh schema per test; racing deliveries of one id meet on the unique index.
 */
class PostgresStoreInboxTest extends StoreInboxContract {

    private final PooledProjectionStores stores = new PooledProjectionStores("inbox");

    @Override
    protected ProjectionStore newStore() {
        return stores.fresh();
    }

    @Override
    protected ProjectionStore sameDatabase(ProjectionStore store) {
        return stores.another();
    }

    @Override
    protected void closeStore(ProjectionStore store) {
        stores.close(store);
    }
}
