package dev.facta.examples.oms.api;

import dev.facta.examples.oms.OmsServer;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Every flow through the gRPC API, on SQLite in a temporary file. */
class SqliteGrpcEndToEndTest extends EndToEndFlows {
    @TempDir
    static Path dir;

    @Override
    String storeUrl() {
        return "sqlite:" + dir.resolve("oms.db");
    }

    @Override
    OmsClient connect(OmsServer server) {
        return new GrpcClient(server.grpcTarget());
    }
}
