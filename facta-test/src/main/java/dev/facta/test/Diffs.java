package dev.facta.test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the failure texts: event lists one per line and numbered, the first differing index
 * marked, and for records the components that differ. Reading record components is the only
 * reflection the fixtures use.
 */
final class Diffs {
    private static final int MAX_DEPTH = 8;

    private Diffs() {
    }

    /** The difference between two event lists, or empty when they are equal element by element. */
    static Optional<String> events(List<?> expected, List<?> actual) {
        int first = firstDifference(expected, actual);
        if (first < 0) return Optional.empty();
        var sb = new StringBuilder();
        sb.append("Events differ at #").append(first)
                .append(" (expected ").append(count(expected.size()))
                .append(", actual ").append(count(actual.size())).append(")\n");
        sb.append("expected:\n").append(listing(expected, first));
        sb.append("actual:\n").append(listing(actual, first));
        sb.append(explainAt(first, expected, actual));
        return Optional.of(sb.toString().stripTrailing());
    }

    /** The difference between two single values (a state, say), or empty when they are equal. */
    static Optional<String> value(String what, Object expected, Object actual) {
        if (Objects.equals(expected, actual)) return Optional.empty();
        var sb = new StringBuilder();
        sb.append(what).append(" differs\n");
        sb.append("expected: ").append(show(expected)).append('\n');
        sb.append("actual:   ").append(show(actual)).append('\n');
        List<String> lines = components(expected, actual);
        if (!lines.isEmpty() && isRecord(expected) && sameClass(expected, actual)) {
            sb.append("differing components:\n");
            for (String l : lines) sb.append("    ").append(l).append('\n');
        }
        return Optional.of(sb.toString().stripTrailing());
    }

    /** Events one per line, numbered from 0, the line at {@code marked} prefixed with {@code >}. */
    static String listing(List<?> events, int marked) {
        if (events.isEmpty()) {
            return marked == 0 ? "  > #0 (no event)\n" : "    (no events)\n";
        }
        int width = String.valueOf(Math.max(events.size(), marked + 1) - 1).length();
        var sb = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            sb.append(i == marked ? "  > #" : "    #").append(pad(i, width))
                    .append(show(events.get(i))).append('\n');
        }
        if (marked == events.size()) {
            sb.append("  > #").append(pad(marked, width)).append("(no event)\n");
        }
        return sb.toString();
    }

    /** Plain listing without markers, used as the expected/actual values IDEs compare side by side. */
    static String plain(List<?> events) {
        return listing(events, -1);
    }

    private static int firstDifference(List<?> expected, List<?> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!Objects.equals(expected.get(i), actual.get(i))) return i;
        }
        return expected.size() == actual.size() ? -1 : n;
    }

    private static String explainAt(int i, List<?> expected, List<?> actual) {
        if (i >= actual.size()) {
            return "#" + i + " is missing: expected " + show(expected.get(i)) + '\n';
        }
        if (i >= expected.size()) {
            return "#" + i + " was not expected: " + show(actual.get(i)) + '\n';
        }
        Object e = expected.get(i);
        Object a = actual.get(i);
        if (e == null || a == null || !sameClass(e, a)) {
            return "#" + i + " type: expected=" + typeName(e) + " actual=" + typeName(a) + '\n';
        }
        List<String> lines = components(e, a);
        var sb = new StringBuilder("#").append(i).append(' ').append(typeName(e));
        if (isRecord(e) && !lines.isEmpty()) {
            sb.append(" differs in:\n");
            for (String l : lines) sb.append("    ").append(l).append('\n');
        } else {
            sb.append(": expected=").append(show(e)).append(" actual=").append(show(a))
                    .append(sameText(e, a)).append('\n');
        }
        return sb.toString();
    }

    /** Lines {@code path: expected=X actual=Y} for every differing leaf, descending into records. */
    static List<String> components(Object expected, Object actual) {
        List<String> out = new ArrayList<>();
        collect("", expected, actual, 0, out);
        return out;
    }

    private static void collect(String path, Object e, Object a, int depth, List<String> out) {
        if (Objects.equals(e, a)) return;
        if (e != null && a != null && sameClass(e, a) && isRecord(e) && depth < MAX_DEPTH) {
            int before = out.size();
            boolean readable = true;
            for (RecordComponent c : e.getClass().getRecordComponents()) {
                Optional<Object[]> values = read(c, e, a);
                if (values.isEmpty()) {
                    readable = false;
                    break;
                }
                String sub = path.isEmpty() ? c.getName() : path + "." + c.getName();
                collect(sub, values.get()[0], values.get()[1], depth + 1, out);
            }
            if (readable && out.size() > before) return;
            // Unreadable components, or a record whose equals sees a difference its components don't show.
            while (out.size() > before) out.remove(out.size() - 1);
        }
        String name = path.isEmpty() ? "value" : path;
        String types = e != null && a != null && !sameClass(e, a)
                ? " (" + typeName(e) + " vs " + typeName(a) + ")" : sameText(e, a);
        out.add(name + ": expected=" + show(e) + " actual=" + show(a) + types);
    }

    private static Optional<Object[]> read(RecordComponent c, Object e, Object a) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return Optional.of(new Object[]{accessor.invoke(e), accessor.invoke(a)});
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException ex) {
            return Optional.empty();
        }
    }

    private static String sameText(Object e, Object a) {
        return e != null && a != null && show(e).equals(show(a))
                ? " (same text, but not equal: " + e.getClass().getName() + '@' + Integer.toHexString(System.identityHashCode(e))
                + " vs " + a.getClass().getName() + '@' + Integer.toHexString(System.identityHashCode(a)) + ")"
                : "";
    }

    /** Strings quoted so whitespace shows; arrays by content; everything else by toString. */
    static String show(Object v) {
        if (v == null) return "null";
        if (v instanceof CharSequence s) return '"' + s.toString() + '"';
        if (v instanceof Character ch) return "'" + ch + "'";
        if (v.getClass().isArray()) {
            String s = Arrays.deepToString(new Object[]{v});
            return s.substring(1, s.length() - 1);
        }
        return String.valueOf(v);
    }

    static String typeName(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName().isEmpty() ? v.getClass().getName() : v.getClass().getSimpleName();
    }

    /** An exception as one line: its type, message and where it was thrown. */
    static String describe(Throwable t) {
        var sb = new StringBuilder(t.toString());
        StackTraceElement[] trace = t.getStackTrace();
        if (trace.length > 0) sb.append("\n    at ").append(trace[0]);
        return sb.toString();
    }

    private static boolean sameClass(Object e, Object a) {
        return e != null && a != null && e.getClass() == a.getClass();
    }

    private static boolean isRecord(Object v) {
        return v != null && v.getClass().isRecord();
    }

    private static String count(int n) {
        return n == 1 ? "1 event" : n + " events";
    }

    /** The number followed by enough spaces that the events line up. */
    private static String pad(int i, int width) {
        String s = String.valueOf(i);
        return s + " ".repeat(Math.max(0, width - s.length()) + 1);
    }
}
