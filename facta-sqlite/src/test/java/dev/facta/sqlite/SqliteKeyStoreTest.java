package dev.facta.sqlite;

import dev.facta.crypto.DataKeys;
import dev.facta.crypto.LocalMasterKey;
import dev.facta.crypto.WrappedKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class SqliteKeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void keys_are_created_once_listed_survive_reopening_and_are_destroyed() throws Exception {
        Path file = dir.resolve("k.db");
        LocalMasterKey master = LocalMasterKey.generate();
        String keyId;
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            SqliteKeyStore store = SqliteKeyStore.of(events);
            WrappedKey a = new WrappedKey("s-1", "id-a", "m", new byte[]{1, 2}, Instant.ofEpochMilli(5));
            assertThat(store.createOrGet(a)).isEqualTo(a);
            assertThat(store.createOrGet(new WrappedKey("s-1", "id-b", "m", new byte[]{3}, Instant.now()))).isEqualTo(a);
            assertThat(store.get("s-1")).contains(a);
            keyId = DataKeys.builder(store, master).build().forEncryption("s-2").keyId();
            store.createOrGet(new WrappedKey("s-0", "id-c", "m", new byte[]{4}, Instant.now()));
            assertThat(store.subjects(null, 10)).containsExactly("s-0", "s-1", "s-2");
            assertThat(store.subjects("s-0", 1)).containsExactly("s-1");
            assertThat(store.destroy("s-1")).isTrue();
            assertThat(store.destroy("s-1")).isFalse();
            assertThat(store.get("s-1")).isEmpty();
        }
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            SqliteKeyStore store = SqliteKeyStore.of(events);
            assertThat(DataKeys.builder(store, master).build().forDecryption("s-2", keyId)).isPresent();
            assertThat(store.subjects(null, 10)).containsExactly("s-0", "s-2");
        }
    }

    @Test
    void deleted_rows_and_destroyed_keys_leave_no_bytes_behind_in_the_file() throws Exception {
        Path file = dir.resolve("d.db");
        byte[] wrapped = "WRAPPED-KEY-MATERIAL-0123456789".getBytes();
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            var docs = SqliteReadModelStore.on(events).collection("people", dev.facta.readmodel.DocumentCodec.json());
            for (int i = 0; i < 50; i++) docs.put("p" + i, "{\"email\":\"person" + i + ".secret@example.com\"}");
            SqliteKeyStore keys = SqliteKeyStore.of(events);
            keys.createOrGet(new WrappedKey("s-1", "id", "m", wrapped, Instant.now()));
            for (int i = 0; i < 50; i++) docs.delete("p" + i);
            keys.destroy("s-1");
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(file);
        assertThat(SqliteShredThenScanTest.indexOf(bytes, "secret@example.com".getBytes())).isEqualTo(-1);
        assertThat(SqliteShredThenScanTest.indexOf(bytes, wrapped)).isEqualTo(-1);
    }

    @Test
    void concurrent_first_uses_from_two_processes_agree_on_one_key() throws Exception {
        Path file = dir.resolve("k.db");
        LocalMasterKey master = LocalMasterKey.generate();
        try (SqliteEventStore one = SqliteEventStore.open(file); SqliteEventStore two = SqliteEventStore.open(file);
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                SqliteEventStore events = i % 2 == 0 ? one : two;
                Callable<String> c = () -> DataKeys.builder(SqliteKeyStore.of(events), master).build().forEncryption("s").keyId();
                ids.add(pool.submit(c));
            }
            String first = ids.getFirst().get();
            for (Future<String> f : ids) assertThat(f.get()).isEqualTo(first);
        }
    }
}
