package dev.facta.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.facta.InvalidInputException;
import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.InMemoryReadModelStore;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.ReadModelStoreContract;
import dev.facta.readmodel.UniqueViolationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.facta.readmodel.Predicate.eq;
import static dev.facta.readmodel.Predicate.gt;
import static dev.facta.readmodel.Predicate.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The read-model contract on PostgreSQL, a randomized comparison with the in-memory store (the
 * reference for query semantics), index use, unique indexes, and collections bound to a
 * transaction.
 */
class PostgresReadModelStoreTest extends ReadModelStoreContract {

    private static HikariDataSource pool;
    private String schema;
    private PostgresReadModelStore pg;

    @BeforeAll
    static void openPool() {
        pool = TestPools.pool("read-models", 8);
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @Override
    protected ReadModelStore newStore() {
        schema = PostgresTestDatabase.newSchema("facta_rm");
        pg = new PostgresReadModelStore(pool, schema);
        return pg;
    }

    @Override
    protected void destroyStore(ReadModelStore store) {
        PostgresTestDatabase.dropSchema(schema);
    }

    private static String doc(Map<String, Object> fields) {
        StringBuilder sb = new StringBuilder("{");
        for (var e : fields.entrySet()) {
            if (sb.length() > 1) sb.append(',');
            Json.quote(e.getKey(), sb);
            sb.append(':').append(e.getValue());
        }
        return sb.append('}').toString();
    }

    // ------------------------------------------------------------------ differential

    private static final String[] NUMBERS = {"0", "-0", "1", "1.0", "1.5", "-2", "10", "1e2", "100", "0.001", "-0.5",
            "123456789012345678901234567890", "2E-3"};
    private static final String[] STRINGS = {"", "a", "ab", "abc", "B", "b", "é", "\uE000", "\uFFFD", "😀", "a😀", "a\uFFFD",
            "1", "true", "Z", "a%", "a_", "\\", "ä", "\u007f"};

    private static Object randomQueryValue(Random r) {
        return switch (r.nextInt(5)) {
            case 0, 1 -> new BigDecimal(NUMBERS[r.nextInt(NUMBERS.length)]);
            case 2, 3 -> STRINGS[r.nextInt(STRINGS.length)];
            default -> r.nextBoolean();
        };
    }

    private static String randomJsonValue(Random r) {
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> NUMBERS[r.nextInt(NUMBERS.length)];
            case 3, 4, 5 -> Json.quote(STRINGS[r.nextInt(STRINGS.length)]);
            case 6 -> r.nextBoolean() ? "true" : "false";
            case 7 -> "null";
            case 8 -> "{\"x\":1}";
            default -> "[1,\"a\"]";
        };
    }

    private static String randomDocument(Random r, String key) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("k", Json.quote(key));
        if (r.nextInt(6) > 0) f.put("a", randomJsonValue(r));
        if (r.nextInt(6) > 0) f.put("s", randomJsonValue(r));
        switch (r.nextInt(4)) {
            case 0 -> f.put("b", "{\"c\":" + randomJsonValue(r) + "}");
            case 1 -> f.put("b", randomJsonValue(r));
            case 2 -> f.put("b", "{\"c\":" + randomJsonValue(r) + ",\"d\":" + randomJsonValue(r) + "}");
            default -> {
            }
        }
        return doc(f);
    }

    private static final String[] FIELDS = {"a", "s", "b.c", "b", "nope"};

    private static Predicate randomPredicate(Random r) {
        Predicate.Op op = Predicate.Op.values()[r.nextInt(Predicate.Op.values().length)];
        return switch (op) {
            case EXISTS -> Predicate.exists();
            case MISSING -> Predicate.missing();
            case EQ -> eq(randomQueryValue(r));
            case NE -> Predicate.ne(randomQueryValue(r));
            case IN -> {
                int n = 1 + r.nextInt(3);
                Object[] vs = new Object[n];
                for (int i = 0; i < n; i++) vs[i] = randomQueryValue(r);
                yield Predicate.in(vs);
            }
            case STARTS_WITH -> startsWith(STRINGS[r.nextInt(STRINGS.length)]);
            default -> {
                Object v = randomQueryValue(r);
                while (v instanceof Boolean) v = randomQueryValue(r);
                yield switch (op) {
                    case GT -> gt(v);
                    case GTE -> Predicate.gte(v);
                    case LT -> Predicate.lt(v);
                    default -> Predicate.lte(v);
                };
            }
        };
    }

    private static Query randomQuery(Random r) {
        Query q = Query.all();
        int conditions = r.nextInt(3);
        for (int i = 0; i < conditions; i++) q = q.and(FIELDS[r.nextInt(FIELDS.length)], randomPredicate(r));
        int keys = r.nextInt(3);
        for (int i = 0; i < keys; i++) {
            q = q.orderBy(FIELDS[r.nextInt(FIELDS.length)], r.nextBoolean() ? Query.Direction.ASC : Query.Direction.DESC);
        }
        return q.limit(1 + r.nextInt(25)).offset(r.nextInt(4) == 0 ? r.nextInt(20) : 0);
    }

    @Test
    void queries_agree_with_the_in_memory_reference_on_random_documents() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        InMemoryReadModelStore reference = new InMemoryReadModelStore();
        DocumentCollection<String> expected = reference.collection("mixed", DocumentCodec.json());
        DocumentCollection<String> actual = json("mixed");
        Map<String, String> batch = new LinkedHashMap<>();
        for (int i = 0; i < 120; i++) {
            String id = "d" + i + (i % 7 == 0 ? "😀" : i % 11 == 0 ? "\uFFFD" : "");
            batch.put(id, randomDocument(r, id));
        }
        expected.putMany(batch);
        actual.putMany(batch);
        for (int i = 0; i < 30; i++) { // some rewrites and deletions
            String id = "d" + r.nextInt(120);
            String doc = randomDocument(r, id);
            if (r.nextInt(3) == 0) {
                assertThat(actual.delete(id)).isEqualTo(expected.delete(id));
            } else {
                expected.put(id, doc);
                actual.put(id, doc);
            }
        }
        for (int i = 0; i < 400; i++) {
            Query q = randomQuery(r);
            Page<String> want = expected.find(q);
            Page<String> got = actual.find(q);
            assertThat(keys(got.items())).as("seed %d, query %s", seed, q).isEqualTo(keys(want.items()));
            assertThat(got.hasMore()).as("seed %d, more after %s", seed, q).isEqualTo(want.hasMore());
            assertThat(actual.count(q)).as("seed %d, count %s", seed, q).isEqualTo(expected.count(q));
        }
    }

    @Test
    void strings_compare_by_code_point_and_numbers_by_value() {
        DocumentCollection<String> c = json("order");
        c.put("1", "{\"k\":\"1\",\"s\":\"\uFFFD\",\"n\":10}");
        c.put("2", "{\"k\":\"2\",\"s\":\"😀\",\"n\":9.5}");
        c.put("3", "{\"k\":\"3\",\"s\":\"Z\",\"n\":1e1}");
        c.put("4", "{\"k\":\"4\",\"s\":\"a\",\"n\":\"10\"}");
        assertThat(keys(c.find(Query.all().orderBy("s")).items())).containsExactly("3", "4", "1", "2");
        assertThat(keys(c.find(Query.all().orderBy("n", Query.Direction.DESC)).items())).as("strings after numbers ascending, so before them descending")
                .containsExactly("4", "1", "3", "2");
        assertThat(keys(c.find(Query.where("n", eq(10))).items())).containsExactly("1", "3");
        assertThat(keys(c.find(Query.where("n", eq("10"))).items())).containsExactly("4");
        assertThat(keys(c.find(Query.where("s", gt("\uFFFD"))).items())).containsExactly("2");
    }

    // ------------------------------------------------------------------ indexes

    private String plan(String collection, Query q) throws Exception {
        DocumentSql.Fragment where = DocumentSql.where(q);
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("EXPLAIN " + pg.findSql(collection, q, where))) {
            int i = 1;
            for (Object v : where.params()) PostgresReadModelStore.bind(c, ps, i++, v);
            ps.setInt(i++, q.limit() + 1);
            ps.setLong(i, q.offset());
            StringBuilder sb = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) sb.append(rs.getString(1)).append('\n');
            }
            return sb.toString();
        }
    }

    @Test
    void queries_on_an_indexed_field_use_the_index() throws Exception {
        DocumentCollection<String> people = json("people");
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) {
            docs.put("p-" + i, "{\"k\":\"p-" + i + "\",\"email\":\"user-" + i + "@example.com\",\"age\":" + (i % 500)
                    + ",\"profile\":{\"city\":\"c" + (i % 1000) + "\"}}");
        }
        people.putMany(docs);
        store.createIndex("people", Index.text("email"));
        store.createIndex("people", Index.number("age"));
        store.createIndex("people", Index.text("profile.city"));
        store.createIndex("people", Index.text("email")); // declared again: nothing happens
        PostgresTestDatabase.execute("ANALYZE " + schema + ".rm_people");

        String email = PostgresReadModelStore.indexName("people", Index.text("email"));
        String age = PostgresReadModelStore.indexName("people", Index.number("age"));
        String city = PostgresReadModelStore.indexName("people", Index.text("profile.city"));

        Query byEmail = Query.where("email", eq("user-4242@example.com"));
        String p = plan("people", byEmail);
        System.out.println("[plan] " + byEmail + "\n" + p);
        assertThat(p).contains(email);
        assertThat(keys(people.find(byEmail).items())).containsExactly("p-4242");

        assertThat(plan("people", Query.where("age", eq(42)))).contains(age);
        assertThat(people.count(Query.where("age", eq(42)))).isEqualTo(10);
        assertThat(plan("people", Query.where("profile.city", eq("c7")))).contains(city);
        assertThat(plan("people", Query.where("email", startsWith("user-4242")))).contains(email);
        assertThat(keys(people.find(Query.where("email", startsWith("user-4242"))).items())).containsExactly("p-4242");
        assertThat(plan("people", Query.where("age", Predicate.in(1, 2, 3)))).contains(age);
        String sorted = plan("people", Query.where("age", Predicate.gte(0)).orderBy("age", Query.Direction.DESC).limit(5));
        System.out.println("[plan] sorted by age\n" + sorted);
        assertThat(sorted).contains(age);
        assertThat(store.collections()).containsExactly("people");
    }

    @Test
    void a_unique_index_refuses_a_second_document_with_the_value_and_nothing_changes() {
        DocumentCollection<String> users = json("users");
        store.createIndex("users", Index.text("email").asUnique());
        store.createIndex("users", Index.number("no").asUnique());
        assertThat(store.collections()).as("an empty collection with an index is listed").containsExactly("users");
        users.put("u-1", "{\"k\":\"u-1\",\"email\":\"a@x\",\"no\":1}");
        users.put("u-2", "{\"k\":\"u-2\",\"email\":\"b@x\",\"no\":2}");
        users.put("u-1", "{\"k\":\"u-1\",\"email\":\"a@x\",\"no\":1,\"v\":2}"); // its own value again

        assertThatThrownBy(() -> users.put("u-3", "{\"k\":\"u-3\",\"email\":\"a@x\"}"))
                .isInstanceOfSatisfying(UniqueViolationException.class, e -> {
                    assertThat(e.collection()).isEqualTo("users");
                    assertThat(e.field()).isEqualTo("email");
                    assertThat(e.id()).isEqualTo("u-3");
                });
        assertThatThrownBy(() -> users.put("u-3", "{\"k\":\"u-3\",\"no\":1.0}"))
                .isInstanceOfSatisfying(UniqueViolationException.class, e -> assertThat(e.field()).isEqualTo("no"));
        Map<String, String> two = new LinkedHashMap<>();
        two.put("u-4", "{\"k\":\"u-4\",\"email\":\"d@x\"}");
        two.put("u-5", "{\"k\":\"u-5\",\"email\":\"b@x\"}");
        assertThatThrownBy(() -> users.putMany(two)).isInstanceOf(UniqueViolationException.class);
        assertThat(users.getMany(List.of("u-3", "u-4", "u-5"))).isEmpty();
        // other types and absent fields are not constrained
        users.put("u-6", "{\"k\":\"u-6\",\"email\":1,\"no\":\"1\"}");
        users.put("u-7", "{\"k\":\"u-7\"}");
        users.put("u-8", "{\"k\":\"u-8\"}");
        assertThat(users.count(Query.all())).isEqualTo(5);

        DocumentCollection<String> dup = json("dups");
        dup.put("1", "{\"x\":\"same\"}");
        dup.put("2", "{\"x\":\"same\"}");
        assertThatThrownBy(() -> store.createIndex("dups", Index.text("x").asUnique()))
                .isInstanceOfSatisfying(UniqueViolationException.class, e -> {
                    assertThat(e.field()).isEqualTo("x");
                    assertThat(e.id()).isNull();
                });
        dup.put("3", "{\"x\":\"same\"}");
        assertThat(dup.count(Query.where("x", eq("same")))).isEqualTo(3);
    }

    // ------------------------------------------------------------------ input

    @Test
    void bad_input_is_refused_and_changes_nothing() {
        DocumentCollection<String> c = json("things");
        c.put("t-1", "{\"v\":1}");
        assertThatThrownBy(() -> c.put("", "{}")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> c.put("a\nb", "{}")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> c.put("t-2", "[1]")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> c.put("t-2", "{\"a\":")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> c.put("t-2", "{\"a\":\"\\u0000\"}")).isInstanceOf(InvalidInputException.class);
        Map<String, String> mixed = new LinkedHashMap<>();
        mixed.put("t-3", "{\"v\":3}");
        mixed.put("t-4", "not json");
        assertThatThrownBy(() -> c.putMany(mixed)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> c.find(Query.where("a;drop table x", eq(1)))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.collection("Bad-Name", DocumentCodec.json())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new PostgresReadModelStore(pool, "x\"; drop")).isInstanceOf(InvalidInputException.class);
        assertThat(c.count(Query.all())).isEqualTo(1);
        // strange but legal values travel as bind parameters
        c.put("t-'5", "{\"v\":\"'; DROP TABLE rm_things; --\"}");
        assertThat(c.find(Query.where("v", eq("'; DROP TABLE rm_things; --"))).items()).hasSize(1);
        assertThat(c.get("t-'5")).isPresent();
    }

    @Test
    void revisions_count_writes_and_reads_of_unknown_collections_find_nothing() throws Exception {
        DocumentCollection<String> c = json("revs");
        assertThat(json("never").get("x")).isEmpty();
        assertThat(json("never").find(Query.all()).items()).isEmpty();
        assertThat(json("never").count(Query.all())).isZero();
        assertThat(json("never").delete("x")).isFalse();
        json("never").clear();
        c.put("r", "{}");
        c.put("r", "{\"a\":1}");
        c.update("r", s -> "{\"a\":2}");
        assertThat(revision("revs", "r")).isEqualTo(3);
        assertThat(c.delete("r")).isTrue();
        assertThat(c.delete("r")).isFalse();
        c.put("r", "{}");
        assertThat(revision("revs", "r")).isEqualTo(1);
        c.clear();
        assertThat(store.collections()).as("cleared and without indexes").isEmpty();
        store.dropCollection("revs");
        store.dropCollection("revs");
        c.put("r", "{}"); // created again
        assertThat(c.get("r")).isPresent();
    }

    private long revision(String collection, String id) throws Exception {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT revision FROM " + schema + ".rm_" + collection + " WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    @Test
    void processes_racing_to_create_a_collection_all_succeed() throws Exception {
        int writers = 6;
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService exec = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int n = w;
                fs.add(exec.submit(() -> {
                    // a store object of its own per writer, as separate processes would have
                    PostgresReadModelStore own = new PostgresReadModelStore(pool, schema);
                    start.await();
                    own.collection("raced", DocumentCodec.json()).put("w-" + n, "{}");
                    own.createIndex("raced", Index.text("x"));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : fs) f.get(30, TimeUnit.SECONDS);
        }
        assertThat(json("raced").count(Query.all())).isEqualTo(writers);
    }

    // ------------------------------------------------------------------ bound to a transaction

    @Test
    void a_bound_store_sees_its_own_buffered_writes_and_commits_or_rolls_back_with_the_transaction() throws Exception {
        DocumentCollection<String> outside = json("orders");
        outside.put("o-1", "{\"k\":\"o-1\",\"n\":1}");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            PostgresReadModelStore tx = pg.bind(c);
            DocumentCollection<String> in = tx.collection("orders", DocumentCodec.json());
            in.put("o-2", "{\"k\":\"o-2\",\"n\":2}");
            in.put("o-1", "{\"k\":\"o-1\",\"n\":10}");
            assertThat(in.delete("o-1")).isTrue();
            assertThat(in.delete("o-1")).isFalse();
            in.put("o-1", "{\"k\":\"o-1\",\"n\":11}");
            assertThat(Documents.parse(in.get("o-1").orElseThrow()).get("n")).isEqualTo(new BigDecimal(11));
            assertThat(in.getMany(List.of("o-1", "o-2", "o-3")).keySet()).containsExactly("o-1", "o-2");
            assertThat(outside.get("o-2")).as("nothing sent yet").isEmpty();
            assertThat(in.count(Query.all())).isEqualTo(2);
            assertThat(keys(in.find(Query.where("n", gt(5))).items())).containsExactly("o-1");
            tx.collection("fresh", DocumentCodec.json()).put("f-1", "{}");
            assertThat(tx.collections()).containsExactly("fresh", "orders");
            tx.flush();
            assertThat(outside.get("o-2")).as("not committed").isEmpty();
            assertThat(json("fresh").get("f-1")).isEmpty();
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(Documents.parse(outside.get("o-1").orElseThrow()).get("n")).isEqualTo(new BigDecimal(11));
        assertThat(outside.get("o-2")).isPresent();
        assertThat(revision("orders", "o-1")).as("deleted and inserted again").isEqualTo(1);
        assertThat(json("fresh").get("f-1")).isPresent();

        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            PostgresReadModelStore tx = pg.bind(c);
            DocumentCollection<String> in = tx.collection("orders", DocumentCodec.json());
            in.clear();
            in.put("o-9", "{}");
            tx.collection("other", DocumentCodec.json()).put("x", "{}");
            tx.flush();
            assertThat(in.count(Query.all())).isEqualTo(1);
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(outside.count(Query.all())).isEqualTo(2);
        assertThat(store.collections()).containsExactly("fresh", "orders");
        json("other").put("y", "{}"); // the rolled-back creation is not taken for a table
        assertThat(json("other").get("y")).isPresent();
    }

    @Test
    void a_unique_violation_in_a_bound_store_fails_the_write_alone_and_the_transaction_goes_on() throws Exception {
        store.createIndex("users", Index.text("email").asUnique());
        json("users").put("u-1", "{\"email\":\"a@x\"}");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            PostgresReadModelStore tx = pg.bind(c);
            DocumentCollection<String> in = tx.collection("users", DocumentCodec.json());
            in.put("u-2", "{\"email\":\"b@x\"}");
            assertThatThrownBy(() -> in.put("u-3", "{\"email\":\"a@x\"}"))
                    .isInstanceOfSatisfying(UniqueViolationException.class, e -> {
                        assertThat(e.field()).isEqualTo("email");
                        assertThat(e.id()).isEqualTo("u-3");
                    });
            in.put("u-4", "{\"email\":\"c@x\"}");
            tx.flush();
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(json("users").getMany(List.of("u-1", "u-2", "u-3", "u-4")).keySet()).containsExactly("u-1", "u-2", "u-4");
    }

    @Test
    void a_unique_index_added_by_another_process_meanwhile_still_refuses_buffered_writes_as_a_unique_violation() throws Exception {
        json("users").put("u-1", "{\"email\":\"a@x\"}");
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            PostgresReadModelStore tx = pg.bind(c);
            DocumentCollection<String> in = tx.collection("users", DocumentCodec.json());
            assertThat(in.get("u-1")).isPresent(); // this transaction now knows the collection without a unique index
            new PostgresReadModelStore(pool, schema).createIndex("users", Index.text("email").asUnique());
            in.put("u-2", "{\"email\":\"a@x\"}"); // buffered on what the transaction knew
            assertThatThrownBy(() -> in.count(Query.all()))
                    .isInstanceOfSatisfying(UniqueViolationException.class, e -> {
                        assertThat(e.collection()).isEqualTo("users");
                        assertThat(e.field()).isEqualTo("email");
                    });
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(json("users").get("u-2")).isEmpty();
    }

    @Test
    void many_buffered_writes_are_sent_in_batches() throws Exception {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            PostgresReadModelStore tx = pg.bind(c);
            DocumentCollection<String> in = tx.collection("bulk", DocumentCodec.json());
            for (int i = 0; i < 25_000; i++) in.put("b-" + (i % 12_000), "{\"i\":" + i + "}");
            tx.flush();
            c.commit();
            c.setAutoCommit(true);
        }
        assertThat(json("bulk").count(Query.all())).isEqualTo(12_000);
        assertThat(Documents.parse(json("bulk").get("b-0").orElseThrow()).get("i")).isEqualTo(new BigDecimal(24_000));
        long total;
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT sum(revision) FROM " + schema + ".rm_bulk")) {
            rs.next();
            total = rs.getLong(1);
        }
        assertThat(total).as("every put counted once").isEqualTo(25_000);
    }

    @Test
    void a_bound_store_cannot_be_used_after_its_transaction_ended() throws Exception {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            PostgresReadModelStore tx = pg.bind(c);
            DocumentCollection<String> in = tx.collection("x", DocumentCodec.json());
            tx.end();
            assertThatThrownBy(() -> in.put("a", "{}")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> in.get("a")).isInstanceOf(IllegalStateException.class);
            c.rollback();
            c.setAutoCommit(true);
        }
    }
}
