package dev.facta.redis;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.redis.internal.RedisConnections;
import dev.facta.redis.internal.Scripts;
import dev.facta.store.StreamId;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Snapshots in Redis. Each stream has two keys: {@code <prefix>:snap:<stream>}, a hash from version to
 * the encoded snapshot, and {@code <prefix>:snapv:<stream>}, a sorted set of the versions (zero-padded,
 * ordered by value) used to find the newest one at or below a version. Every save, lookup and prune is
 * one Lua script, so concurrent writers never leave a version listed without its snapshot.
 *
 * <p>With a {@link Builder#ttl TTL}, a stream's snapshots expire that long after its last save: a
 * snapshot is only an optimisation, so an expired one costs a full replay, never correctness.
 */
public final class RedisSnapshotStore implements SnapshotStore, AutoCloseable {

    private static final byte[][] NO_KEYS = new byte[0][];

    private static final Scripts SAVE = new Scripts("""
            redis.call('ZADD', ARGV[2], 0, ARGV[3])
            redis.call('HSET', ARGV[1], ARGV[3], ARGV[4])
            local ttl = tonumber(ARGV[5])
            if ttl > 0 then
              redis.call('PEXPIRE', ARGV[1], ttl)
              redis.call('PEXPIRE', ARGV[2], ttl)
            end
            return 1
            """);
    private static final Scripts LATEST = new Scripts("""
            local v = redis.call('ZREVRANGEBYLEX', ARGV[2], '[' .. ARGV[3], '-', 'LIMIT', 0, 1)
            if #v == 0 then return {} end
            return {v[1], redis.call('HGET', ARGV[1], v[1])}
            """);
    private static final Scripts PRUNE = new Scripts("""
            local n = redis.call('ZCARD', ARGV[2])
            local keep = tonumber(ARGV[3])
            if n <= keep then return 0 end
            local old = redis.call('ZRANGE', ARGV[2], 0, n - keep - 1)
            for _, v in ipairs(old) do
              redis.call('ZREM', ARGV[2], v)
              redis.call('HDEL', ARGV[1], v)
            end
            return #old
            """);

    private final RedisConnections.Owned<byte[], byte[]> owned;
    private final RedisCommands<byte[], byte[]> redis;
    private final String prefix;
    private final long ttlMillis;

    private RedisSnapshotStore(Builder b) {
        if (b.connection != null) {
            this.owned = null;
            this.redis = b.connection.sync();
        } else {
            this.owned = RedisConnections.open(b.uri, ByteArrayCodec.INSTANCE);
            this.redis = owned.connection().sync();
        }
        this.prefix = b.prefix;
        this.ttlMillis = b.ttl == null ? 0 : b.ttl.toMillis();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A store on the Redis server at {@code uri} ({@code redis://host:port}) with the default prefix. */
    public static RedisSnapshotStore open(String uri) {
        return builder().uri(uri).build();
    }

    /** How a {@link RedisSnapshotStore} is set up. */
    public static final class Builder {
        private String uri = "redis://127.0.0.1:6379";
        private StatefulRedisConnection<byte[], byte[]> connection;
        private String prefix = "facta";
        private Duration ttl;

        private Builder() {
        }

        /** The server to connect to; the store owns that connection and closes it. */
        public Builder uri(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            return this;
        }

        /** A connection the application owns (binary codec); the store never closes it. */
        public Builder connection(StatefulRedisConnection<byte[], byte[]> connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            return this;
        }

        /** The start of every key this store writes (default {@code facta}). */
        public Builder prefix(String prefix) {
            this.prefix = RedisConnections.checkPrefix(prefix);
            return this;
        }

        /** Snapshots of a stream expire this long after its last save (default: never). */
        public Builder ttl(Duration ttl) {
            if (ttl != null && (ttl.isNegative() || ttl.isZero() || ttl.toMillis() == 0)) {
                throw new InvalidInputException("ttl", "a snapshot TTL must be at least one millisecond: " + ttl);
            }
            this.ttl = ttl;
            return this;
        }

        public RedisSnapshotStore build() {
            return new RedisSnapshotStore(this);
        }
    }

    @Override
    public void save(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        byte[] state = Objects.requireNonNull(snapshot.state(), "snapshot state");
        checkVersion(snapshot.version());
        Instant at = snapshot.takenAt() == null ? Instant.now() : snapshot.takenAt();
        ByteBuffer value = ByteBuffer.allocate(16 + state.length)
                .putInt(snapshot.schemaVersion()).putLong(at.getEpochSecond()).putInt(at.getNano()).put(state);
        SAVE.run(redis, ScriptOutputType.INTEGER, NO_KEYS, hashKey(snapshot.stream()), versionsKey(snapshot.stream()),
                version(snapshot.version()), value.array(), bytes(Long.toString(ttlMillis)));
    }

    @Override
    public Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        Objects.requireNonNull(stream, "stream");
        if (maxVersion < 0) return Optional.empty();
        List<byte[]> found = LATEST.run(redis, ScriptOutputType.MULTI, NO_KEYS, hashKey(stream), versionsKey(stream), version(maxVersion));
        if (found.size() < 2 || found.get(1) == null) return Optional.empty();
        ByteBuffer value = ByteBuffer.wrap(found.get(1));
        int schema = value.getInt();
        Instant at = Instant.ofEpochSecond(value.getLong(), value.getInt());
        byte[] state = new byte[value.remaining()];
        value.get(state);
        long version = Long.parseLong(new String(found.get(0), StandardCharsets.US_ASCII));
        return Optional.of(new Snapshot(stream, version, schema, state, at));
    }

    @Override
    public void prune(StreamId stream, int keep) {
        Objects.requireNonNull(stream, "stream");
        if (keep < 0) throw new InvalidInputException("keep", "the number of snapshots to keep must not be negative: " + keep);
        PRUNE.run(redis, ScriptOutputType.INTEGER, NO_KEYS, hashKey(stream), versionsKey(stream), bytes(Integer.toString(keep)));
    }

    /** Closes the connection when the store opened it itself. */
    @Override
    public void close() {
        if (owned != null) owned.close();
    }

    private static void checkVersion(long version) {
        if (version < 0) throw new InvalidInputException("version", "a snapshot version must not be negative: " + version);
    }

    /** Versions as 19 digits, so that their byte order is their numeric order. */
    private static byte[] version(long version) {
        return bytes(String.format("%019d", version));
    }

    private byte[] hashKey(StreamId stream) {
        return bytes(prefix + ":snap:" + stream.value());
    }

    private byte[] versionsKey(StreamId stream) {
        return bytes(prefix + ":snapv:" + stream.value());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RedisSnapshotStore[prefix=" + prefix + (ttlMillis > 0 ? ", ttl=" + ttlMillis + "ms" : "") + "]";
    }

}
