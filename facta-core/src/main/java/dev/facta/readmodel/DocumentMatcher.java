package dev.facta.readmodel;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a {@link Query} against parsed documents (see {@link Documents#parse}) exactly as the
 * query API defines it: used by the in-memory store, and the reference the SQL stores must agree with.
 */
final class DocumentMatcher {
    /** What {@link #valueAt} returns for a field the document does not have. */
    static final Object ABSENT = new Object() {
        @Override
        public String toString() {
            return "<absent>";
        }
    };

    private record Test(String[] path, Predicate predicate) {
    }

    private record Key(String[] path, boolean descending) {
    }

    private final List<Test> tests;
    private final List<Key> keys;

    DocumentMatcher(Query query) {
        List<Test> t = new ArrayList<>(query.conditions().size());
        for (Query.Condition c : query.conditions()) t.add(new Test(c.field().split("\\."), c.predicate()));
        List<Key> k = new ArrayList<>(query.sort().size());
        for (Query.Sort s : query.sort()) k.add(new Key(s.field().split("\\."), s.direction() == Query.Direction.DESC));
        this.tests = List.copyOf(t);
        this.keys = List.copyOf(k);
    }

    /** The value at a dotted path: a JSON value (null for JSON null) or {@link #ABSENT}. */
    static Object valueAt(Map<String, Object> document, String[] path) {
        Object at = document;
        for (String segment : path) {
            if (!(at instanceof Map<?, ?> map) || !map.containsKey(segment)) return ABSENT;
            at = map.get(segment);
        }
        return at;
    }

    boolean matches(Map<String, Object> document) {
        for (Test t : tests) {
            if (!test(t.predicate(), valueAt(document, t.path()))) return false;
        }
        return true;
    }

    static boolean test(Predicate p, Object value) {
        return switch (p.op()) {
            case EXISTS -> value != ABSENT;
            case MISSING -> value == ABSENT || value == null;
            case EQ -> same(value, p.value());
            case NE -> value != ABSENT && value != null && !same(value, p.value());
            case IN -> {
                for (Object v : p.values()) {
                    if (same(value, v)) yield true;
                }
                yield false;
            }
            case GT -> comparable(value, p.value()) && compare(value, p.value()) > 0;
            case GTE -> comparable(value, p.value()) && compare(value, p.value()) >= 0;
            case LT -> comparable(value, p.value()) && compare(value, p.value()) < 0;
            case LTE -> comparable(value, p.value()) && compare(value, p.value()) <= 0;
            case STARTS_WITH -> value instanceof String s && s.startsWith((String) p.value());
        };
    }

    /** Equal values of the same JSON type (numbers by value, so 1 equals 1.0). */
    private static boolean same(Object value, Object expected) {
        return switch (expected) {
            case BigDecimal n -> value instanceof BigDecimal d && d.compareTo(n) == 0;
            case String s -> s.equals(value);
            case Boolean b -> b.equals(value);
            default -> false;
        };
    }

    private static boolean comparable(Object value, Object expected) {
        return (value instanceof BigDecimal && expected instanceof BigDecimal)
                || (value instanceof String && expected instanceof String);
    }

    private static int compare(Object a, Object b) {
        if (a instanceof BigDecimal x) return x.compareTo((BigDecimal) b);
        return compareCodePoints((String) a, (String) b);
    }

    /** Compares strings by Unicode code point (String.compareTo orders UTF-16 units, which differs above U+FFFF). */
    static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // Surrogates (U+D800..U+DFFF) stand for code points above U+FFFF, so they must sort after
                // U+E000..U+FFFF: shift both ranges to put them in code point order.
                return fixup(x) - fixup(y);
            }
        }
        return a.length() - b.length();
    }

    private static int fixup(char c) {
        if (c < Character.MIN_SURROGATE) return c;
        return c <= Character.MAX_SURROGATE ? c + 0x2000 : c - 0x800;
    }

    /** Sort rank of a value within a key: numbers, then strings, then booleans; everything else last. */
    private static int rank(Object v) {
        return switch (v) {
            case BigDecimal ignored -> 0;
            case String ignored -> 1;
            case Boolean ignored -> 2;
            case null, default -> 3;
        };
    }

    /** The query's order over documents: its sort keys, then the id ascending. */
    <D> Comparator<D> order(java.util.function.Function<D, String> id, java.util.function.Function<D, Map<String, Object>> tree) {
        Comparator<D> byKeys = (a, b) -> {
            Map<String, Object> ta = tree.apply(a);
            Map<String, Object> tb = tree.apply(b);
            for (Key k : keys) {
                int c = compareSortValues(valueAt(ta, k.path()), valueAt(tb, k.path()), k.descending());
                if (c != 0) return c;
            }
            return 0;
        };
        return byKeys.thenComparing(id, DocumentMatcher::compareCodePoints);
    }

    static int compareSortValues(Object a, Object b, boolean descending) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra == 3 || rb == 3) return Integer.compare(ra == 3 ? 1 : 0, rb == 3 ? 1 : 0); // lacking: last either way
        int c;
        if (ra != rb) {
            c = Integer.compare(ra, rb);
        } else {
            c = switch (a) {
                case BigDecimal x -> x.compareTo((BigDecimal) b);
                case String s -> compareCodePoints(s, (String) b);
                case Boolean x -> Boolean.compare(x, (Boolean) b);
                default -> 0;
            };
        }
        return descending ? -c : c;
    }

    /** Orders ids by code point, as every store does. */
    static final Comparator<String> ID_ORDER = DocumentMatcher::compareCodePoints;
}
