package dev.facta.sqlite;

import dev.facta.readmodel.Index;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.readmodel.UniqueViolationException;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of read-model collections, on a connection whose transaction the caller opened and ends.
 * Each collection is a table {@code rm_<name>} ({@code id, doc, revision, updated_at}), created by
 * its first write; reading a collection that has no table yet finds nothing. Declared indexes are
 * rows of {@code read_model_indexes} (schema version 4) and one expression index per field.
 */
final class DocumentTables {

    /** A document to write: its JSON text and parsed tree (for unique indexes). */
    record Prepared(String json, Map<String, Object> tree) {
    }

    /** A page of documents and whether more match after it. */
    record Rows(List<String> docs, boolean more) {
    }

    private record UniqueIndex(String field, Index.Kind kind) {
    }

    private DocumentTables() {
    }

    static String table(String collection) {
        return "rm_" + ReadModelStore.checkName(collection);
    }

    /** The name of the expression index on a field (quoted: fields may hold '.', '$' and '-'). */
    static String indexName(String collection, String field) {
        Query.checkField(field);
        return "\"" + table(collection) + "#" + field + "\"";
    }

    /**
     * Whether the collection's table exists, asked inside the caller's transaction so the answer holds
     * until it ends. Statements on a table are only run after this said yes: SQLite re-prepares a
     * cached statement when the schema changed, and one whose table is gone would fail and could not
     * be used again.
     */
    static boolean exists(Db db, String table) throws SQLException {
        PreparedStatement ps = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private static void createTable(Db db, String table) throws SQLException {
        // A rowid table: documents are often larger than WITHOUT ROWID suits.
        db.exec("CREATE TABLE IF NOT EXISTS " + table + " (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL,"
                + " revision INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT");
    }

    // ---------------------------------------------------------------- reads

    static String get(Db db, String collection, String id) throws SQLException {
        String table = table(collection);
        if (!exists(db, table)) return null;
        PreparedStatement ps = db.prepare("SELECT doc FROM " + table + " WHERE id = ?");
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The documents among {@code ids} in one statement (the ids travel as one JSON array), in the order asked. */
    static Map<String, String> getMany(Db db, String collection, Collection<String> ids) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        if (ids.isEmpty()) return out;
        String table = table(collection);
        if (!exists(db, table)) return out;
        PreparedStatement ps = db.prepare("SELECT id, doc FROM " + table + " WHERE id IN (SELECT value FROM json_each(?))");
        StringBuilder array = new StringBuilder("[");
        for (String id : ids) {
            if (array.length() > 1) array.append(',');
            dev.facta.internal.Json.quote(id, array);
        }
        ps.setString(1, array.append(']').toString());
        Map<String, String> found = new HashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) found.put(rs.getString(1), rs.getString(2));
        }
        for (String id : ids) {
            String doc = found.get(id);
            if (doc != null) out.put(id, doc);
        }
        return out;
    }

    static Rows find(Db db, String collection, Query query) throws SQLException {
        SqliteDocumentFunctions.ensure(db.connection());
        String table = table(collection);
        DocumentSql.Fragment where = DocumentSql.where(query.conditions());
        String sql = "SELECT doc FROM " + table + " WHERE " + where.sql() + " ORDER BY " + DocumentSql.orderBy(query.sort())
                + " LIMIT ? OFFSET ?";
        if (!exists(db, table)) return new Rows(List.of(), false);
        PreparedStatement ps = db.prepare(sql);
        int i = bind(ps, 1, where.args());
        ps.setInt(i++, query.limit() + 1);
        ps.setLong(i, query.offset());
        List<String> docs = new ArrayList<>();
        boolean more = false;
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (docs.size() == query.limit()) {
                    more = true;
                    break;
                }
                docs.add(rs.getString(1));
            }
        }
        return new Rows(docs, more);
    }

    static long count(Db db, String collection, Query query) throws SQLException {
        SqliteDocumentFunctions.ensure(db.connection());
        String table = table(collection);
        DocumentSql.Fragment where = DocumentSql.where(query.conditions());
        if (!exists(db, table)) return 0;
        PreparedStatement ps = db.prepare("SELECT count(*) FROM " + table + " WHERE " + where.sql());
        bind(ps, 1, where.args());
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The query plan SQLite chooses for a query, one line per step (for tests and diagnosis). */
    static List<String> plan(Db db, String collection, Query query) throws SQLException {
        SqliteDocumentFunctions.ensure(db.connection());
        String table = table(collection);
        DocumentSql.Fragment where = DocumentSql.where(query.conditions());
        String sql = "EXPLAIN QUERY PLAN SELECT doc FROM " + table + " WHERE " + where.sql()
                + (query.sort().isEmpty() ? "" : " ORDER BY " + DocumentSql.orderBy(query.sort()));
        try (PreparedStatement ps = db.connection().prepareStatement(sql)) {
            bind(ps, 1, where.args());
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString("detail"));
            }
            return out;
        }
    }

    static List<String> collections(Db db) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'rm_*'"
                + " ORDER BY name").executeQuery()) {
            while (rs.next()) tables.add(rs.getString(1));
        }
        List<String> out = new ArrayList<>();
        for (String table : tables) {
            String name = table.substring(3);
            if (!name.matches("[a-z][a-z0-9_]{0,47}")) continue; // not one of ours
            boolean held;
            PreparedStatement ps = db.prepare("SELECT EXISTS (SELECT 1 FROM " + table + ")"
                    + " OR EXISTS (SELECT 1 FROM read_model_indexes WHERE collection = ?)");
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                held = rs.next() && rs.getInt(1) != 0;
            }
            if (held) out.add(name);
        }
        return out;
    }

    // ---------------------------------------------------------------- writes (inside a write transaction)

    /**
     * Inserts or replaces documents, all or none: they are written inside a savepoint, then checked
     * against the collection's unique indexes, and a violation rolls the savepoint back.
     */
    static void putMany(Db db, String collection, Map<String, Prepared> docs, long nowMicros) throws SQLException {
        if (docs.isEmpty()) return;
        String table = table(collection);
        if (!exists(db, table)) createTable(db, table);
        PreparedStatement ps = db.prepare("INSERT INTO " + table + " (id, doc, revision, updated_at)"
                + " VALUES (?, ?, 1, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, revision = revision + 1,"
                + " updated_at = excluded.updated_at");
        List<UniqueIndex> uniques = uniqueIndexes(db, collection);
        boolean savepoint = docs.size() > 1 || !uniques.isEmpty();
        if (savepoint) db.exec("SAVEPOINT rm_write");
        boolean done = false;
        try {
            insert(ps, docs, nowMicros);
            for (UniqueIndex u : uniques) checkUnique(db, collection, u, docs);
            done = true;
        } finally {
            if (savepoint) {
                if (!done) db.exec("ROLLBACK TO rm_write");
                db.exec("RELEASE rm_write");
            }
        }
    }

    private static void insert(PreparedStatement ps, Map<String, Prepared> docs, long nowMicros) throws SQLException {
        try {
            for (Map.Entry<String, Prepared> e : docs.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setString(2, e.getValue().json());
                ps.setLong(3, nowMicros);
                ps.addBatch();
            }
            ps.executeBatch();
        } finally {
            ps.clearBatch();
        }
    }

    private static void checkUnique(Db db, String collection, UniqueIndex u, Map<String, Prepared> docs) throws SQLException {
        String table = table(collection);
        for (Map.Entry<String, Prepared> e : docs.entrySet()) {
            Object v = valueAt(e.getValue().tree(), u.field());
            boolean constrained = u.kind() == Index.Kind.TEXT ? v instanceof String : v instanceof BigDecimal;
            if (!constrained) continue;
            StringBuilder sql = new StringBuilder("SELECT id FROM ").append(table).append(" WHERE ");
            List<Object> args = new ArrayList<>();
            DocumentSql.condition(u.field(), Predicate.eq(v), sql, args);
            sql.append(" AND id <> ? ORDER BY id LIMIT 1");
            args.add(e.getKey());
            SqliteDocumentFunctions.ensure(db.connection());
            PreparedStatement ps = db.prepare(sql.toString());
            bind(ps, 1, args);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String holder = rs.getString(1);
                    throw new UniqueViolationException(collection, u.field(), e.getKey(), "document '" + e.getKey() + "' of "
                            + collection + " has the same " + u.field() + " as document '" + holder + "' (unique index)");
                }
            }
        }
    }

    /** The value at a dotted path of a parsed document: a JSON value, or null when absent or JSON null. */
    private static Object valueAt(Map<String, Object> tree, String field) {
        Object at = tree;
        for (String segment : field.split("\\.")) {
            if (!(at instanceof Map<?, ?> map)) return null;
            at = map.get(segment);
        }
        return at;
    }

    private static List<UniqueIndex> uniqueIndexes(Db db, String collection) throws SQLException {
        PreparedStatement ps = db.prepare("SELECT field, kind FROM read_model_indexes WHERE collection = ? AND uniq = 1"
                + " ORDER BY field, kind");
        ps.setString(1, collection);
        List<UniqueIndex> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(new UniqueIndex(rs.getString(1), Index.Kind.valueOf(rs.getString(2))));
        }
        return out;
    }

    static boolean delete(Db db, String collection, String id) throws SQLException {
        String table = table(collection);
        if (!exists(db, table)) return false;
        PreparedStatement ps = db.prepare("DELETE FROM " + table + " WHERE id = ?");
        ps.setString(1, id);
        return ps.executeUpdate() > 0;
    }

    static void clear(Db db, String collection) throws SQLException {
        String table = table(collection);
        if (!exists(db, table)) return;
        db.prepare("DELETE FROM " + table).executeUpdate();
    }

    /**
     * Declares an index: a row of {@code read_model_indexes} and an expression index on the field's
     * value (one per field, serving text and number declarations alike). A unique declaration is
     * refused when existing documents already share a value.
     */
    static void createIndex(Db db, String collection, Index index) throws SQLException {
        String table = table(collection);
        PreparedStatement known = db.prepare("SELECT 1 FROM read_model_indexes WHERE collection = ? AND field = ?"
                + " AND kind = ? AND uniq = ?");
        known.setString(1, collection);
        known.setString(2, index.field());
        known.setString(3, index.kind().name());
        known.setInt(4, index.unique() ? 1 : 0);
        try (ResultSet rs = known.executeQuery()) {
            if (rs.next()) return;
        }
        if (!exists(db, table)) createTable(db, table);
        if (index.unique()) checkNoDuplicates(db, collection, index);
        db.exec("CREATE INDEX IF NOT EXISTS " + indexName(collection, index.field()) + " ON " + table + " ("
                + DocumentSql.value(index.field()) + ")");
        PreparedStatement ps = db.prepare("INSERT INTO read_model_indexes (collection, field, kind, uniq, created_at)"
                + " VALUES (?, ?, ?, ?, ?)");
        ps.setString(1, collection);
        ps.setString(2, index.field());
        ps.setString(3, index.kind().name());
        ps.setInt(4, index.unique() ? 1 : 0);
        ps.setLong(5, System.currentTimeMillis());
        ps.executeUpdate();
    }

    private static void checkNoDuplicates(Db db, String collection, Index index) throws SQLException {
        String table = table(collection);
        String t = DocumentSql.type(index.field());
        boolean text = index.kind() == Index.Kind.TEXT;
        String sql = "SELECT id, " + (text ? DocumentSql.value(index.field()) : DocumentSql.raw(index.field()))
                + " FROM " + table + " WHERE " + t + (text ? " = 'text'" : " IN ('integer', 'real')") + " ORDER BY id";
        Map<Object, String> holders = new HashMap<>();
        try (PreparedStatement ps = db.connection().prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                Object key = text ? rs.getString(2) : canonical(new BigDecimal(rs.getString(2)));
                String other = holders.putIfAbsent(key, id);
                if (other != null) {
                    throw new UniqueViolationException(collection, index.field(), null, "cannot create a unique index on "
                            + collection + "." + index.field() + ": documents '" + other + "' and '" + id
                            + "' hold the same value");
                }
            }
        }
    }

    private static BigDecimal canonical(BigDecimal n) {
        return n.signum() == 0 ? BigDecimal.ZERO : n.stripTrailingZeros();
    }

    static void drop(Db db, String collection) throws SQLException {
        String table = table(collection);
        db.exec("DROP TABLE IF EXISTS " + table);
        PreparedStatement ps = db.prepare("DELETE FROM read_model_indexes WHERE collection = ?");
        ps.setString(1, collection);
        ps.executeUpdate();
    }

    static int bind(PreparedStatement ps, int from, List<Object> args) throws SQLException {
        int i = from;
        for (Object a : args) {
            switch (a) {
                case String s -> ps.setString(i, s);
                case Long l -> ps.setLong(i, l);
                case Integer n -> ps.setInt(i, n);
                case Double d -> ps.setDouble(i, d);
                default -> throw new IllegalArgumentException("cannot bind " + a);
            }
            i++;
        }
        return i;
    }
}
