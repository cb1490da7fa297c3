package dev.facta.sqlite;

import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.crypto.KeyStore;
import dev.facta.crypto.ShredThenScanContract;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Crypto-shredding on the embedded store, then every byte of every file of the store (the database,
 * and its WAL and shared-memory files if any are left) searched for the forgotten subject's
 * plaintext, as UTF-8 and as UTF-16.
 */
class SqliteShredThenScanTest extends ShredThenScanContract {
    @TempDir
    Path dir;

    @Override
    protected EventStore openEventStore() {
        return SqliteEventStore.open(dir.resolve("facta.db"));
    }

    @Override
    protected ProjectionStore projectionStore(EventStore raw) {
        return SqliteProjectionStore.on((SqliteEventStore) raw);
    }

    @Override
    protected SnapshotStore snapshotStore(EventStore raw) {
        return SqliteSnapshotStore.of((SqliteEventStore) raw);
    }

    @Override
    protected KeyStore keyStore(EventStore raw) {
        return SqliteKeyStore.of((SqliteEventStore) raw);
    }

    @Override
    protected List<String> findPlaintext(Set<String> needles) throws Exception {
        List<String> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        }
        if (files.isEmpty()) throw new AssertionError("the store left no file to scan in " + dir);
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (String needle : needles) {
                for (var cs : List.of(StandardCharsets.UTF_8, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
                    int at = indexOf(bytes, needle.getBytes(cs));
                    if (at >= 0) found.add(f.getFileName() + " holds '" + needle + "' (" + cs + ") at byte " + at);
                }
            }
        }
        return found;
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
