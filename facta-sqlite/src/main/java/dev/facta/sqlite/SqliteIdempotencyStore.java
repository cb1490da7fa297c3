package dev.facta.sqlite;

import dev.facta.command.IdempotencyStore;
import dev.facta.command.ResultCodec;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Idempotency keys in the {@code idempotency_keys} table (schema version 3) of the same SQLite
 * file as the events, so every process that opens the file shares them: a key running in one
 * process makes {@link #begin} wait in the others.
 *
 * <p>Like {@link SqliteSnapshotStore} it owns no connections: writes go through the event store's
 * writer connection under its write lock, and the polls of a waiting caller borrow its read-only
 * connections. Each {@link #begin} attempt is one {@code BEGIN IMMEDIATE} transaction (insert the
 * key as running, or read it and take it over when it expired or its lease passed), so two
 * processes can never both reserve a key.
 *
 * <p>A reservation holds a lease (30 s unless configured): when the process running a key dies
 * before completing or abandoning it, the next caller takes the key over once the lease has
 * passed. {@link dev.facta.command.IdempotencyMiddleware} renews the lease ({@link #extend}) while
 * the command runs, so only a caller that stalls for a whole lease without renewing (a frozen
 * process) can have its key taken over. Results are kept as text by the {@link ResultCodec} given to
 * the constructor. Completed keys are kept until they expire; {@link #deleteExpired} removes them.
 */
public final class SqliteIdempotencyStore implements IdempotencyStore {

    /** How long a reservation stays the caller's when nothing completes or abandons it. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private static final long FIRST_WAIT_MS = 2;
    private static final long MAX_WAIT_MS = 50;

    private static final String INSERT = "INSERT INTO idempotency_keys (key, state, result, expires_at, lease_until)"
            + " VALUES (?, 'running', NULL, ?, ?) ON CONFLICT (key) DO NOTHING";
    private static final String SELECT = "SELECT state, result, expires_at, lease_until FROM idempotency_keys WHERE key = ?";
    private static final String TAKE_OVER = "UPDATE idempotency_keys SET state = 'running', result = NULL,"
            + " expires_at = ?, lease_until = ? WHERE key = ?"
            + " AND ((state = 'done' AND expires_at <= ?) OR (state = 'running' AND lease_until <= ?))";
    private static final String COMPLETE = "UPDATE idempotency_keys SET state = 'done', result = ?, lease_until = NULL"
            + " WHERE key = ? AND state = 'running'";
    private static final String EXTEND = "UPDATE idempotency_keys SET lease_until = ? WHERE key = ? AND state = 'running'";
    private static final String ABANDON = "DELETE FROM idempotency_keys WHERE key = ? AND state = 'running'";
    private static final String DELETE_EXPIRED = "DELETE FROM idempotency_keys WHERE state = 'done' AND expires_at <= ?";

    private final SqliteEventStore events;
    private final ResultCodec codec;
    private final Duration lease;
    private final Clock clock;

    /** Keys in the file of an open event store, with the default lease of 30 seconds. */
    public SqliteIdempotencyStore(SqliteEventStore events, ResultCodec codec) {
        this(events, codec, DEFAULT_LEASE, Clock.systemUTC());
    }

    /**
     * Keys in the file of an open event store. {@code lease} is how long a reservation blocks other
     * callers when its owner never completes or abandons it; {@code clock} tells expiry and leases.
     */
    public SqliteIdempotencyStore(SqliteEventStore events, ResultCodec codec, Duration lease, Clock clock) {
        this.events = Objects.requireNonNull(events, "events");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (lease.isNegative() || lease.isZero()) throw new IllegalArgumentException("lease must be positive: " + lease);
    }

    /** What one attempt found: reserved, completed (with the encoded result), or someone else is running it. */
    private sealed interface Attempt {
    }

    private record Mine() implements Attempt {
    }

    private record Done(String encoded) implements Attempt {
    }

    private record Busy() implements Attempt {
    }

    @Override
    public Begin begin(String key, Instant expiresAt) throws InterruptedException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(expiresAt, "expiresAt");
        long waitMs = FIRST_WAIT_MS;
        while (true) {
            if (Thread.interrupted()) throw new InterruptedException();
            switch (attempt(key, expiresAt.toEpochMilli())) {
                case Mine m -> {
                    return new Reserved();
                }
                case Done d -> {
                    return new Completed(codec.decode(d.encoded()));
                }
                case Busy b -> {
                    // Someone else runs the key: poll on a reader (no write lock) until it is
                    // done, gone, or its lease passes; then try again on the writer.
                    while (true) {
                        Thread.sleep(waitMs);
                        waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
                        Observed seen = observe(key);
                        if (seen == null || !seen.runningWithLease(now())) break;
                    }
                }
            }
        }
    }

    private Attempt attempt(String key, long expiresAt) {
        return events.writeWith("begin idempotency key", db -> {
            long now = now();
            PreparedStatement insert = db.prepare(INSERT);
            insert.setString(1, key);
            insert.setLong(2, expiresAt);
            insert.setLong(3, now + lease.toMillis());
            if (insert.executeUpdate() == 1) return new Mine();
            Observed seen = select(db, key);
            if (seen == null) return new Busy(); // cannot happen inside one transaction; poll and retry
            if (seen.done() && seen.expiresAt() > now) return new Done(seen.result());
            if (seen.runningWithLease(now)) return new Busy();
            PreparedStatement take = db.prepare(TAKE_OVER);
            take.setLong(1, expiresAt);
            take.setLong(2, now + lease.toMillis());
            take.setString(3, key);
            take.setLong(4, now);
            take.setLong(5, now);
            return take.executeUpdate() == 1 ? new Mine() : new Busy();
        });
    }

    private record Observed(boolean done, String result, long expiresAt, long leaseUntil) {
        boolean runningWithLease(long now) {
            return !done && leaseUntil > now;
        }
    }

    private Observed observe(String key) {
        return events.read(db -> select(db, key));
    }

    private static Observed select(Db db, String key) throws java.sql.SQLException {
        PreparedStatement ps = db.prepare(SELECT);
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) return null;
            String state = rs.getString(1);
            String result = rs.getString(2);
            long expiresAt = rs.getLong(3);
            long leaseUntil = rs.getLong(4);
            return new Observed("done".equals(state), result, expiresAt, leaseUntil);
        }
    }

    @Override
    public void complete(String key, Object result) {
        Objects.requireNonNull(key, "key");
        String encoded = codec.encode(result);
        events.writeWith("complete idempotency key", db -> {
            PreparedStatement ps = db.prepare(COMPLETE);
            ps.setString(1, encoded);
            ps.setString(2, key);
            // No row: the key was abandoned meanwhile. A row another caller took over after our
            // lease passed gets our result, which is as much the command's result as theirs.
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public void abandon(String key) {
        Objects.requireNonNull(key, "key");
        events.writeWith("abandon idempotency key", db -> {
            PreparedStatement ps = db.prepare(ABANDON);
            ps.setString(1, key);
            ps.executeUpdate();
            return null;
        });
    }

    @Override
    public boolean extend(String key) {
        Objects.requireNonNull(key, "key");
        return events.writeWith("extend idempotency key", db -> {
            PreparedStatement ps = db.prepare(EXTEND);
            ps.setLong(1, now() + lease.toMillis());
            ps.setString(2, key);
            return ps.executeUpdate() > 0;
        });
    }

    @Override
    public int deleteExpired() {
        return events.writeWith("delete expired idempotency keys", db -> {
            PreparedStatement ps = db.prepare(DELETE_EXPIRED);
            ps.setLong(1, now());
            return ps.executeUpdate();
        });
    }

    private long now() {
        return clock.millis();
    }

    @Override
    public String toString() {
        return "SqliteIdempotencyStore[" + events.path() + "]";
    }
}
