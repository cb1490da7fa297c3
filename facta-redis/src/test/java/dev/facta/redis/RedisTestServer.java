package dev.facta.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.Assumptions;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;

/**
 * The Redis server the tests use: {@code FACTA_TEST_REDIS_URL} when set, else the local one at
 * 127.0.0.1:6379. When none answers the tests are skipped with the reason printed (no embedded Redis is
 * published on Maven Central).
 */
final class RedisTestServer {
    static final String URL = System.getenv().getOrDefault("FACTA_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    private static Boolean up;

    private RedisTestServer() {
    }

    static synchronized String require() {
        if (up == null) {
            URI uri = URI.create(URL);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), 1000);
                up = true;
            } catch (Exception e) {
                System.out.println("Redis tests skipped: no Redis answers at " + URL + " (" + e.getMessage() + ")");
                up = false;
            }
        }
        Assumptions.assumeTrue(up, "no Redis answers at " + URL);
        return URL;
    }

    /** A key prefix no other test uses. */
    static String freshPrefix(String test) {
        return "facta-test:" + test + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> text;
    private static StatefulRedisConnection<byte[], byte[]> binary;

    /** One client for the whole test run (starting one costs about a second), shut down at exit. */
    private static synchronized RedisClient client() {
        if (client == null) {
            client = RedisClient.create(require());
            Runtime.getRuntime().addShutdownHook(new Thread(client::shutdown));
        }
        return client;
    }

    /** A shared connection with the UTF-8 codec; stores given it do not close it. */
    static synchronized StatefulRedisConnection<String, String> text() {
        if (text == null) text = client().connect();
        return text;
    }

    /** A shared binary connection. */
    static synchronized StatefulRedisConnection<byte[], byte[]> binary() {
        if (binary == null) binary = client().connect(ByteArrayCodec.INSTANCE);
        return binary;
    }

    /** Deletes every key under the prefix. */
    static void deleteKeys(String prefix) {
        ScanIterator<String> keys = ScanIterator.scan(text().sync(), ScanArgs.Builder.matches(prefix + ":*").limit(500));
        while (keys.hasNext()) text().sync().del(keys.next());
    }

    /** How many keys exist under the prefix. */
    static long countKeys(String prefix) {
        long n = 0;
        ScanIterator<String> keys = ScanIterator.scan(text().sync(), ScanArgs.Builder.matches(prefix + ":*").limit(500));
        while (keys.hasNext()) {
            keys.next();
            n++;
        }
        return n;
    }
}
