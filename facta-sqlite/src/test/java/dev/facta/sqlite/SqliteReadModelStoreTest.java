package dev.facta.sqlite;

import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.ReadModelStoreContract;
import dev.facta.readmodel.UniqueViolationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.facta.readmodel.Predicate.eq;
import static dev.facta.readmodel.Predicate.gt;
import static dev.facta.readmodel.Predicate.gte;
import static dev.facta.readmodel.Predicate.in;
import static dev.facta.readmodel.Predicate.lt;
import static dev.facta.readmodel.Predicate.lte;
import static dev.facta.readmodel.Predicate.ne;
import static dev.facta.readmodel.Predicate.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The read-model contract on a fresh SQLite file per test, plus what only SQL can show: indexes in the
 * query plan, exact decimals beyond double precision, and several store instances on one file.
 */
class SqliteReadModelStoreTest extends ReadModelStoreContract {

    @TempDir
    Path dir;

    private final List<SqliteEventStore> opened = new ArrayList<>();

    private SqliteEventStore open() {
        SqliteEventStore events = SqliteEventStore.open(dir.resolve("facta.db"));
        opened.add(events);
        return events;
    }

    @Override
    protected ReadModelStore newStore() {
        return SqliteReadModelStore.on(open());
    }

    @Override
    protected void destroyStore(ReadModelStore store) {
        for (SqliteEventStore e : opened.reversed()) e.close();
        opened.clear();
    }

    private SqliteReadModelStore sqlite() {
        return (SqliteReadModelStore) store;
    }

    private static String docOf(String id, String fields) {
        return "{\"k\":" + dev.facta.internal.Json.quote(id) + (fields.isEmpty() ? "" : "," + fields) + "}";
    }

    /** Puts documents given as id, fields (without braces); each document's "k" field holds its id. */
    private static void putDocs(DocumentCollection<String> c, String... idAndFields) {
        Map<String, String> docs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < idAndFields.length; i += 2) docs.put(idAndFields[i], docOf(idAndFields[i], idAndFields[i + 1]));
        c.putMany(docs);
    }

    private static List<String> ids(List<String> docs) {
        List<String> out = new ArrayList<>();
        for (String d : docs) out.add((String) dev.facta.readmodel.Documents.parse(d).get("k"));
        return out;
    }

    private static List<String> ids(DocumentCollection<String> c, Query q) {
        return ids(c.find(q).items());
    }

    /** Every page of a query. */
    private static List<String> allIds(DocumentCollection<String> c, Query q) {
        List<String> out = new ArrayList<>();
        Query at = q.limit(3);
        while (true) {
            dev.facta.readmodel.Page<String> page = c.find(at);
            out.addAll(ids(page.items()));
            if (page.next().isEmpty()) return out;
            at = page.next().get();
        }
    }

    private static String plan(List<String> steps) {
        return String.join("\n", steps);
    }

    // ---------------------------------------------------------------- indexes

    @Test
    void an_equality_or_range_on_an_indexed_field_searches_its_index_and_other_fields_scan() {
        DocumentCollection<String> orders = json("orders");
        for (int i = 0; i < 50; i++) {
            orders.put("o-" + i, "{\"status\":\"s" + (i % 5) + "\",\"total\":" + i + ",\"customer\":{\"id\":\"c" + i + "\"}}");
        }
        store.createIndex("orders", Index.text("status"));
        store.createIndex("orders", Index.number("total"));
        store.createIndex("orders", Index.text("customer.id"));

        assertThat(plan(sqlite().explain("orders", Query.where("status", eq("s1")))))
                .contains("USING INDEX rm_orders#status");
        assertThat(plan(sqlite().explain("orders", Query.where("customer.id", eq("c7")))))
                .contains("USING INDEX rm_orders#customer.id");
        assertThat(plan(sqlite().explain("orders", Query.where("total", eq(7)))))
                .contains("USING INDEX rm_orders#total");
        assertThat(plan(sqlite().explain("orders", Query.where("total", gte(40)))))
                .contains("USING INDEX rm_orders#total");
        assertThat(plan(sqlite().explain("orders", Query.where("status", startsWith("s")))))
                .contains("USING INDEX rm_orders#status");
        assertThat(plan(sqlite().explain("orders", Query.where("status", in("s1", "s2")))))
                .contains("USING INDEX rm_orders#status");
        assertThat(plan(sqlite().explain("orders", Query.where("missing", eq("x")))))
                .doesNotContain("USING INDEX").contains("SCAN");

        // and the indexed queries still answer right
        assertThat(orders.count(Query.where("status", eq("s1")))).isEqualTo(10);
        assertThat(orders.count(Query.where("total", gte(40)))).isEqualTo(10);
        assertThat(ids(orders, Query.where("customer.id", eq("c7")))).hasSize(1);
    }

    @Test
    void declaring_an_index_again_changes_nothing_and_dropping_the_collection_removes_its_indexes() {
        json("orders").put("o-1", "{\"status\":\"open\"}");
        store.createIndex("orders", Index.text("status"));
        store.createIndex("orders", Index.text("status"));
        store.createIndex("orders", Index.text("status").asUnique());
        assertThat(plan(sqlite().explain("orders", Query.where("status", eq("open"))))).contains("USING INDEX");
        store.dropCollection("orders");
        assertThat(store.collections()).isEmpty();
        json("orders").put("o-1", "{\"status\":\"open\"}");
        json("orders").put("o-2", "{\"status\":\"open\"}"); // the unique index went with the collection
        assertThat(plan(sqlite().explain("orders", Query.where("status", eq("open"))))).doesNotContain("USING INDEX");
    }

    // ---------------------------------------------------------------- exact numbers

    @Test
    void numbers_beyond_double_precision_compare_and_sort_exactly() {
        DocumentCollection<String> c = json("big");
        putDocs(c,
                "a", "\"n\":12345678901234567890",
                "b", "\"n\":12345678901234567890.5",
                "c", "\"n\":12345678901234567891",
                "d", "\"n\":1.2345678901234567890E+19",
                "e", "\"n\":18014398509481987",   // 2^54 + 3: a 64-bit integer no double holds
                "f", "\"n\":18014398509481986.5",
                "g", "\"n\":123456789012345678901234567890",
                "h", "\"n\":0.1",
                "i", "\"n\":0.10000000000000000001",
                "j", "\"n\":1e400");

        assertThat(ids(c, Query.where("n", eq(new java.math.BigDecimal("12345678901234567890"))))).containsExactlyInAnyOrder("a", "d");
        assertThat(ids(c, Query.where("n", eq(new java.math.BigDecimal("12345678901234567890.5"))))).containsExactly("b");
        assertThat(ids(c, Query.where("n", gt(new java.math.BigDecimal("12345678901234567890"))))).containsExactlyInAnyOrder("b", "c", "g", "j");
        assertThat(ids(c, Query.where("n", gte(new java.math.BigDecimal("12345678901234567890.5"))))).containsExactlyInAnyOrder("b", "c", "g", "j");
        assertThat(ids(c, Query.where("n", lt(new java.math.BigDecimal("12345678901234567890.5"))))).containsExactlyInAnyOrder("a", "d", "e", "f", "h", "i");
        assertThat(ids(c, Query.where("n", lte(new java.math.BigDecimal("18014398509481986.5"))))).containsExactlyInAnyOrder("f", "h", "i");
        assertThat(ids(c, Query.where("n", gt(new java.math.BigDecimal("18014398509481986.5"))).and("n", lt(new java.math.BigDecimal("18014398509481988")))))
                .containsExactly("e");
        assertThat(ids(c, Query.where("n", eq(new java.math.BigDecimal("0.1"))))).containsExactly("h");
        assertThat(ids(c, Query.where("n", ne(new java.math.BigDecimal("0.1"))))).hasSize(9).doesNotContain("h");
        assertThat(ids(c, Query.where("n", in(new java.math.BigDecimal("0.10000000000000000001"), new java.math.BigDecimal("1e400")))))
                .containsExactlyInAnyOrder("i", "j");
        assertThat(ids(c, Query.where("n", gt(new java.math.BigDecimal("1e399"))))).containsExactly("j");

        assertThat(allIds(c, Query.all().orderBy("n"))).containsExactly("h", "i", "f", "e", "a", "d", "b", "c", "g", "j");
        assertThat(allIds(c, Query.all().orderBy("n", Query.Direction.DESC))).containsExactly("j", "g", "c", "b", "a", "d", "e", "f", "i", "h");
    }

    @Test
    void the_sort_key_of_numbers_orders_them_exactly_even_where_their_doubles_are_equal() {
        java.util.Random random = new java.util.Random(7);
        List<java.math.BigDecimal> numbers = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            double d = switch (i % 4) {
                case 0 -> random.nextDouble();
                case 1 -> random.nextGaussian() * 1e20;
                case 2 -> -random.nextDouble() * 1e-5;
                default -> (double) random.nextInt(100);
            };
            java.math.BigDecimal base = new java.math.BigDecimal(d);
            // numbers on, just below and just above the double, written in several ways
            numbers.add(base);
            numbers.add(new java.math.BigDecimal(Double.toString(d)));
            java.math.BigDecimal tiny = base.abs().max(java.math.BigDecimal.ONE).movePointLeft(25 + random.nextInt(5));
            numbers.add(base.add(tiny.multiply(java.math.BigDecimal.valueOf(random.nextInt(5) - 2))));
            numbers.add(base.setScale(base.scale() + 3));
        }
        numbers.add(new java.math.BigDecimal("1e400"));
        numbers.add(new java.math.BigDecimal("2e400"));
        numbers.add(new java.math.BigDecimal("-1e400"));
        numbers.add(java.math.BigDecimal.ZERO);
        java.util.Comparator<java.math.BigDecimal> byKey = java.util.Comparator
                .comparingDouble(java.math.BigDecimal::doubleValue)
                .thenComparing(SqliteDocumentFunctions::fineKey);
        for (int i = 0; i < 20000; i++) {
            java.math.BigDecimal a = numbers.get(random.nextInt(numbers.size()));
            java.math.BigDecimal b = numbers.get(random.nextInt(numbers.size()));
            assertThat(Integer.signum(byKey.compare(a, b))).as("%s vs %s", a, b).isEqualTo(Integer.signum(a.compareTo(b)));
        }
    }

    @Test
    void the_same_holds_with_an_index_on_the_field() {
        store.createIndex("big", Index.number("n"));
        numbers_beyond_double_precision_compare_and_sort_exactly();
    }

    @Test
    void a_unique_number_index_tells_apart_numbers_a_double_cannot() {
        DocumentCollection<String> c = json("accounts");
        store.createIndex("accounts", Index.number("no").asUnique());
        c.put("a", "{\"no\":12345678901234567890}");
        c.put("b", "{\"no\":12345678901234567890.5}");
        c.put("c", "{\"no\":\"12345678901234567890\"}"); // a string is not constrained by a number index
        assertThatThrownBy(() -> c.put("d", "{\"no\":1.23456789012345678900e19}"))
                .isInstanceOf(UniqueViolationException.class).hasMessageContaining("'a'");
        assertThat(c.count(Query.all())).isEqualTo(3);
    }

    @Test
    void strings_with_supplementary_characters_compare_by_code_point_in_sql() {
        DocumentCollection<String> c = json("texts");
        putDocs(c,
                "a", "\"s\":\"ab\"",
                "b", "\"s\":\"a\"",
                "d", "\"s\":\"\\uffff\"",
                "e", "\"s\":\"\\ud83d\\ude00\"",
                "f", "\"s\":\"\\ue000x\"",
                "g", "\"s\":\"\\ud83d\\ude00\\u00e9\"");
        store.createIndex("texts", Index.text("s"));
        assertThat(allIds(c, Query.all().orderBy("s"))).containsExactly("b", "a", "f", "d", "e", "g");
        assertThat(ids(c, Query.where("s", gt("\uffff")))).containsExactly("e", "g");
        assertThat(ids(c, Query.where("s", startsWith("\ud83d\ude00")))).containsExactly("e", "g");
        assertThat(ids(c, Query.where("s", lt("\ud83d\ude00")))).containsExactly("a", "b", "d", "f");
        assertThat(ids(c, Query.where("s", eq("\ud83d\ude00\u00e9")))).containsExactly("g");
    }

    // ---------------------------------------------------------------- one file, several stores

    @Test
    void another_store_on_the_same_file_sees_the_documents_and_keeps_the_unique_index() {
        store.createIndex("users", Index.text("email").asUnique());
        json("users").put("u-1", "{\"email\":\"a@example.com\"}");
        SqliteReadModelStore other = SqliteReadModelStore.on(open());
        DocumentCollection<String> users = other.collection("users", DocumentCodec.json());
        assertThat(users.get("u-1")).isPresent();
        assertThatThrownBy(() -> users.putMany(Map.of("u-2", "{\"email\":\"b@example.com\"}", "u-3", "{\"email\":\"a@example.com\"}")))
                .isInstanceOf(UniqueViolationException.class);
        assertThat(json("users").getMany(List.of("u-2", "u-3"))).isEmpty();
        assertThat(other.collections()).containsExactly("users");
    }

    @Test
    void documents_survive_reopening_the_file() {
        json("orders").put("o-1", docOf("o-1", "\"status\":\"open\",\"total\":1.50"));
        destroyStore(store);
        store = newStore();
        assertThat(ids(json("orders"), Query.where("total", eq(1.5)))).containsExactly("o-1");
    }
}
