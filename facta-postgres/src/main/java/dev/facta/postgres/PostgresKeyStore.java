package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.crypto.KeyStore;
import dev.facta.crypto.WrappedKey;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The subjects' wrapped data keys in {@code facta_data_keys} (migration 5) of the event store's
 * schema. Each operation is one statement; {@link #createOrGet} is an {@code INSERT ... ON CONFLICT
 * DO NOTHING} followed by a read, so instances racing on a new subject all end up with one key.
 *
 * <p>A destroyed key's row is deleted at once, but PostgreSQL keeps the dead row version until
 * (auto)vacuum reclaims it, and WAL archives and backups keep what they copied: the wrapped key stays
 * useless only while the master key is not available with them. See docs/data-protection.md.
 */
public final class PostgresKeyStore implements KeyStore {
    private final DataSource dataSource;
    private final String schema;
    private final String insert;
    private final String select;
    private final String delete;
    private final String listFromStart;
    private final String listAfter;

    private PostgresKeyStore(DataSource dataSource, String schema) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new InvalidInputException("schema", "schema must be a plain SQL identifier, got '" + schema + "'");
        }
        this.schema = schema;
        String table = PostgresMigrations.quote(schema) + ".facta_data_keys";
        this.insert = "INSERT INTO " + table + " (subject, key_id, master_key, wrapped, created_at) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT ON CONSTRAINT facta_data_keys_pkey DO NOTHING";
        this.select = "SELECT subject, key_id, master_key, wrapped, created_at FROM " + table + " WHERE subject = ?";
        this.delete = "DELETE FROM " + table + " WHERE subject = ?";
        this.listFromStart = "SELECT subject FROM " + table + " ORDER BY subject LIMIT ?";
        this.listAfter = "SELECT subject FROM " + table + " WHERE subject > ? ORDER BY subject LIMIT ?";
    }

    /** Keys in the schema of an event store, on its connections. The store runs the migrations. */
    public static PostgresKeyStore of(PostgresEventStore events) {
        return new PostgresKeyStore(events.dataSource(), events.schema());
    }

    /** Keys in {@code schema} on the application's data source; the schema must be migrated already. */
    public static PostgresKeyStore of(DataSource dataSource, String schema) {
        return new PostgresKeyStore(dataSource, schema);
    }

    @Override
    public WrappedKey createOrGet(WrappedKey candidate) {
        Objects.requireNonNull(candidate, "candidate");
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(insert)) {
                ps.setString(1, candidate.subject());
                ps.setString(2, candidate.keyId());
                ps.setString(3, candidate.masterKey());
                ps.setBytes(4, candidate.wrapped());
                ps.setObject(5, OffsetDateTime.ofInstant(candidate.createdAt(), ZoneOffset.UTC));
                if (ps.executeUpdate() == 1) return candidate;
            }
            // another instance won the race (its insert is committed, so this read sees it)
            return select(c, candidate.subject()).orElseThrow(() -> new FactaException("the data key of subject '"
                    + candidate.subject() + "' was destroyed while it was being created; try again"));
        } catch (SQLException e) {
            throw failure("storing the data key of '" + candidate.subject() + "'", e);
        }
    }

    @Override
    public Optional<WrappedKey> get(String subject) {
        Objects.requireNonNull(subject, "subject");
        try (Connection c = dataSource.getConnection()) {
            return select(c, subject);
        } catch (SQLException e) {
            throw failure("reading the data key of '" + subject + "'", e);
        }
    }

    private Optional<WrappedKey> select(Connection c, String subject) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new WrappedKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant()));
            }
        }
    }

    @Override
    public boolean destroy(String subject) {
        Objects.requireNonNull(subject, "subject");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setString(1, subject);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw failure("destroying the data key of '" + subject + "'", e);
        }
    }

    @Override
    public List<String> subjects(String afterSubject, int limit) {
        if (limit < 0) throw new InvalidInputException("limit", "limit must be >= 0");
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(afterSubject == null ? listFromStart : listAfter)) {
            if (afterSubject == null) {
                ps.setInt(1, limit);
            } else {
                ps.setString(1, afterSubject);
                ps.setInt(2, limit);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw failure("listing data subjects", e);
        }
    }

    @Override
    public String describe() {
        return "PostgreSQL key store in schema " + schema;
    }

    private FactaException failure(String what, SQLException e) {
        String hint = "42P01".equals(e.getSQLState())
                ? " (schema '" + schema + "' lacks facta_data_keys: run the migrations, e.g. 'facta migrate up')" : "";
        return new FactaException(what + " failed in PostgreSQL (" + e.getSQLState() + "): " + e.getMessage() + hint, e);
    }
}
