package dev.facta.postgres;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.command.IdempotencyStore;
import dev.facta.command.ResultCodec;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * Idempotency keys in the {@code facta_idempotency_keys} table (migration 3) of the event store's
 * schema, shared by every instance on it: a key running in one instance makes {@link #begin} wait
 * in the others, polling with a short backoff and holding no connection while it waits.
 *
 * <p>Every statement runs in its own implicit transaction and none takes the event store's append
 * lock. Reserving is an {@code INSERT ... ON CONFLICT DO NOTHING}; taking over an expired key, or a
 * running one whose lease passed, is an {@code UPDATE} whose {@code WHERE} repeats that condition,
 * so of several instances trying at once exactly one gets the row.
 *
 * <p>A reservation holds a lease (30 s unless configured): when the instance running a key dies
 * before completing or abandoning it, the next caller takes the key over once the lease has
 * passed. {@link dev.facta.command.IdempotencyMiddleware} renews the lease ({@link #extend}) while
 * the command runs, so only a caller that stalls for a whole lease without renewing (a frozen
 * process) can have its key taken over. Times come from the given clock (the application's, like the
 * expiry the middleware computes), so instances should keep their clocks in sync. Results are kept
 * as text by the {@link ResultCodec}. Completed keys stay until they expire; {@link #deleteExpired}
 * removes them.
 */
public final class PostgresIdempotencyStore implements IdempotencyStore {

    /** How long a reservation stays the caller's when nothing completes or abandons it. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private static final long FIRST_WAIT_MS = 2;
    private static final long MAX_WAIT_MS = 50;

    private final DataSource dataSource;
    private final String schema;
    private final ResultCodec codec;
    private final Duration lease;
    private final Clock clock;
    private final String insert;
    private final String select;
    private final String takeOver;
    private final String complete;
    private final String abandon;
    private final String deleteExpired;
    private final String extend;

    /** Keys in the schema of an event store, on its connections, with the default lease of 30 seconds. */
    public PostgresIdempotencyStore(PostgresEventStore events, ResultCodec codec) {
        this(events.dataSource(), events.schema(), codec, DEFAULT_LEASE, Clock.systemUTC());
    }

    /** Keys in the schema of an event store, on its connections. */
    public PostgresIdempotencyStore(PostgresEventStore events, ResultCodec codec, Duration lease, Clock clock) {
        this(events.dataSource(), events.schema(), codec, lease, clock);
    }

    /**
     * Keys in {@code schema} on the application's data source. The schema must be migrated already
     * (by {@link PostgresMigrations#up} or by building an event store on it). {@code lease} is how
     * long a reservation blocks other callers when its owner never completes or abandons it.
     */
    public PostgresIdempotencyStore(DataSource dataSource, String schema, ResultCodec codec, Duration lease, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
            throw new InvalidInputException("schema", "schema must be a plain SQL identifier, got '" + schema + "'");
        }
        this.schema = schema;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (lease.isNegative() || lease.isZero()) throw new IllegalArgumentException("lease must be positive: " + lease);
        String table = PostgresMigrations.quote(schema) + ".facta_idempotency_keys";
        this.insert = "INSERT INTO " + table + " (key, state, result, expires_at, lease_until)"
                + " VALUES (?, 'running', NULL, ?, ?) ON CONFLICT ON CONSTRAINT facta_idempotency_keys_pkey DO NOTHING";
        this.select = "SELECT state, result, expires_at, lease_until FROM " + table + " WHERE key = ?";
        this.takeOver = "UPDATE " + table + " SET state = 'running', result = NULL, expires_at = ?, lease_until = ?"
                + " WHERE key = ? AND ((state = 'done' AND expires_at <= ?) OR (state = 'running' AND lease_until <= ?))";
        this.complete = "UPDATE " + table + " SET state = 'done', result = ?, lease_until = NULL"
                + " WHERE key = ? AND state = 'running'";
        this.abandon = "DELETE FROM " + table + " WHERE key = ? AND state = 'running'";
        this.deleteExpired = "DELETE FROM " + table + " WHERE state = 'done' AND expires_at <= ?";
        this.extend = "UPDATE " + table + " SET lease_until = ? WHERE key = ? AND state = 'running'";
    }

    private record Observed(boolean done, String result, Instant expiresAt, Instant leaseUntil) {
        boolean runningWithLease(Instant now) {
            return !done && leaseUntil != null && leaseUntil.isAfter(now);
        }
    }

    @Override
    public Begin begin(String key, Instant expiresAt) throws InterruptedException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(expiresAt, "expiresAt");
        long waitMs = FIRST_WAIT_MS;
        while (true) {
            if (Thread.interrupted()) throw new InterruptedException();
            Instant now = clock.instant();
            try (Connection c = dataSource.getConnection()) {
                try (PreparedStatement ps = c.prepareStatement(insert)) {
                    ps.setString(1, key);
                    ps.setObject(2, utc(expiresAt));
                    ps.setObject(3, utc(now.plus(lease)));
                    if (ps.executeUpdate() == 1) return new Reserved();
                }
                Observed seen = select(c, key);
                if (seen != null) {
                    if (seen.done() && seen.expiresAt().isAfter(now)) return new Completed(codec.decode(seen.result()));
                    if (!seen.runningWithLease(now)) {
                        try (PreparedStatement ps = c.prepareStatement(takeOver)) {
                            ps.setObject(1, utc(expiresAt));
                            ps.setObject(2, utc(now.plus(lease)));
                            ps.setString(3, key);
                            ps.setObject(4, utc(now));
                            ps.setObject(5, utc(now));
                            if (ps.executeUpdate() == 1) return new Reserved();
                        }
                    }
                }
                // gone since the insert (abandoned), or someone else's run: try again after a pause
            } catch (SQLException e) {
                throw failure("beginning idempotency key '" + key + "'", e);
            }
            // Someone else runs the key: poll until it is done, gone, or its lease passes, holding
            // no connection while asleep, so waiters never starve the pool.
            while (true) {
                Thread.sleep(waitMs);
                waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
                Observed seen;
                try (Connection c = dataSource.getConnection()) {
                    seen = select(c, key);
                } catch (SQLException e) {
                    throw failure("reading idempotency key '" + key + "'", e);
                }
                if (seen == null || !seen.runningWithLease(clock.instant())) break;
            }
        }
    }

    private Observed select(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                OffsetDateTime leaseUntil = rs.getObject(4, OffsetDateTime.class);
                return new Observed("done".equals(rs.getString(1)), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class).toInstant(),
                        leaseUntil == null ? null : leaseUntil.toInstant());
            }
        }
    }

    @Override
    public void complete(String key, Object result) {
        Objects.requireNonNull(key, "key");
        String encoded = codec.encode(result);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(complete)) {
            ps.setString(1, encoded);
            ps.setString(2, key);
            // No row: the key was abandoned meanwhile. A row another caller took over after our
            // lease passed gets our result, which is as much the command's result as theirs.
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("completing idempotency key '" + key + "'", e);
        }
    }

    @Override
    public void abandon(String key) {
        Objects.requireNonNull(key, "key");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(abandon)) {
            ps.setString(1, key);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("abandoning idempotency key '" + key + "'", e);
        }
    }

    @Override
    public boolean extend(String key) {
        Objects.requireNonNull(key, "key");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(extend)) {
            ps.setObject(1, utc(clock.instant().plus(lease)));
            ps.setString(2, key);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw failure("extending idempotency key '" + key + "'", e);
        }
    }

    @Override
    public int deleteExpired() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(deleteExpired)) {
            ps.setObject(1, utc(clock.instant()));
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw failure("deleting expired idempotency keys", e);
        }
    }

    @Override
    public String toString() {
        return "PostgresIdempotencyStore[schema " + schema + "]";
    }

    private static OffsetDateTime utc(Instant at) {
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    private FactaException failure(String what, SQLException e) {
        // 42P01: undefined table, i.e. a schema from before migration 3
        String hint = "42P01".equals(e.getSQLState())
                ? " (schema '" + schema + "' lacks facta_idempotency_keys: run the migrations, e.g. 'facta migrate up')" : "";
        return new FactaException(what + " failed in PostgreSQL (" + e.getSQLState() + "): " + e.getMessage() + hint, e);
    }
}
