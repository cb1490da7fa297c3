package dev.facta.redis;

import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.ReadModelStoreContract;
import dev.facta.readmodel.UniqueViolationException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.facta.readmodel.Predicate.eq;
import static dev.facta.readmodel.Predicate.gt;
import static dev.facta.readmodel.Predicate.in;
import static dev.facta.readmodel.Predicate.lte;
import static dev.facta.readmodel.Predicate.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The read-model contract on Redis, each test under its own key prefix, plus what only Redis shows:
 * queries narrowed by indexes, optimistic updates under contention, unique indexes under concurrent
 * writers, and collections that expire.
 */
class RedisReadModelStoreTest extends ReadModelStoreContract {
    private String prefix;

    @Override
    protected ReadModelStore newStore() {
        RedisTestServer.require();
        prefix = RedisTestServer.freshPrefix("readmodels");
        return RedisReadModelStore.builder().connection(RedisTestServer.text()).prefix(prefix).build();
    }

    @Override
    protected void destroyStore(ReadModelStore store) throws Exception {
        super.destroyStore(store);
        if (prefix != null) RedisTestServer.deleteKeys(prefix);
    }

    @Test
    void indexed_queries_agree_with_unindexed_ones_at_the_edges_of_doubles_and_strings() {
        DocumentCollection<String> plain = json("plain");
        DocumentCollection<String> indexed = json("indexed");
        store.createIndex("indexed", Index.number("n"));
        store.createIndex("indexed", Index.text("s"));
        String[][] rows = {
                {"a", "\"n\":12345678901234567890,\"s\":\"ab\""},
                {"b", "\"n\":12345678901234567891,\"s\":\"a\""},
                {"c", "\"n\":0.1,\"s\":\"abc\""},
                {"d", "\"n\":\"0.1\",\"s\":\"\\ud83d\\ude00\""},
                {"e", "\"n\":-0.0,\"s\":\"\uFB01\""},
                {"f", "\"s\":5"},
        };
        for (String[] r : rows) {
            putAll(plain, r[0], r[1]);
            putAll(indexed, r[0], r[1]);
        }
        List<Query> queries = List.of(
                Query.where("n", eq(new BigDecimal("12345678901234567890"))),
                Query.where("n", gt(new BigDecimal("12345678901234567890"))),
                Query.where("n", lte(new BigDecimal("0.1"))),
                Query.where("n", in(0, "0.1")),
                Query.where("s", eq("a")),
                Query.where("s", gt("a")).orderBy("s"),
                Query.where("s", lte("ab")),
                Query.where("s", startsWith("ab")),
                Query.where("s", startsWith("")),
                Query.where("s", gt("\uFB01")));
        for (Query q : queries) {
            assertThat(keys(indexed, q)).as(q.toString()).isEqualTo(keys(plain, q));
            assertThat(indexed.count(q)).as(q.toString()).isEqualTo(plain.count(q));
        }
        assertThat(keys(indexed, Query.where("n", eq(new BigDecimal("12345678901234567890"))))).containsExactly("a");
    }

    @Test
    void concurrent_updates_of_one_document_lose_no_increment() throws Exception {
        DocumentCollection<String> c = json("counters");
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        c.update("n", before -> {
                            long count = before == null ? 0 : ((BigDecimal) dev.facta.readmodel.Documents.parse(before).get("count")).longValue();
                            return doc("n", "\"count\":" + (count + 1));
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        assertSameJson(c.get("n").orElseThrow(), doc("n", "\"count\":150"));
    }

    @Test
    void of_concurrent_writers_claiming_one_unique_value_exactly_one_wins() throws Exception {
        store.createIndex("users", Index.text("email").asUnique());
        DocumentCollection<String> users = json("users");
        int writers = 8;
        List<Boolean> won = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            List<Future<Boolean>> futures = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                String id = "u" + t;
                futures.add(pool.submit(() -> {
                    try {
                        users.put(id, doc(id, "\"email\":\"same@example.com\""));
                        return true;
                    } catch (UniqueViolationException e) {
                        return false;
                    }
                }));
            }
            for (Future<Boolean> f : futures) won.add(f.get());
        }
        assertThat(won).containsOnlyOnce(true);
        assertThat(users.count(Query.all())).isEqualTo(1);
    }

    @Test
    void documents_of_a_collection_with_a_ttl_expire_with_their_index_entries() throws Exception {
        try (RedisReadModelStore expiring = RedisReadModelStore.builder().connection(RedisTestServer.text()).prefix(prefix)
                .collectionTtl("sessions", Duration.ofMillis(1500)).build()) {
            expiring.createIndex("sessions", Index.text("token").asUnique());
            DocumentCollection<String> sessions = expiring.collection("sessions", dev.facta.readmodel.DocumentCodec.json());
            DocumentCollection<String> kept = expiring.collection("kept", dev.facta.readmodel.DocumentCodec.json());
            sessions.putMany(Map.of("s1", doc("s1", "\"token\":\"t1\""), "s2", doc("s2", "\"token\":\"t2\"")));
            kept.put("k1", doc("k1", ""));
            assertThatThrownBy(() -> sessions.put("s3", doc("s3", "\"token\":\"t1\""))).isInstanceOf(UniqueViolationException.class);

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (sessions.count(Query.all()) > 0 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(sessions.count(Query.all())).isZero();
            assertThat(sessions.get("s1")).isEmpty();
            assertThat(keys(sessions, Query.where("token", eq("t1")))).isEmpty();
            sessions.put("s3", doc("s3", "\"token\":\"t1\"")); // the expired holder no longer claims it
            assertThat(kept.get("k1")).isPresent();
            assertThat(expiring.collections()).containsExactly("kept", "sessions");
        }
    }
}
