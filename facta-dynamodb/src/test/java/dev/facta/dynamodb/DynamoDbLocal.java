package dev.facta.dynamodb;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The DynamoDB the tests (and the benchmarks) talk to: the one named by
 * {@code FACTA_TEST_DYNAMODB_ENDPOINT} when set, else DynamoDB Local started once in this JVM,
 * in memory, on a free port, and stopped when the JVM exits. Each test works in tables of its
 * own ({@link #freshTable}).
 *
 * <p>DynamoDB Local keeps its tables in SQLite through sqlite4java, whose native library is
 * looked up in {@code sqlite4java.library.path}. The module's build copies it there; when the
 * property is unset (the benchmarks, the {@code facta} command), it is looked up next to the
 * class path and in the local Maven repository.
 */
public final class DynamoDbLocal {
    public static final String ENDPOINT_ENV = "FACTA_TEST_DYNAMODB_ENDPOINT";
    private static final String SQLITE4JAVA_VERSION = "1.0.392";
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

    /**
     * Points sqlite4java at its native library when no one did: a {@code libsqlite4java-linux-amd64}
     * file on the class path, in the folder of a class path entry (a folder of copied dependencies),
     * or in the local Maven repository.
     */
    private static void nativeLibraryPath() {
        if (System.getProperty("sqlite4java.library.path") != null) return;
        List<Path> candidates = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            candidates.add(p);
            if (p.getParent() != null) candidates.add(p.getParent());
        }
        String repo = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        candidates.add(Path.of(repo, "com/almworks/sqlite4java/libsqlite4java-linux-amd64/" + SQLITE4JAVA_VERSION));
        for (Path c : candidates) {
            Path dir = Files.isDirectory(c) ? c : c.getParent();
            if (dir == null) continue;
            try (Stream<Path> files = Files.list(dir)) {
                if (files.anyMatch(f -> f.getFileName().toString().matches("libsqlite4java-linux-amd64.*\\.so"))) {
                    System.setProperty("sqlite4java.library.path", dir.toString());
                    return;
                }
            } catch (IOException | UncheckedIOException e) {
                // not a readable folder: try the next
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
