package dev.facta.tenancy;

import dev.facta.InvalidInputException;

import java.util.regex.Pattern;

/**
 * Tenant ids: 1 to 40 characters of lower-case letters, digits, {@code _} and {@code -}, starting
 * with a letter or digit. The narrow alphabet lets an id name a PostgreSQL schema or database, a
 * file and a header value without quoting, and makes {@code Acme} and {@code acme} one tenant by
 * refusing the first.
 */
public final class Tenants {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");

    private Tenants() {
    }

    /**
     * Returns the id unchanged when it is legal.
     *
     * @throws InvalidInputException with field {@code tenant} when it is not
     */
    public static String require(String tenant) {
        if (tenant == null || !ID.matcher(tenant).matches()) {
            throw new InvalidInputException("tenant", "a tenant id is 1-40 characters of a-z, 0-9, '_' and '-',"
                    + " starting with a letter or digit; got " + (tenant == null ? "none" : "'" + shorten(tenant) + "'"));
        }
        return tenant;
    }

    /** Whether the id is legal. */
    public static boolean isValid(String tenant) {
        return tenant != null && ID.matcher(tenant).matches();
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
