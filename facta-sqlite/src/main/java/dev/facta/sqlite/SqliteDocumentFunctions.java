package dev.facta.sqlite;

import org.sqlite.Collation;
import org.sqlite.Function;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * The two SQL helpers read-model queries use to compare JSON numbers exactly, registered on each
 * connection before its first query: the collation {@code facta_decimal}, which orders texts that are
 * JSON numbers by their decimal value, and the function {@code facta_num}, a JSON number's correctly
 * rounded double. They appear only in queries, never in the schema (no index or view uses them), so
 * the file stays usable by any SQLite tool.
 */
final class SqliteDocumentFunctions {
    static final String DECIMAL = "facta_decimal";
    static final String NUM = "facta_num";

    private static final Set<Connection> REGISTERED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private SqliteDocumentFunctions() {
    }

    /** Registers the helpers on the connection unless they already are; the caller uses it alone. */
    static void ensure(Connection c) throws SQLException {
        if (REGISTERED.contains(c)) return;
        // One instance per connection: a Function keeps per-call state in its fields.
        Collation.create(c, DECIMAL, new Collation() {
            @Override
            protected int xCompare(String a, String b) {
                return compareDecimals(a, b);
            }
        });
        Function.create(c, NUM, new Function() {
            @Override
            protected void xFunc() throws SQLException {
                String text = value_text(0);
                if (text == null) {
                    result();
                    return;
                }
                try {
                    result(new BigDecimal(text).doubleValue());
                } catch (NumberFormatException e) {
                    result();
                }
            }
        }, 1, Function.FLAG_DETERMINISTIC);
        REGISTERED.add(c);
    }

    /** Decimal order when both are numbers; texts that are not numbers (never compared here) by code point. */
    static int compareDecimals(String a, String b) {
        BigDecimal x = decimal(a);
        BigDecimal y = decimal(b);
        if (x != null && y != null) return x.compareTo(y);
        if (x != null) return -1;
        if (y != null) return 1;
        return a.compareTo(b);
    }

    private static BigDecimal decimal(String s) {
        if (s == null || s.isEmpty()) return null;
        char c = s.charAt(0);
        if (c != '-' && (c < '0' || c > '9')) return null;
        try {
            return new BigDecimal(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
