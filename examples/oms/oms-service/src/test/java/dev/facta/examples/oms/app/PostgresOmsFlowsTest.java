package dev.facta.examples.oms.app;

import dev.facta.postgres.PostgresTestDatabase;

/** The flows on PostgreSQL, in a schema of their own. */
class PostgresOmsFlowsTest extends OmsFlowsContract {
    private String schema;

    @Override
    String newStoreUrl() {
        schema = PostgresTestDatabase.newSchema("oms_flows");
        return PostgresTestDatabase.server().storeUrl(schema);
    }

    @Override
    void dropStore() {
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }
}
