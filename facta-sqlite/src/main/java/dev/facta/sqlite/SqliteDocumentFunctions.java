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
 * The SQL helpers read-model queries use to compare JSON numbers exactly, registered on each
 * connection before its first query: the collation {@code facta_decimal}, which orders texts that are
 * JSON numbers by their decimal value; {@code facta_num}, a JSON number's correctly rounded double;
 * and {@code facta_fine}, a text that orders numbers sharing that double exactly ({@link #fineKey}).
 * Together the last two make an exact sort key that calls Java once or twice per row (never per
 * comparison), and only for numbers SQLite does not hold exactly. They appear only in queries, never in the schema (no index or view uses them), so
 * the file stays usable by any SQLite tool.
 */
final class SqliteDocumentFunctions {
    static final String DECIMAL = "facta_decimal";
    static final String NUM = "facta_num";
    static final String FINE = "facta_fine";

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
        Function.create(c, FINE, new Function() {
            @Override
            protected void xFunc() throws SQLException {
                BigDecimal n = decimal(value_text(0));
                if (n == null) result();
                else result(fineKey(n));
            }
        }, 1, Function.FLAG_DETERMINISTIC);
        REGISTERED.add(c);
    }

    /** The fine key of a number that is exactly its double (and of every integer SQL sorts by itself). */
    static final String ON_DOUBLE = "B";

    /**
     * Orders numbers that share a correctly rounded double, by plain text comparison: {@code "A..."}
     * below the double, {@link #ON_DOUBLE} exactly on it, {@code "C..."} above it; below or above, the
     * rest of the key orders the numbers exactly. Equal numbers get equal keys, however they are
     * written ({@code 2.5} and {@code 2.50}).
     */
    static String fineKey(BigDecimal n) {
        double d = n.doubleValue();
        int side = Double.isInfinite(d) ? (d > 0 ? -1 : 1) : n.compareTo(new BigDecimal(d));
        if (side == 0) return ON_DOUBLE;
        // n is not 0 here. |n| = 0.DIGITS x 10^e; every number sharing the double has the same sign.
        BigDecimal abs = n.abs().stripTrailingZeros();
        String digits = abs.unscaledValue().toString();
        long e = (long) digits.length() - abs.scale();
        StringBuilder key = new StringBuilder(digits.length() + 13).append(side < 0 ? 'A' : 'C');
        if (n.signum() > 0) {
            key.append(String.format("%011d", e + (1L << 32))).append(digits);
        } else {
            // larger magnitudes first: complemented exponent and digits, and an end mark above every
            // digit so that a longer magnitude sorts before its own prefix
            key.append(String.format("%011d", (1L << 32) - e));
            for (int i = 0; i < digits.length(); i++) key.append((char) ('9' - digits.charAt(i) + '0'));
            key.append('~');
        }
        return key.toString();
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
