package dev.facta.examples.oms.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The flows on the embedded default: SQLite in a temporary file. */
class SqliteOmsFlowsTest extends OmsFlowsContract {
    private Path dir;

    @Override
    String newStoreUrl() {
        try {
            dir = Files.createTempDirectory("oms-flows");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "sqlite:" + dir.resolve("oms.db");
    }

    @Override
    void dropStore() {
        if (dir == null) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
