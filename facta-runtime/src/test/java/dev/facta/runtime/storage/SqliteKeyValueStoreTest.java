package dev.facta.runtime.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SqliteKeyValueStoreTest extends KeyValueStoreContract {
    @TempDir
    Path dir;

    @Override
    protected KeyValueStore open() {
        return SqliteKeyValueStore.open(dir.resolve("kv.db"));
    }

    @Override
    protected void cleanUp(KeyValueStore store) {
        store.close();
    }

    @Test
    void entries_survive_reopening_the_file() {
        new Storage(store, "p").set("k", "v");
        store.close();
        store = open();
        assertThat(new Storage(store, "p").get("k")).contains("v");
    }
}
