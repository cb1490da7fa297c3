package dev.facta.redis.internal;

import dev.facta.InvalidInputException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;

/** Opens a connection from a {@code redis://} URI, owning the client so that closing releases both. */
public final class RedisConnections {
    private RedisConnections() {
    }

    /** A connection and the client it came from; closing it shuts the client down. */
    public record Owned<K, V>(RedisClient client, StatefulRedisConnection<K, V> connection) implements AutoCloseable {
        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }

    public static <K, V> Owned<K, V> open(String uri, RedisCodec<K, V> codec) {
        RedisURI parsed;
        try {
            parsed = RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("uri", "not a Redis URI (redis://host:port[/db]): " + uri);
        }
        RedisClient client = RedisClient.create(parsed);
        try {
            return new Owned<>(client, client.connect(codec));
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /** Key prefixes are 1 to 64 characters without spaces or control characters. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || !prefix.matches("[!-~]{1,64}")) {
            throw new InvalidInputException("prefix", "a key prefix is 1-64 printable ASCII characters without spaces: " + prefix);
        }
        return prefix;
    }
}
