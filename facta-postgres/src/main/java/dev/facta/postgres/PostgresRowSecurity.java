package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.tenancy.Tenants;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared-tables layout of {@link PostgresMultiTenantStore}: every tenant's rows in one set of
 * Facta tables, told apart by a {@value #TENANT_COLUMN} column and kept apart by PostgreSQL's
 * row-level security.
 *
 * <p>A tenant's connections carry its id in the session setting {@value #SETTING} and run as a role
 * without {@code BYPASSRLS} (superusers and table owners bypass row security; the tables are forced
 * and owned by the migrating user). Every table has one policy: a row is visible, and may be
 * written, only when its tenant column equals the setting; with no setting nothing is visible and
 * nothing can be inserted. New rows get the tenant from the column's default, so the stores' SQL is
 * the same as in a schema of one's own, and every key (primary, unique, and the other B-tree
 * indexes) starts with the tenant column, so each tenant has its own streams, positions from 1,
 * unique values and idempotency keys.
 */
final class PostgresRowSecurity {
    /** The column naming a row's tenant. */
    static final String TENANT_COLUMN = "tenant_id";
    /** The session setting naming the tenant a connection works for. */
    static final String SETTING = "facta.tenant";
    /** The tenant column's declaration: stamped from the session, and an insert without a session tenant fails. */
    private static final String TENANT_DEFAULT = "current_setting('" + SETTING + "')";
    static final String TENANT_COLUMN_DDL = TENANT_COLUMN + " text COLLATE \"C\" NOT NULL DEFAULT " + TENANT_DEFAULT;
    private static final String POLICY = "facta_tenant";
    private static final String MATCH = TENANT_COLUMN + " = current_setting('" + SETTING + "', true)";
    /** Advisory lock key of converting a schema: "frls" as ASCII. */
    private static final long SHARE_LOCK = 0x66726c73L;

    private PostgresRowSecurity() {
    }

    /** Turns row-level security on for a table with a tenant column, with the one policy (idempotent). */
    static String protectSql(String qualifiedTable) {
        return "ALTER TABLE " + qualifiedTable + " ENABLE ROW LEVEL SECURITY; ALTER TABLE " + qualifiedTable
                + " FORCE ROW LEVEL SECURITY; DROP POLICY IF EXISTS " + POLICY + " ON " + qualifiedTable + "; CREATE POLICY "
                + POLICY + " ON " + qualifiedTable + " USING (" + MATCH + ") WITH CHECK (" + MATCH + ")";
    }

    /** What each of a tenant's connections runs once when it opens: the tenant setting and the role. */
    static String sessionSql(String tenant, String role) {
        return "SELECT set_config('" + SETTING + "', '" + Tenants.require(tenant) + "', false); SET ROLE "
                + PostgresMigrations.quote(checkRole(role));
    }

    static String checkRole(String role) {
        if (role == null || !role.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("a role name is 1-63 characters of a-z, 0-9 and '_', got '" + role + "'");
        }
        return role;
    }

    /** Whether the schema's Facta tables are shared by tenants (its log head has a tenant column). */
    static boolean isShared(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped)")) {
            ps.setString(1, PostgresMigrations.quote(schema) + ".facta_log_head");
            ps.setString(2, TENANT_COLUMN);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Makes the schema's migrated Facta tables shared (idempotent, in one transaction): each table
     * without a tenant column must be empty; it gets the column, its keys and B-tree indexes start
     * with it, and row security is forced with the policy. Then the role (created if missing, never
     * a superuser or one that bypasses row security) is granted the use of the schema and its tables.
     * Run by the schema's owner, right after {@link PostgresMigrations#up}.
     */
    static void share(Connection c, String schema, String role) throws SQLException {
        checkRole(role);
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + SHARE_LOCK + ")");
            ensureRole(c, role);
            String s = PostgresMigrations.quote(schema);
            for (String table : tables(c, schema, false)) {
                String t = s + "." + PostgresMigrations.quote(table);
                // the one head row the migration seeds is the single-tenant log's; each tenant gets its own
                if ("facta_log_head".equals(table)) st.execute("DELETE FROM " + t);
                try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM " + t + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        throw new FactaException("table " + schema + "." + table + " holds rows of no tenant: only new,"
                                + " empty tables can be shared by tenants");
                    }
                }
                // the default is set apart: PostgreSQL would evaluate it once, for the rows there are, here
                st.execute("ALTER TABLE " + t + " ADD COLUMN " + TENANT_COLUMN + " text COLLATE \"C\" NOT NULL");
                st.execute("ALTER TABLE " + t + " ALTER COLUMN " + TENANT_COLUMN + " SET DEFAULT " + TENANT_DEFAULT);
                for (String[] key : keys(c, schema, table)) {
                    st.execute("ALTER TABLE " + t + " DROP CONSTRAINT " + PostgresMigrations.quote(key[0]) + ", ADD CONSTRAINT "
                            + PostgresMigrations.quote(key[0]) + " " + key[1].replaceFirst("\\(", "(" + TENANT_COLUMN + ", "));
                }
                for (String[] index : plainBtreeIndexes(c, schema, table)) {
                    st.execute("DROP INDEX " + s + "." + PostgresMigrations.quote(index[0]));
                    st.execute(index[1].replaceFirst(" USING btree \\(", " USING btree (" + TENANT_COLUMN + ", "));
                }
                st.execute(protectSql(t));
            }
            String r = PostgresMigrations.quote(role);
            st.execute("GRANT USAGE, CREATE ON SCHEMA " + s + " TO " + r);
            st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r);
            st.execute("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * The schema's tables with a tenant column ({@code shared}) or without one, but the migrations'
     * own bookkeeping.
     */
    static List<String> tables(Connection c, String schema, boolean shared) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT t.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace"
                + " WHERE n.nspname = ? AND t.relkind IN ('r', 'p') AND t.relname <> 'facta_schema_version'"
                + " AND " + (shared ? "" : "NOT ") + "EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = t.oid"
                + " AND a.attname = ? AND NOT a.attisdropped) ORDER BY t.relname")) {
            ps.setString(1, schema);
            ps.setString(2, TENANT_COLUMN);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** The table's primary key and unique constraints: name and definition. */
    private static List<String[]> keys(Connection c, String schema, String table) throws SQLException {
        return pairs(c, "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k"
                + " WHERE k.conrelid = to_regclass(?) AND k.contype IN ('p', 'u') ORDER BY k.conname", schema, table);
    }

    /** The table's B-tree indexes that back no constraint: name and definition. */
    private static List<String[]> plainBtreeIndexes(Connection c, String schema, String table) throws SQLException {
        return pairs(c, "SELECT x.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid"
                + " JOIN pg_am am ON am.oid = x.relam WHERE i.indrelid = to_regclass(?) AND am.amname = 'btree'"
                + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY x.relname", schema, table);
    }

    private static List<String[]> pairs(Connection c, String sql, String schema, String table) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, PostgresMigrations.quote(schema) + "." + PostgresMigrations.quote(table));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new String[]{rs.getString(1), rs.getString(2)});
            }
        }
        return out;
    }

    /**
     * Creates the role tenants' connections run as, if missing, and lets the current user switch to
     * it; refuses a role that would bypass row security.
     */
    private static void ensureRole(Connection c, String role) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SAVEPOINT facta_role");
            try {
                st.execute("CREATE ROLE " + PostgresMigrations.quote(role) + " NOLOGIN NOSUPERUSER NOBYPASSRLS");
                st.execute("RELEASE SAVEPOINT facta_role");
            } catch (SQLException e) {
                // 42710: it exists; 23505: another instance made it just now
                if (!"42710".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) throw e;
                st.execute("ROLLBACK TO SAVEPOINT facta_role");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT rolsuper OR rolbypassrls, pg_has_role(current_user, oid, 'MEMBER')"
                + " FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new FactaException("role " + role + " is a superuser or bypasses row-level security: tenants' connections"
                            + " cannot run as it");
                }
                if (!rs.getBoolean(2)) {
                    try (Statement st = c.createStatement()) {
                        st.execute("GRANT " + PostgresMigrations.quote(role) + " TO CURRENT_USER");
                    }
                }
            }
        }
    }
}
