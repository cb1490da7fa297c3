package dev.facta.examples.oms.api;

import dev.facta.examples.oms.OmsServer;
import dev.facta.postgres.PostgresTestDatabase;

/** Every flow on PostgreSQL (a schema of its own), through the REST API. */
class PostgresEndToEndTest extends EndToEndFlows {
    private String schema;

    @Override
    String storeUrl() {
        schema = PostgresTestDatabase.newSchema("oms_e2e");
        return PostgresTestDatabase.server().storeUrl(schema);
    }

    @Override
    OmsClient connect(OmsServer server) {
        return new RestClient(server.httpUrl());
    }

    @Override
    void dropStore() {
        if (schema != null) PostgresTestDatabase.dropSchema(schema);
    }
}
