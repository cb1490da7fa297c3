package dev.facta.readmodel;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.facta.readmodel.Predicate.eq;
import static dev.facta.readmodel.Predicate.exists;
import static dev.facta.readmodel.Predicate.gt;
import static dev.facta.readmodel.Predicate.gte;
import static dev.facta.readmodel.Predicate.in;
import static dev.facta.readmodel.Predicate.lt;
import static dev.facta.readmodel.Predicate.lte;
import static dev.facta.readmodel.Predicate.missing;
import static dev.facta.readmodel.Predicate.ne;
import static dev.facta.readmodel.Predicate.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every read-model store keeps: the in-memory, SQLite and PostgreSQL stores extend this with a
 * fresh, empty store per test. Documents in these tests carry their id in a field {@code "k"}, so
 * results can be compared by id whatever text the store gives back.
 */
public abstract class ReadModelStoreContract {

    protected ReadModelStore store;

    /** A fresh, empty store; {@link #destroyStore} cleans it up after the test. */
    protected abstract ReadModelStore newStore() throws Exception;

    protected void destroyStore(ReadModelStore store) throws Exception {
        if (store instanceof AutoCloseable c) c.close();
    }

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        destroyStore(store);
    }

    protected DocumentCollection<String> json(String name) {
        return store.collection(name, DocumentCodec.json());
    }

    /** Puts documents whose JSON is given without the id field: {@code doc("o-1", "\"total\":3")}. */
    protected static void putAll(DocumentCollection<String> c, String... idAndFields) {
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < idAndFields.length; i += 2) docs.put(idAndFields[i], doc(idAndFields[i], idAndFields[i + 1]));
        c.putMany(docs);
    }

    protected static String doc(String id, String fields) {
        return "{\"k\":" + dev.facta.internal.Json.quote(id) + (fields.isEmpty() ? "" : "," + fields) + "}";
    }

    /** The ids (field "k") of documents, in order. */
    protected static List<String> keys(List<String> docs) {
        List<String> out = new ArrayList<>();
        for (String d : docs) out.add((String) Documents.parse(d).get("k"));
        return out;
    }

    protected static List<String> keys(DocumentCollection<String> c, Query q) {
        return keys(c.find(q).items());
    }

    /** Ids matching a query, in the query's order, reading every page. */
    protected static List<String> allKeys(DocumentCollection<String> c, Query q) {
        List<String> out = new ArrayList<>();
        Query at = q.limit(Query.MAX_LIMIT);
        while (true) {
            Page<String> page = c.find(at);
            out.addAll(keys(page.items()));
            if (page.next().isEmpty()) return out;
            at = page.next().get();
        }
    }

    /** JSON trees compared as values: numbers by value, objects regardless of key order. */
    protected static Object normalised(Object tree) {
        return switch (tree) {
            case Map<?, ?> m -> {
                Map<Object, Object> out = new HashMap<>();
                m.forEach((k, v) -> out.put(k, normalised(v)));
                yield out;
            }
            case List<?> l -> l.stream().map(ReadModelStoreContract::normalised).toList();
            case BigDecimal n -> n.signum() == 0 ? BigDecimal.ZERO : n.stripTrailingZeros();
            case null -> "<null>";
            default -> tree;
        };
    }

    protected static void assertSameJson(String actual, String expected) {
        assertThat(normalised(Documents.parse(actual))).isEqualTo(normalised(Documents.parse(expected)));
    }

    // ---------------------------------------------------------------- documents

    @Test
    void documents_round_trip_by_id() {
        DocumentCollection<String> orders = json("orders");
        assertThat(orders.name()).isEqualTo("orders");
        String text = "{\"k\":\"o-1\",\"status\":\"open\",\"total\":10.50,\"lines\":[{\"sku\":\"a\",\"qty\":2}],"
                + "\"note\":null,\"paid\":false,\"customer\":{\"name\":\"Zoë \\\"Z\\\" \\u00e9\\ud83d\\ude00\",\"vip\":true}}";
        orders.put("o-1", text);
        assertSameJson(orders.get("o-1").orElseThrow(), text);
        assertThat(orders.get("o-2")).isEmpty();
        assertThat(json("other").get("o-1")).isEmpty();
    }

    @Test
    void put_replaces_and_delete_reports_whether_there_was_a_document() {
        DocumentCollection<String> c = json("things");
        c.put("t-1", doc("t-1", "\"v\":1"));
        c.put("t-1", doc("t-1", "\"v\":2"));
        assertSameJson(c.get("t-1").orElseThrow(), doc("t-1", "\"v\":2"));
        assertThat(c.count(Query.all())).isEqualTo(1);
        assertThat(c.delete("t-1")).isTrue();
        assertThat(c.delete("t-1")).isFalse();
        assertThat(c.get("t-1")).isEmpty();
    }

    @Test
    void get_many_returns_only_the_documents_that_exist() {
        DocumentCollection<String> c = json("things");
        putAll(c, "a", "\"v\":1", "b", "\"v\":2", "c", "\"v\":3");
        Map<String, String> found = c.getMany(List.of("c", "x", "a", "a"));
        assertThat(found.keySet()).containsExactlyInAnyOrder("a", "c");
        assertSameJson(found.get("c"), doc("c", "\"v\":3"));
        assertThat(c.getMany(List.of())).isEmpty();
        assertThat(c.getMany(List.of("nothing"))).isEmpty();
    }

    @Test
    void put_many_inserts_and_replaces_together() {
        DocumentCollection<String> c = json("things");
        putAll(c, "a", "\"v\":1");
        putAll(c, "a", "\"v\":10", "b", "\"v\":20");
        assertThat(keys(c, Query.where("v", gte(10)))).containsExactly("a", "b");
        c.putMany(Map.of());
        assertThat(c.count(Query.all())).isEqualTo(2);
    }

    @Test
    void update_applies_a_change_creates_and_deletes() {
        DocumentCollection<String> c = json("counters");
        c.update("n", before -> {
            assertThat(before).isNull();
            return doc("n", "\"count\":1");
        });
        for (int i = 0; i < 4; i++) {
            c.update("n", before -> {
                BigDecimal count = (BigDecimal) Documents.parse(before).get("count");
                return doc("n", "\"count\":" + count.add(BigDecimal.ONE));
            });
        }
        assertSameJson(c.get("n").orElseThrow(), doc("n", "\"count\":5"));
        c.update("n", before -> null);
        assertThat(c.get("n")).isEmpty();
        c.update("m", before -> null);
        assertThat(c.get("m")).isEmpty();
        assertThat(store.collections()).doesNotContain("counters");
    }

    @Test
    void clear_empties_one_collection_only() {
        DocumentCollection<String> a = json("a");
        DocumentCollection<String> b = json("b");
        putAll(a, "1", "", "2", "");
        putAll(b, "1", "");
        a.clear();
        assertThat(a.count(Query.all())).isZero();
        assertThat(a.get("1")).isEmpty();
        assertThat(b.get("1")).isPresent();
        a.clear();
        json("never_written").clear();
        assertThat(store.collections()).containsExactly("b");
    }

    @Test
    void collections_are_listed_in_name_order_while_they_hold_documents_or_indexes() {
        assertThat(store.collections()).isEmpty();
        putAll(json("beta"), "1", "");
        putAll(json("alpha"), "1", "");
        store.createIndex("gamma", Index.text("name"));
        json("delta"); // obtaining a collection creates nothing
        assertThat(store.collections()).containsExactly("alpha", "beta", "gamma");

        store.dropCollection("beta");
        assertThat(store.collections()).containsExactly("alpha", "gamma");
        assertThat(json("beta").get("1")).isEmpty();
        store.dropCollection("gamma");
        store.dropCollection("never_there");
        json("alpha").delete("1");
        assertThat(store.collections()).isEmpty();

        putAll(json("beta"), "2", "");
        assertThat(keys(json("beta"), Query.all())).containsExactly("2");
    }

    @Test
    void concurrent_put_many_of_disjoint_ids_all_land() throws Exception {
        DocumentCollection<String> c = json("busy");
        int threads = 8;
        int batches = 10;
        int perBatch = 20;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int b = 0; b < batches; b++) {
                        Map<String, String> docs = new LinkedHashMap<>();
                        for (int i = 0; i < perBatch; i++) {
                            String id = "t" + thread + "-" + b + "-" + i;
                            docs.put(id, doc(id, "\"thread\":" + thread));
                        }
                        c.putMany(docs);
                        // a reader running alongside another thread's writes sees its batches whole
                        long other = c.count(Query.where("thread", eq((thread + 1) % threads)));
                        assertThat(other % perBatch).as("documents of one batch seen").isZero();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        assertThat(c.count(Query.all())).isEqualTo((long) threads * batches * perBatch);
        for (int t = 0; t < threads; t++) {
            assertThat(c.count(Query.where("thread", eq(t)))).isEqualTo((long) batches * perBatch);
        }
        assertThat(c.getMany(List.of("t7-9-19", "t0-0-0")).keySet()).containsExactlyInAnyOrder("t7-9-19", "t0-0-0");
    }

    // ---------------------------------------------------------------- predicates

    /** One document per kind of value of field "v". */
    private DocumentCollection<String> typed() {
        DocumentCollection<String> c = json("typed");
        putAll(c,
                "num1", "\"v\":1",
                "num1dot0", "\"v\":1.0",
                "num2", "\"v\":2",
                "str1", "\"v\":\"1\"",
                "strA", "\"v\":\"a\"",
                "true", "\"v\":true",
                "false", "\"v\":false",
                "null", "\"v\":null",
                "absent", "",
                "object", "\"v\":{\"x\":1}",
                "array", "\"v\":[1,\"1\"]");
        return c;
    }

    @Test
    void eq_matches_only_values_of_the_same_type() {
        DocumentCollection<String> c = typed();
        assertThat(keys(c, Query.where("v", eq(1)))).containsExactly("num1", "num1dot0");
        assertThat(keys(c, Query.where("v", eq(new BigDecimal("1.000"))))).containsExactly("num1", "num1dot0");
        assertThat(keys(c, Query.where("v", eq(1.0d)))).containsExactly("num1", "num1dot0");
        assertThat(keys(c, Query.where("v", eq("1")))).containsExactly("str1");
        assertThat(keys(c, Query.where("v", eq(true)))).containsExactly("true");
        assertThat(keys(c, Query.where("v", eq(false)))).containsExactly("false");
        assertThat(keys(c, Query.where("v", eq("true")))).isEmpty();
        assertThat(keys(c, Query.where("v", eq("null")))).isEmpty();
        assertThat(keys(c, Query.where("v", eq(0)))).isEmpty();
    }

    @Test
    void ne_matches_present_values_that_differ_in_value_or_type_but_not_null_or_absent() {
        DocumentCollection<String> c = typed();
        assertThat(keys(c, Query.where("v", ne(1))))
                .containsExactly("array", "false", "num2", "object", "str1", "strA", "true");
        assertThat(keys(c, Query.where("v", ne("1"))))
                .containsExactly("array", "false", "num1", "num1dot0", "num2", "object", "strA", "true");
        assertThat(keys(c, Query.where("v", ne(true))))
                .containsExactly("array", "false", "num1", "num1dot0", "num2", "object", "str1", "strA");
    }

    @Test
    void comparisons_match_only_values_of_the_argument_type() {
        DocumentCollection<String> c = typed();
        assertThat(keys(c, Query.where("v", gt(0)))).containsExactly("num1", "num1dot0", "num2");
        assertThat(keys(c, Query.where("v", gt(1)))).containsExactly("num2");
        assertThat(keys(c, Query.where("v", gte(1)))).containsExactly("num1", "num1dot0", "num2");
        assertThat(keys(c, Query.where("v", lt(2)))).containsExactly("num1", "num1dot0");
        assertThat(keys(c, Query.where("v", lte(new BigDecimal("1.0"))))).containsExactly("num1", "num1dot0");
        assertThat(keys(c, Query.where("v", gt("")))).containsExactly("str1", "strA");
        assertThat(keys(c, Query.where("v", gt("1")))).containsExactly("strA");
        assertThat(keys(c, Query.where("v", gte("1")))).containsExactly("str1", "strA");
        assertThat(keys(c, Query.where("v", lt("a")))).containsExactly("str1");
        assertThat(keys(c, Query.where("v", lte("zzz")))).containsExactly("str1", "strA");
        // a string that looks like a number is still a string, and the other way round
        assertThat(keys(c, Query.where("v", gt("0")))).containsExactly("str1", "strA");
        assertThat(keys(c, Query.where("v", lt(100)))).containsExactly("num1", "num1dot0", "num2");
        assertThatThrownBy(() -> gt(true)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void in_matches_any_value_with_the_same_strictness_as_eq() {
        DocumentCollection<String> c = typed();
        assertThat(keys(c, Query.where("v", in(2, "a", false)))).containsExactly("false", "num2", "strA");
        assertThat(keys(c, Query.where("v", in("2", "x")))).isEmpty();
        assertThat(keys(c, Query.where("v", in(List.of(1))))).containsExactly("num1", "num1dot0");
        assertThat(keys(c, Query.where("v", in(true)))).containsExactly("true");
        assertThatThrownBy(Predicate::in).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void exists_includes_json_null_and_missing_is_absent_or_null() {
        DocumentCollection<String> c = typed();
        assertThat(keys(c, Query.where("v", exists())))
                .containsExactly("array", "false", "null", "num1", "num1dot0", "num2", "object", "str1", "strA", "true");
        assertThat(keys(c, Query.where("v", missing()))).containsExactly("absent", "null");
        assertThat(keys(c, Query.where("nothing", missing()))).hasSize(11);
        assertThat(keys(c, Query.where("nothing", exists()))).isEmpty();
        assertThat(keys(c, Query.where("nothing", ne("x")))).isEmpty();
    }

    @Test
    void starts_with_matches_strings_by_literal_prefix() {
        DocumentCollection<String> c = json("words");
        putAll(c,
                "1", "\"w\":\"apple\"",
                "2", "\"w\":\"apricot\"",
                "3", "\"w\":\"Apple\"",
                "4", "\"w\":\"a%b\"",
                "5", "\"w\":\"a_b\"",
                "6", "\"w\":\"axb\"",
                "7", "\"w\":\"a\\\\b\"",
                "8", "\"w\":\"\\ud83d\\ude00 smile\"",
                "9", "\"w\":12",
                "10", "\"w\":\"12\"",
                "11", "\"w\":\"it's\"");
        assertThat(keys(c, Query.where("w", startsWith("ap")))).containsExactly("1", "2");
        assertThat(keys(c, Query.where("w", startsWith("a%")))).containsExactly("4");
        assertThat(keys(c, Query.where("w", startsWith("a_")))).containsExactly("5");
        assertThat(keys(c, Query.where("w", startsWith("a\\")))).containsExactly("7");
        assertThat(keys(c, Query.where("w", startsWith("\uD83D\uDE00")))).containsExactly("8");
        assertThat(keys(c, Query.where("w", startsWith("1")))).containsExactly("10");
        assertThat(keys(c, Query.where("w", startsWith("it'")))).containsExactly("11");
        assertThat(keys(c, Query.where("w", startsWith("")))).hasSize(10);
        assertThat(keys(c, Query.where("w", startsWith("apples")))).isEmpty();
    }

    @Test
    void nested_fields_are_reached_with_dots() {
        DocumentCollection<String> c = json("people");
        putAll(c,
                "1", "\"address\":{\"city\":\"Oslo\",\"geo\":{\"lat\":59.9}}",
                "2", "\"address\":{\"city\":\"Lima\",\"geo\":{\"lat\":-12.04}}",
                "3", "\"address\":{\"city\":null}",
                "4", "\"address\":\"Oslo\"",
                "5", "\"address\":[{\"city\":\"Oslo\"}]",
                "6", "\"address.city\":\"Oslo\"",
                "7", "");
        assertThat(keys(c, Query.where("address.city", eq("Oslo")))).containsExactly("1");
        assertThat(keys(c, Query.where("address.geo.lat", lt(0)))).containsExactly("2");
        assertThat(keys(c, Query.where("address.city", exists()))).containsExactly("1", "2", "3");
        assertThat(keys(c, Query.where("address.city", missing()))).containsExactly("3", "4", "5", "6", "7");
        assertThat(keys(c, Query.where("address.city", ne("Oslo")))).containsExactly("2");
        assertThat(keys(c, Query.where("address", exists()).and("address.city", missing()))).containsExactly("3", "4", "5");
        assertThat(keys(c, Query.all().orderBy("address.geo.lat", Query.Direction.DESC))).containsExactly("1", "2", "3", "4", "5", "6", "7");
    }

    @Test
    void field_names_may_hold_dollar_dash_and_underscore() {
        DocumentCollection<String> c = json("odd");
        putAll(c, "1", "\"$type\":\"x\",\"first-name\":\"Ann\",\"_n\":{\"a-b\":3}", "2", "\"$type\":\"y\",\"first-name\":\"Bob\"");
        assertThat(keys(c, Query.where("$type", eq("x")))).containsExactly("1");
        assertThat(keys(c, Query.where("first-name", gt("Ann")))).containsExactly("2");
        assertThat(keys(c, Query.where("_n.a-b", eq(3)))).containsExactly("1");
        assertThat(keys(c, Query.all().orderBy("first-name", Query.Direction.DESC))).containsExactly("2", "1");
    }

    @Test
    void conditions_are_and_ed() {
        DocumentCollection<String> c = json("orders");
        putAll(c,
                "1", "\"status\":\"open\",\"total\":5",
                "2", "\"status\":\"open\",\"total\":50",
                "3", "\"status\":\"paid\",\"total\":50",
                "4", "\"status\":\"open\"");
        Query q = Query.where("status", eq("open")).and("total", gt(10));
        assertThat(keys(c, q)).containsExactly("2");
        assertThat(keys(c, Query.where("total", gte(5)).and("total", lte(50)).and("status", ne("paid")))).containsExactly("1", "2");
        assertThat(c.count(q)).isEqualTo(1);
    }

    @Test
    void numbers_compare_by_value_at_any_size_and_sign() {
        DocumentCollection<String> c = json("numbers");
        putAll(c,
                "big", "\"n\":12345678901234567890.5",
                "bigint", "\"n\":12345678901234567890",
                "bigint1", "\"n\":12345678901234567891",
                "neg10", "\"n\":-10",
                "neg2.5", "\"n\":-2.5",
                "neg2", "\"n\":-2",
                "zero", "\"n\":0",
                "negzero", "\"n\":-0.0",
                "small", "\"n\":0.000000000000000000001",
                "exp", "\"n\":1E2",
                "hundred", "\"n\":100.000",
                "three", "\"n\":3.5");
        assertThat(keys(c, Query.where("n", eq(new BigDecimal("12345678901234567890.5"))))).containsExactly("big");
        assertThat(keys(c, Query.where("n", eq(new java.math.BigInteger("12345678901234567890"))))).containsExactly("bigint");
        assertThat(keys(c, Query.where("n", gt(new BigDecimal("12345678901234567890"))))).containsExactly("big", "bigint1");
        assertThat(keys(c, Query.where("n", lt(-2)))).containsExactly("neg10", "neg2.5");
        assertThat(keys(c, Query.where("n", eq(0)))).containsExactly("negzero", "zero");
        assertThat(keys(c, Query.where("n", gt(0)).and("n", lt(1)))).containsExactly("small");
        assertThat(keys(c, Query.where("n", eq(100)))).containsExactly("exp", "hundred");
        assertThat(keys(c, Query.where("n", in(-2.5, 3.5)))).containsExactly("neg2.5", "three");
        assertThat(allKeys(c, Query.all().orderBy("n")))
                .containsExactly("neg10", "neg2.5", "neg2", "negzero", "zero", "small", "three", "exp", "hundred",
                        "bigint", "big", "bigint1");
        assertSameJson(c.get("big").orElseThrow(), doc("big", "\"n\":12345678901234567890.5"));
    }

    // ---------------------------------------------------------------- order

    @Test
    void strings_compare_and_sort_by_code_point() {
        DocumentCollection<String> c = json("words");
        // code point order: A < a < z < é < ﬁ (U+FB01) < Ａ (U+FF21) < � (U+FFFD) < 😀 (U+1F600);
        // UTF-16 order would put the emoji (a surrogate pair, U+D83D...) before U+FB01
        putAll(c,
                "emoji", "\"w\":\"\\ud83d\\ude00\"",
                "fi", "\"w\":\"\uFB01\"",
                "fullA", "\"w\":\"\uFF21\"",
                "repl", "\"w\":\"\uFFFD\"",
                "e", "\"w\":\"é\"",
                "z", "\"w\":\"z\"",
                "a", "\"w\":\"a\"",
                "A", "\"w\":\"A\"",
                "ab", "\"w\":\"ab\"");
        assertThat(keys(c, Query.all().orderBy("w"))).containsExactly("A", "a", "ab", "z", "e", "fi", "fullA", "repl", "emoji");
        assertThat(keys(c, Query.all().orderBy("w", Query.Direction.DESC)))
                .containsExactly("emoji", "repl", "fullA", "fi", "e", "z", "ab", "a", "A");
        assertThat(keys(c, Query.where("w", gt("\uFB01")).orderBy("w"))).containsExactly("fullA", "repl", "emoji");
        assertThat(keys(c, Query.where("w", lt("\uD83D\uDE00")).orderBy("w"))).hasSize(8);
        assertThat(keys(c, Query.where("w", gte("\uFFFD")).orderBy("w"))).containsExactly("repl", "emoji");
        assertThat(keys(c, Query.where("w", lte("a")).orderBy("w"))).containsExactly("A", "a");
    }

    @Test
    void ids_are_ordered_by_code_point() {
        DocumentCollection<String> c = json("ids");
        putAll(c, "\uD83D\uDE00", "", "\uFB01", "", "b", "", "B", "", "a-1", "", "a", "");
        assertThat(keys(c, Query.all())).containsExactly("B", "a", "a-1", "b", "\uFB01", "\uD83D\uDE00");
    }

    @Test
    void documents_lacking_a_sort_field_come_last_in_either_direction() {
        DocumentCollection<String> c = json("sorted");
        putAll(c,
                "a", "\"v\":3",
                "b", "\"v\":1",
                "c", "",
                "d", "\"v\":2",
                "e", "\"v\":null",
                "f", "\"v\":{\"x\":1}",
                "g", "\"v\":[0]");
        assertThat(keys(c, Query.all().orderBy("v"))).containsExactly("b", "d", "a", "c", "e", "f", "g");
        assertThat(keys(c, Query.all().orderBy("v", Query.Direction.DESC))).containsExactly("a", "d", "b", "c", "e", "f", "g");
    }

    @Test
    void mixed_types_sort_numbers_then_strings_then_booleans() {
        DocumentCollection<String> c = json("mixed");
        putAll(c,
                "1", "\"v\":\"b\"",
                "2", "\"v\":true",
                "3", "\"v\":10",
                "4", "",
                "5", "\"v\":\"a\"",
                "6", "\"v\":false",
                "7", "\"v\":-1",
                "8", "\"v\":\"10\"");
        assertThat(keys(c, Query.all().orderBy("v"))).containsExactly("7", "3", "8", "5", "1", "6", "2", "4");
        assertThat(keys(c, Query.all().orderBy("v", Query.Direction.DESC))).containsExactly("2", "6", "1", "5", "8", "3", "7", "4");
    }

    @Test
    void several_sort_keys_then_the_id() {
        DocumentCollection<String> c = json("scores");
        putAll(c,
                "p1", "\"team\":\"red\",\"score\":5",
                "p2", "\"team\":\"blue\",\"score\":7",
                "p3", "\"team\":\"red\",\"score\":9",
                "p4", "\"team\":\"blue\",\"score\":7",
                "p5", "\"team\":\"red\"",
                "p0", "\"team\":\"blue\",\"score\":7.0",
                "p6", "\"score\":100");
        assertThat(keys(c, Query.all().orderBy("team").orderBy("score", Query.Direction.DESC)))
                .containsExactly("p0", "p2", "p4", "p3", "p1", "p5", "p6");
        assertThat(keys(c, Query.all().orderBy("score", Query.Direction.DESC).orderBy("team", Query.Direction.DESC)))
                .containsExactly("p6", "p3", "p0", "p2", "p4", "p1", "p5");
    }

    // ---------------------------------------------------------------- pages and counts

    @Test
    void paging_returns_every_document_exactly_once_in_order() {
        DocumentCollection<String> c = json("paged");
        Random random = new Random(42);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 250; i++) order.add(i);
        Collections.shuffle(order, random);
        Map<String, String> docs = new LinkedHashMap<>();
        Map<String, Integer> group = new HashMap<>();
        for (int i : order) {
            String id = String.format("d-%03d", i);
            int g = random.nextInt(7);
            group.put(id, g);
            docs.put(id, doc(id, "\"g\":" + g));
        }
        c.putMany(docs);

        Query q = Query.all().orderBy("g").limit(17);
        List<String> seen = new ArrayList<>();
        int pages = 0;
        Page<String> page = c.find(q);
        while (true) {
            pages++;
            seen.addAll(keys(page.items()));
            if (page.next().isEmpty()) break;
            assertThat(page.items()).hasSize(17);
            page = c.find(page.next().get());
        }
        assertThat(pages).isEqualTo(15);
        assertThat(seen).hasSize(250).doesNotHaveDuplicates();
        List<String> expected = new ArrayList<>(group.keySet());
        expected.sort(Comparator.comparing((String id) -> group.get(id)).thenComparing(Comparator.naturalOrder()));
        assertThat(seen).isEqualTo(expected);
    }

    @Test
    void a_page_has_a_next_page_only_when_more_documents_match() {
        DocumentCollection<String> c = json("exact");
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < 34; i++) docs.put("e" + (100 + i), doc("e" + (100 + i), "\"i\":" + i));
        c.putMany(docs);
        Page<String> first = c.find(Query.all().limit(17));
        assertThat(first.items()).hasSize(17);
        assertThat(first.next()).contains(Query.all().limit(17).offset(17));
        Page<String> second = c.find(first.next().get());
        assertThat(keys(second.items())).first().isEqualTo("e117");
        assertThat(second.items()).hasSize(17);
        assertThat(second.hasMore()).isFalse();
        assertThat(c.find(Query.all().limit(34)).hasMore()).isFalse();
        assertThat(c.find(Query.all().limit(33)).hasMore()).isTrue();
        Page<String> beyond = c.find(Query.all().offset(40));
        assertThat(beyond.items()).isEmpty();
        assertThat(beyond.hasMore()).isFalse();
        assertThat(keys(c, Query.where("i", gte(30)).limit(4))).containsExactly("e130", "e131", "e132", "e133");
        assertThat(c.find(Query.where("i", gte(30)).limit(4)).hasMore()).isFalse();
    }

    @Test
    void count_ignores_order_and_page() {
        DocumentCollection<String> c = json("counted");
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) docs.put("c" + i, doc("c" + i, "\"even\":" + (i % 2 == 0)));
        c.putMany(docs);
        assertThat(c.count(Query.where("even", eq(true)).orderBy("k").limit(3).offset(7))).isEqualTo(20);
        assertThat(c.count(Query.all().limit(1))).isEqualTo(40);
        assertThat(c.count(Query.where("even", missing()))).isZero();
        assertThat(json("empty").count(Query.all())).isZero();
    }

    // ---------------------------------------------------------------- indexes

    @Test
    void indexes_may_be_declared_again_and_before_or_after_documents() {
        DocumentCollection<String> c = json("indexed");
        putAll(c, "1", "\"name\":\"x\",\"age\":3");
        store.createIndex("indexed", Index.text("name"));
        store.createIndex("indexed", Index.text("name"));
        store.createIndex("indexed", Index.number("age"));
        store.createIndex("indexed", Index.number("age"));
        store.createIndex("indexed", Index.text("deep.nested.field"));
        store.createIndex("later", Index.number("n"));
        putAll(c, "2", "\"name\":\"y\",\"age\":\"old\"", "3", "\"name\":4");
        putAll(json("later"), "1", "\"n\":\"not a number\"");
        assertThat(keys(c, Query.where("name", eq("y")))).containsExactly("2");
        assertThat(keys(c, Query.where("age", gt(1)))).containsExactly("1");
        assertThat(keys(c, Query.all().orderBy("name"))).containsExactly("3", "1", "2");
        assertThat(store.collections()).containsExactly("indexed", "later");
    }

    @Test
    void a_unique_index_refuses_a_second_document_with_the_same_value() {
        store.createIndex("users", Index.text("email").asUnique());
        DocumentCollection<String> users = json("users");
        putAll(users, "u1", "\"email\":\"ann@example.com\"");
        assertThatThrownBy(() -> users.put("u2", doc("u2", "\"email\":\"ann@example.com\"")))
                .isInstanceOf(UniqueViolationException.class);
        assertThat(users.get("u2")).isEmpty();

        Map<String, String> batch = new LinkedHashMap<>();
        batch.put("u3", doc("u3", "\"email\":\"bob@example.com\""));
        batch.put("u4", doc("u4", "\"email\":\"ann@example.com\""));
        assertThatThrownBy(() -> users.putMany(batch)).isInstanceOf(UniqueViolationException.class);
        assertThat(users.getMany(List.of("u3", "u4"))).isEmpty();

        Map<String, String> twins = new LinkedHashMap<>();
        twins.put("u5", doc("u5", "\"email\":\"cy@example.com\""));
        twins.put("u6", doc("u6", "\"email\":\"cy@example.com\""));
        assertThatThrownBy(() -> users.putMany(twins)).isInstanceOf(UniqueViolationException.class);
        assertThat(users.count(Query.all())).isEqualTo(1);

        // rewriting the holder is fine; moving its value away frees it
        putAll(users, "u1", "\"email\":\"ann@example.com\",\"v\":2");
        putAll(users, "u1", "\"email\":\"ann@example.org\"");
        putAll(users, "u2", "\"email\":\"ann@example.com\"");
        assertThatThrownBy(() -> users.update("u2", before -> doc("u2", "\"email\":\"ann@example.org\"")))
                .isInstanceOf(UniqueViolationException.class);
        assertSameJson(users.get("u2").orElseThrow(), doc("u2", "\"email\":\"ann@example.com\""));
        // deleting the holder frees it too
        users.delete("u1");
        putAll(users, "u3", "\"email\":\"ann@example.org\"");
        assertThat(keys(users, Query.all())).containsExactly("u2", "u3");
    }

    @Test
    void a_unique_index_constrains_only_values_of_its_kind() {
        store.createIndex("codes", Index.text("code").asUnique());
        store.createIndex("codes", Index.number("seq").asUnique());
        DocumentCollection<String> c = json("codes");
        putAll(c,
                "1", "\"code\":\"7\",\"seq\":1",
                "2", "\"code\":7,\"seq\":\"1\"",
                "3", "",
                "4", "",
                "5", "\"code\":null,\"seq\":null",
                "6", "\"code\":null,\"seq\":null",
                "7", "\"code\":true,\"seq\":2",
                "8", "\"code\":true,\"seq\":3");
        assertThat(c.count(Query.all())).isEqualTo(8);
        assertThatThrownBy(() -> c.put("9", doc("9", "\"seq\":1.00"))).isInstanceOf(UniqueViolationException.class);
        assertThatThrownBy(() -> c.put("9", doc("9", "\"code\":\"7\""))).isInstanceOf(UniqueViolationException.class);
        assertThat(c.get("9")).isEmpty();
    }

    @Test
    void a_unique_index_on_a_nested_field() {
        store.createIndex("accounts", Index.text("owner.login").asUnique());
        DocumentCollection<String> c = json("accounts");
        putAll(c, "1", "\"owner\":{\"login\":\"ann\"}", "2", "\"owner\":{\"login\":\"bob\"}");
        assertThatThrownBy(() -> c.put("3", doc("3", "\"owner\":{\"login\":\"bob\",\"x\":1}")))
                .isInstanceOf(UniqueViolationException.class)
                .satisfies(e -> assertThat(((UniqueViolationException) e).field()).isEqualTo("owner.login"));
        putAll(c, "3", "\"owner\":{\"login\":\"Bob\"}");
        assertThat(c.count(Query.all())).isEqualTo(3);
    }

    @Test
    void a_unique_index_over_duplicates_is_refused_and_dropping_the_collection_drops_its_indexes() {
        DocumentCollection<String> c = json("dups");
        putAll(c, "1", "\"email\":\"x\"", "2", "\"email\":\"x\"");
        assertThatThrownBy(() -> store.createIndex("dups", Index.text("email").asUnique()))
                .isInstanceOf(UniqueViolationException.class);
        putAll(c, "3", "\"email\":\"x\""); // no index was left behind
        assertThat(c.count(Query.where("email", eq("x")))).isEqualTo(3);

        store.createIndex("unique", Index.text("email").asUnique());
        DocumentCollection<String> u = json("unique");
        putAll(u, "1", "\"email\":\"x\"");
        store.dropCollection("unique");
        assertThat(store.collections()).containsExactly("dups");
        putAll(u, "1", "\"email\":\"x\"", "2", "\"email\":\"x\"");
        assertThat(u.count(Query.all())).isEqualTo(2);
    }

    @Test
    void a_cleared_collection_keeps_its_unique_index_and_frees_its_values() {
        store.createIndex("kept", Index.text("email").asUnique());
        DocumentCollection<String> c = json("kept");
        putAll(c, "1", "\"email\":\"x\"");
        c.clear();
        assertThat(store.collections()).containsExactly("kept");
        putAll(c, "2", "\"email\":\"x\"");
        assertThatThrownBy(() -> c.put("3", doc("3", "\"email\":\"x\""))).isInstanceOf(UniqueViolationException.class);
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void bad_collection_names_are_refused() {
        for (String name : Arrays.asList("Orders", "1orders", "", "orders-v1", "a b", "x".repeat(49), "_x", "ordérs", null)) {
            assertThatThrownBy(() -> store.collection(name, DocumentCodec.json())).as(String.valueOf(name))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> store.createIndex(name, Index.text("a"))).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> store.dropCollection(name)).isInstanceOf(InvalidInputException.class);
        }
        putAll(json("x".repeat(48)), "1", "");
        assertThat(store.collections()).containsExactly("x".repeat(48));
    }

    @Test
    void bad_ids_are_refused_and_nothing_is_stored() {
        DocumentCollection<String> c = json("ids");
        String longest = "\uD83D\uDE00".repeat(Documents.MAX_ID_LENGTH);
        c.put(longest, doc("longest", ""));
        assertThat(c.get(longest)).isPresent();
        for (String id : Arrays.asList("", "x".repeat(513), "a\u0000b", "a\nb", "tab\t", "\u007f", "\u0085", "lone\uD800", "\uDC00x", null)) {
            assertThatThrownBy(() -> c.put(id, "{}")).as(String.valueOf(id)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> c.get(id)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> c.delete(id)).isInstanceOf(InvalidInputException.class);
            Map<String, String> batch = new HashMap<>();
            batch.put("fine", "{}");
            batch.put(id, "{}");
            assertThatThrownBy(() -> c.putMany(batch)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> c.getMany(Arrays.asList("fine", id))).isInstanceOf(InvalidInputException.class);
        }
        assertThat(c.count(Query.all())).isEqualTo(1);
    }

    @Test
    void documents_that_are_not_one_json_object_are_refused_and_nothing_is_stored() {
        DocumentCollection<String> c = json("docs");
        List<String> bad = Arrays.asList(
                "[1]", "1", "\"text\"", "null", "true", "", "   ",
                "{", "{\"a\":}", "{\"a\":1,}", "{'a':1}", "{\"a\":1}{}", "{\"a\":01}", "{\"a\":NaN}", "{\"a\":\"\\x\"}",
                "{\"a\":1,\"a\":2}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"tab\there\"}",
                "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}", null);
        for (String text : bad) {
            assertThatThrownBy(() -> c.put("d", text)).as(String.valueOf(text)).isInstanceOf(InvalidInputException.class);
            Map<String, String> batch = new LinkedHashMap<>();
            batch.put("fine", "{}");
            batch.put("bad", text);
            assertThatThrownBy(() -> c.putMany(batch)).isInstanceOf(InvalidInputException.class);
        }
        putAll(c, "kept", "\"v\":1");
        assertThatThrownBy(() -> c.update("kept", before -> "[]")).isInstanceOf(InvalidInputException.class);
        assertThat(keys(c, Query.all())).containsExactly("kept");
        assertSameJson(c.get("kept").orElseThrow(), doc("kept", "\"v\":1"));
        assertThat(store.collections()).containsExactly("docs");
    }

    @Test
    void a_codec_that_encodes_something_else_than_an_object_is_refused() {
        DocumentCollection<List<Integer>> c = store.collection("lists", new DocumentCodec<>() {
            @Override
            public String encode(List<Integer> document) {
                return document.toString();
            }

            @Override
            public List<Integer> decode(String json) {
                throw new AssertionError("never decoded");
            }
        });
        assertThatThrownBy(() -> c.put("l", List.of(1, 2))).isInstanceOf(InvalidInputException.class);
        assertThat(store.collections()).isEmpty();
    }

    @Test
    void malformed_queries_and_indexes_are_refused() {
        for (String field : Arrays.asList("", "a..b", ".a", "a.", "1a", "a b", "a'b", "a\"b", "a;drop", "a.b.c.d.e.f.g.h.i", null)) {
            assertThatThrownBy(() -> Query.where(field, eq(1))).as(String.valueOf(field)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> Query.all().orderBy(field)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> Index.text(field)).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> eq(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> gt(Double.NaN)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> eq(new Object())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Query.all().limit(0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Query.all().limit(Query.MAX_LIMIT + 1)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Query.all().offset(-1)).isInstanceOf(InvalidInputException.class);
        assertThat(keys(json("q"), Query.where("a.b.c.d.e.f.g.h", exists()))).isEmpty();
    }

    // ---------------------------------------------------------------- differential test

    /**
     * Random documents and random queries, checked against {@link Reference}: a plain evaluator of
     * the query semantics written for this test alone. Set {@code -Dfacta.readmodel.seed=N} to repeat
     * a failing run.
     */
    @Test
    void random_queries_agree_with_a_reference_evaluator() {
        long seed = Long.getLong("facta.readmodel.seed", System.nanoTime());
        Random random = new Random(seed);
        DocumentCollection<String> c = json("random");
        Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        Set<String> ids = new LinkedHashSet<>();
        while (ids.size() < 300) ids.add(Generator.id(random));
        for (String id : ids) {
            Map<String, Object> d = Generator.document(random, id);
            docs.put(id, d);
            texts.put(id, Reference.write(d));
        }
        List<Map.Entry<String, String>> entries = new ArrayList<>(texts.entrySet());
        for (int from = 0; from < entries.size(); from += 100) {
            Map<String, String> batch = new LinkedHashMap<>();
            for (var e : entries.subList(from, Math.min(from + 100, entries.size()))) batch.put(e.getKey(), e.getValue());
            c.putMany(batch);
        }
        for (int i = 0; i < 200; i++) {
            Query q = Generator.query(random);
            List<String> expected = Reference.find(docs, q);
            long expectedCount = Reference.count(docs, q);
            Page<String> page = c.find(q);
            String context = "seed=" + seed + " (repeat with -Dfacta.readmodel.seed=" + seed + "), query #" + i + ": " + q;
            assertThat(keys(page.items())).as(context).isEqualTo(expected.subList(0, Math.min(expected.size(), q.limit())));
            assertThat(page.hasMore()).as(context + " (has more)").isEqualTo(expected.size() > q.limit());
            assertThat(c.count(q)).as(context + " (count)").isEqualTo(expectedCount);
        }
    }

    /** Random documents and queries over a few fields that hold every kind of value. */
    static final class Generator {
        static final String[] STRINGS = {"", "a", "A", "ab", "abc", "b", "z", "1", "10", "2", "-1", "true", "null",
                "é", "ß", "\uFB01", "\uFF21", "\uFFFD", "\uD83D\uDE00", "\uD83D\uDE00x", "a%", "a_c", "a\\b", "it's", "x\"y"};
        static final String[] NUMBERS = {"0", "-0.0", "1", "1.0", "1.50", "2", "-1", "-2.5", "3", "10", "1E1", "100",
                "0.001", "12345678901234567890", "12345678901234567891", "12345678901234567890.5", "-99999999999999999999"};
        static final String[] LIKE_TRAPS = {"%", "_", "a%", "a_", "a_c", "\\", "a\\", "'", "it'", "x\"", "\uD83D\uDE00"};
        static final String[] FIELDS = {"a", "b", "s", "n.x", "n.y", "f", "zz"};
        static final String ID_CHARS = "abcxyzABC019-_\u00e9\uFB01";

        static String id(Random r) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(6);
            for (int i = 0; i < len; i++) {
                if (r.nextInt(20) == 0) sb.append("\uD83D\uDE00");
                else sb.append(ID_CHARS.charAt(r.nextInt(ID_CHARS.length())));
            }
            return sb.toString();
        }

        static Object anyValue(Random r) {
            return switch (r.nextInt(9)) {
                case 0, 1 -> Reference.number(NUMBERS[r.nextInt(NUMBERS.length)]);
                case 2, 3 -> STRINGS[r.nextInt(STRINGS.length)];
                case 4 -> r.nextBoolean();
                case 5 -> Reference.NULL;
                case 6 -> Reference.ABSENT;
                case 7 -> Map.of("x", Reference.number(NUMBERS[r.nextInt(NUMBERS.length)]));
                default -> List.of(Reference.number("1"), "a");
            };
        }

        static Map<String, Object> document(Random r, String id) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("k", id);
            put(d, "a", anyValue(r));
            put(d, "b", switch (r.nextInt(5)) {
                case 0 -> Reference.ABSENT;
                case 1 -> Reference.NULL;
                default -> Reference.number(String.valueOf(r.nextInt(7) - 3));
            });
            put(d, "s", r.nextInt(6) == 0 ? Reference.ABSENT : STRINGS[r.nextInt(STRINGS.length)]);
            put(d, "n", switch (r.nextInt(6)) {
                case 0 -> Reference.ABSENT;
                case 1 -> Reference.NULL;
                case 2 -> "n";
                default -> {
                    Map<String, Object> n = new LinkedHashMap<>();
                    put(n, "x", anyValue(r));
                    put(n, "y", r.nextBoolean() ? STRINGS[r.nextInt(STRINGS.length)] : Reference.ABSENT);
                    yield n;
                }
            });
            put(d, "f", switch (r.nextInt(4)) {
                case 0 -> Reference.ABSENT;
                case 1 -> Reference.NULL;
                default -> r.nextBoolean();
            });
            return d;
        }

        private static void put(Map<String, Object> d, String key, Object value) {
            if (value != Reference.ABSENT) d.put(key, value);
        }

        static Object queryValue(Random r, boolean allowBoolean) {
            int kind = r.nextInt(allowBoolean ? 5 : 4);
            return switch (kind) {
                case 0, 1 -> new BigDecimal(NUMBERS[r.nextInt(NUMBERS.length)]);
                case 2, 3 -> STRINGS[r.nextInt(STRINGS.length)];
                default -> r.nextBoolean();
            };
        }

        static Query query(Random r) {
            Query q = Query.all();
            int conditions = r.nextInt(4);
            for (int i = 0; i < conditions; i++) {
                String field = FIELDS[r.nextInt(FIELDS.length)];
                Predicate.Op op = Predicate.Op.values()[r.nextInt(Predicate.Op.values().length)];
                Predicate p = switch (op) {
                    case EQ -> eq(queryValue(r, true));
                    case NE -> ne(queryValue(r, true));
                    case GT -> gt(queryValue(r, false));
                    case GTE -> gte(queryValue(r, false));
                    case LT -> lt(queryValue(r, false));
                    case LTE -> lte(queryValue(r, false));
                    case IN -> {
                        Object[] values = new Object[1 + r.nextInt(4)];
                        for (int v = 0; v < values.length; v++) values[v] = queryValue(r, true);
                        yield in(values);
                    }
                    case STARTS_WITH -> {
                        // prefixes that SQL LIKE would read as patterns, half of the time
                        if (r.nextBoolean()) yield startsWith(LIKE_TRAPS[r.nextInt(LIKE_TRAPS.length)]);
                        String s = STRINGS[r.nextInt(STRINGS.length)];
                        yield startsWith(s.isEmpty() ? s : s.substring(0, s.offsetByCodePoints(0, 1 + r.nextInt(s.codePointCount(0, s.length())))));
                    }
                    case EXISTS -> exists();
                    case MISSING -> missing();
                };
                q = q.and(field, p);
            }
            int sorts = r.nextInt(3);
            for (int i = 0; i < sorts; i++) {
                q = q.orderBy(FIELDS[r.nextInt(FIELDS.length)], r.nextBoolean() ? Query.Direction.ASC : Query.Direction.DESC);
            }
            int limit = switch (r.nextInt(4)) {
                case 0 -> 1 + r.nextInt(5);
                case 1 -> 1 + r.nextInt(40);
                case 2 -> 100;
                default -> 400;
            };
            long offset = switch (r.nextInt(3)) {
                case 0 -> 0;
                case 1 -> r.nextInt(20);
                default -> r.nextInt(320);
            };
            return q.limit(limit).offset(offset);
        }
    }

    /**
     * The query semantics spelled out plainly, independent of any store: over documents held as
     * maps of {@link Num}, String, Boolean, {@link #NULL}, Map and List.
     */
    static final class Reference {
        static final Object NULL = new Object();
        static final Object ABSENT = new Object();

        /** A JSON number: its text as written and its value. */
        record Num(String text, BigDecimal value) {
        }

        static Num number(String text) {
            return new Num(text, new BigDecimal(text));
        }

        static String write(Object v) {
            StringBuilder sb = new StringBuilder();
            write(v, sb);
            return sb.toString();
        }

        private static void write(Object v, StringBuilder sb) {
            if (v == NULL) {
                sb.append("null");
            } else if (v instanceof Num n) {
                sb.append(n.text());
            } else if (v instanceof String s) {
                sb.append(dev.facta.internal.Json.quote(s));
            } else if (v instanceof Boolean b) {
                sb.append(b);
            } else if (v instanceof Map<?, ?> m) {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    sb.append(dev.facta.internal.Json.quote((String) e.getKey())).append(':');
                    write(e.getValue(), sb);
                }
                sb.append('}');
            } else if (v instanceof List<?> l) {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(l.get(i), sb);
                }
                sb.append(']');
            } else {
                throw new IllegalArgumentException(String.valueOf(v));
            }
        }

        static Object lookup(Map<String, Object> doc, String field) {
            Object at = doc;
            for (String part : field.split("\\.")) {
                if (!(at instanceof Map<?, ?> m)) return ABSENT;
                Object next = m.get(part);
                if (next == null) return ABSENT; // maps here never hold Java null: JSON null is NULL
                at = next;
            }
            return at;
        }

        static int codePointCompare(String a, String b) {
            return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
        }

        static boolean equal(Object value, Object arg) {
            if (arg instanceof BigDecimal d) return value instanceof Num n && n.value().compareTo(d) == 0;
            if (arg instanceof String s) return value instanceof String v && v.equals(s);
            if (arg instanceof Boolean b) return value instanceof Boolean v && v.booleanValue() == b.booleanValue();
            throw new IllegalArgumentException(String.valueOf(arg));
        }

        /** Negative, zero or positive when both are numbers or both strings; null otherwise. */
        static Integer order(Object value, Object arg) {
            if (arg instanceof BigDecimal d && value instanceof Num n) return n.value().compareTo(d);
            if (arg instanceof String s && value instanceof String v) return codePointCompare(v, s);
            return null;
        }

        static boolean test(Object value, Predicate p) {
            switch (p.op()) {
                case EXISTS:
                    return value != ABSENT;
                case MISSING:
                    return value == ABSENT || value == NULL;
                case EQ:
                    return equal(value, p.value());
                case NE:
                    return value != ABSENT && value != NULL && !equal(value, p.value());
                case IN:
                    return p.values().stream().anyMatch(v -> equal(value, v));
                case STARTS_WITH: {
                    if (!(value instanceof String s)) return false;
                    int[] have = s.codePoints().toArray();
                    int[] prefix = ((String) p.value()).codePoints().toArray();
                    return have.length >= prefix.length && Arrays.equals(Arrays.copyOf(have, prefix.length), prefix);
                }
                default: {
                    Integer c = order(value, p.value());
                    if (c == null) return false;
                    return switch (p.op()) {
                        case GT -> c > 0;
                        case GTE -> c >= 0;
                        case LT -> c < 0;
                        case LTE -> c <= 0;
                        default -> throw new IllegalStateException();
                    };
                }
            }
        }

        static List<String> matching(Map<String, Map<String, Object>> docs, Query q) {
            List<String> out = new ArrayList<>();
            for (var e : docs.entrySet()) {
                boolean all = true;
                for (Query.Condition c : q.conditions()) all &= test(lookup(e.getValue(), c.field()), c.predicate());
                if (all) out.add(e.getKey());
            }
            return out;
        }

        static long count(Map<String, Map<String, Object>> docs, Query q) {
            return matching(docs, q).size();
        }

        /** Every match from the query's offset on, in the query's order. */
        static List<String> find(Map<String, Map<String, Object>> docs, Query q) {
            List<String> ids = matching(docs, q);
            ids.sort((x, y) -> {
                for (Query.Sort s : q.sort()) {
                    Object a = lookup(docs.get(x), s.field());
                    Object b = lookup(docs.get(y), s.field());
                    int groupA = group(a);
                    int groupB = group(b);
                    if (groupA == 3 && groupB == 3) continue;
                    if (groupA == 3) return 1;
                    if (groupB == 3) return -1;
                    int c;
                    if (groupA != groupB) c = groupA - groupB;
                    else if (a instanceof Num na) c = na.value().compareTo(((Num) b).value());
                    else if (a instanceof String sa) c = codePointCompare(sa, (String) b);
                    else c = Boolean.compare((Boolean) a, (Boolean) b);
                    if (c != 0) return s.direction() == Query.Direction.ASC ? c : -c;
                }
                return codePointCompare(x, y);
            });
            return ids.subList((int) Math.min(q.offset(), ids.size()), ids.size());
        }

        /** 0 numbers, 1 strings, 2 booleans, 3 anything a sort puts last. */
        private static int group(Object v) {
            if (v instanceof Num) return 0;
            if (v instanceof String) return 1;
            if (v instanceof Boolean) return 2;
            return 3;
        }
    }
}
