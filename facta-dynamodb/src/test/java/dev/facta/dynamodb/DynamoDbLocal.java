package dev.facta.dynamodb;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The DynamoDB the tests (and the benchmarks) talk to: the one named by
 * {@code FACTA_TEST_DYNAMODB_ENDPOINT} when set, else DynamoDB Local started once in this JVM,
 * in memory, on a free port, and stopped when the JVM exits. Each test works in tables of its
 * own ({@link #freshTable}).
 *
 * <p>DynamoDB Local keeps its tables in SQLite through sqlite4java, whose native library is
 * looked up in {@code sqlite4java.library.path}. The module's build copies it there; when the
 * property is unset, the library is taken from the class path (Maven puts the
 * {@code libsqlite4java-linux-amd64} artifact on it as a plain {@code .so} file).
 */
public final class DynamoDbLocal {
    public static final String ENDPOINT_ENV = "FACTA_TEST_DYNAMODB_ENDPOINT";
    private static DynamoDbLocal shared;

    private final URI endpoint;

    private DynamoDbLocal(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** The one instance of this JVM, started on first use. */
    public static synchronized DynamoDbLocal shared() {
        if (shared == null) {
            String external = System.getenv(ENDPOINT_ENV);
            shared = external != null && !external.isBlank() ? new DynamoDbLocal(URI.create(external.trim())) : start();
        }
        return shared;
    }

    private static DynamoDbLocal start() {
        nativeLibraryPath();
        try {
            int port = freePort();
            DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                    new String[]{"-inMemory", "-port", Integer.toString(port), "-disableTelemetry"});
            server.start();
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
                try {
                    server.stop();
                } catch (Exception ignored) {
                    // the JVM is exiting
                }
            }));
            return new DynamoDbLocal(URI.create("http://127.0.0.1:" + port));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start DynamoDB Local: " + e, e);
        }
    }

    private static void nativeLibraryPath() {
        if (System.getProperty("sqlite4java.library.path") != null) return;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if (name.startsWith("libsqlite4java-linux-amd64") && name.endsWith(".so") && Files.isRegularFile(p)) {
                System.setProperty("sqlite4java.library.path", p.getParent().toString());
                return;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A new client for this DynamoDB; the caller closes it. */
    public DynamoDbClient client() {
        return DynamoDbClients.create(endpoint, null);
    }

    /** A table name no other test uses. */
    public static String freshTable(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
    }

    /** A store on a new table of its own; {@link #dropStore} deletes the table again. */
    public DynamoDbEventStore freshStore(String prefix) {
        return DynamoDbEventStore.builder(freshTable(prefix)).endpoint(endpoint).open();
    }

    /** Closes the store and deletes its table. */
    public void dropStore(DynamoDbEventStore store) {
        store.close();
        try (DynamoDbClient c = client()) {
            DynamoDbTable.delete(c, store.table());
        }
    }
}
