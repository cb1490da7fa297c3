package dev.facta.runtime.storage;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every storage backend promises, run against SQLite, PostgreSQL and Redis: each subclass
 * gives a fresh, empty backend and cleans it up.
 */
public abstract class KeyValueStoreContract {
    protected KeyValueStore store;
    private Storage a;
    private Storage b;

    /** A backend with nothing in it. */
    protected abstract KeyValueStore open() throws Exception;

    /** Removes what the test wrote and closes the backend. */
    protected abstract void cleanUp(KeyValueStore store) throws Exception;

    @BeforeEach
    void setUp() throws Exception {
        store = open();
        a = new Storage(store, "plugin-a");
        b = new Storage(store, "plugin-b");
    }

    @AfterEach
    void tearDown() throws Exception {
        cleanUp(store);
    }

    @Test
    void a_value_set_is_read_back_and_replaced_by_the_next_set() {
        assertThat(a.get("k")).isEmpty();
        a.set("k", "v1");
        assertThat(a.get("k")).contains("v1");
        a.set("k", "v2");
        assertThat(a.get("k")).contains("v2");
    }

    @Test
    void namespaces_do_not_see_each_other() {
        a.set("shared", "from a");
        b.set("shared", "from b");
        assertThat(a.get("shared")).contains("from a");
        assertThat(b.get("shared")).contains("from b");
        assertThat(b.delete("shared")).isTrue();
        assertThat(a.get("shared")).contains("from a");
        assertThat(a.scanAll("")).extracting(ScanPage.Entry::key).containsExactly("shared");
    }

    @Test
    void delete_says_whether_there_was_something_to_delete() {
        a.set("k", "v");
        assertThat(a.delete("k")).isTrue();
        assertThat(a.delete("k")).isFalse();
        assertThat(a.get("k")).isEmpty();
    }

    @Test
    void set_many_and_get_many_keep_the_order_of_the_keys_asked_and_leave_out_missing_ones() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) entries.put("key-" + i, "value " + i);
        a.setMany(entries);
        Map<String, String> got = a.getMany(List.of("key-7", "missing", "key-3", "key-49"));
        assertThat(got).containsExactly(Map.entry("key-7", "value 7"), Map.entry("key-3", "value 3"), Map.entry("key-49", "value 49"));
        assertThat(a.getMany(List.of())).isEmpty();
    }

    @Test
    void values_keep_any_text_unchanged() {
        String text = "{\"json\": [1, 2.5, null]} ünïcödé ✓ \n\t\"quotes\" 'single' \\ back";
        a.set("text", text);
        a.set("empty", "");
        assertThat(a.get("text")).contains(text);
        assertThat(a.get("empty")).contains("");
        a.set("ключ/é", "x");
        assertThat(a.get("ключ/é")).contains("x");
    }

    @Test
    void prefix_scans_page_through_matching_keys_in_order() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < 25; i++) entries.put(String.format("dev/%03d", i), "d" + i);
        entries.put("dev", "exact prefix without slash");
        entries.put("dew/001", "other");
        entries.put("de", "shorter");
        entries.put("state/x", "other");
        a.setMany(entries);

        List<String> keys = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            ScanPage page = a.scan("dev/", after, 10);
            assertThat(page.entries()).hasSizeLessThanOrEqualTo(10);
            page.entries().forEach(e -> keys.add(e.key()));
            after = page.next();
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(keys).hasSize(25).isSorted().allMatch(k -> k.startsWith("dev/"));
        assertThat(a.scan("dev/", null, 25).next()).isNull();
        assertThat(a.scan("nothing", null, 10).entries()).isEmpty();
        assertThat(a.scan("", null, 1000).entries()).extracting(ScanPage.Entry::key)
                .startsWith("de", "dev", "dev/000").endsWith("dew/001", "state/x");
    }

    @Test
    void a_scan_resumes_after_its_cursor_even_when_the_cursor_key_was_deleted() {
        a.setMany(Map.of("p/1", "1", "p/2", "2", "p/3", "3", "p/4", "4"));
        ScanPage first = a.scan("p/", null, 2);
        assertThat(first.entries()).extracting(ScanPage.Entry::key).containsExactly("p/1", "p/2");
        a.delete("p/2");
        ScanPage second = a.scan("p/", first.next(), 2);
        assertThat(second.entries()).extracting(ScanPage.Entry::key).containsExactly("p/3", "p/4");
        assertThat(second.next()).isNull();
    }

    @Test
    void entries_expire_after_their_time_to_live_and_vanish_from_reads_and_scans() throws InterruptedException {
        a.set("short", "gone soon", Duration.ofMillis(300));
        a.setMany(Map.of("batch/1", "x", "batch/2", "y"), Duration.ofMillis(300));
        a.set("batch/3", "stays");
        a.set("long", "stays", Duration.ofMinutes(5));
        assertThat(a.get("short")).contains("gone soon");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (a.get("short").isPresent() && System.nanoTime() < deadline) Thread.sleep(50);
        Thread.sleep(50);
        assertThat(a.get("short")).isEmpty();
        assertThat(a.getMany(List.of("batch/1", "batch/2", "batch/3"))).containsOnlyKeys("batch/3");
        assertThat(a.scan("batch/", null, 10).entries()).extracting(ScanPage.Entry::key).containsExactly("batch/3");
        assertThat(a.get("long")).contains("stays");
        assertThat(a.delete("short")).isFalse();
        a.set("short", "again");
        assertThat(a.get("short")).contains("again");
    }

    @Test
    void setting_without_ttl_removes_an_earlier_ttl() throws InterruptedException {
        a.set("k", "v", Duration.ofMillis(200));
        a.set("k", "forever");
        Thread.sleep(400);
        assertThat(a.get("k")).contains("forever");
    }

    @Test
    void bad_input_is_refused_and_changes_nothing() {
        a.set("keep", "v");
        assertThatThrownBy(() -> a.set("", "v")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> a.set("k", null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> a.set("k\u0000", "v")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> a.set("k", "v", Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> a.set("x".repeat(Storage.MAX_KEY + 1), "v")).isInstanceOf(InvalidInputException.class);
        Map<String, String> withNull = new LinkedHashMap<>();
        withNull.put("good", "v");
        withNull.put("bad", null);
        assertThatThrownBy(() -> a.setMany(withNull)).isInstanceOf(InvalidInputException.class);
        assertThat(a.get("good")).isEmpty();
        assertThatThrownBy(() -> a.scan("", null, 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> a.scan("", null, Storage.MAX_BATCH + 1)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new Storage(store, "Bad Namespace")).isInstanceOf(InvalidInputException.class);
        assertThat(a.scanAll("")).extracting(ScanPage.Entry::key).containsExactly("keep");
    }

    @Test
    void concurrent_writers_of_distinct_keys_lose_nothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) a.set("w" + writer + "/" + i, "v" + i);
                    Map<String, String> batch = new LinkedHashMap<>();
                    for (int i = 0; i < 25; i++) batch.put("b" + writer + "/" + i, "v" + i);
                    a.setMany(batch);
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
        assertThat(a.scanAll("")).hasSize(8 * 50);
        assertThat(a.get("w7/24")).isEqualTo(Optional.of("v24"));
    }
}
