package dev.facta.graphql;

import dev.facta.readmodel.Query;

import java.time.Duration;
import java.util.Objects;

/**
 * What one GraphQL request or connection may cost, and how live subscriptions look for changes.
 *
 * @param maxDepth              deepest selection nesting a query may have
 * @param maxComplexity         largest query cost: every field costs 1, {@code totalCount} 10, and what
 *                              is selected under a paged field counts {@code first} times
 * @param maxFirst              largest page ({@code first}) of a list query or list subscription
 * @param maxOffset             deepest position a cursor may page to
 * @param maxQueryChars         longest query text
 * @param maxSubscriptions      live subscriptions one WebSocket connection may hold at once
 * @param pollInterval          how often live subscriptions look for changes (projection checkpoints and
 *                              the head of the log of their tenant)
 * @param resyncInterval        how often live subscriptions re-read even when nothing moved (read models
 *                              written outside projections)
 * @param connectionInitTimeout how long a WebSocket may stay open without {@code connection_init}
 */
public record GraphQlLimits(int maxDepth, int maxComplexity, int maxFirst, long maxOffset, int maxQueryChars, int maxSubscriptions,
                            Duration pollInterval, Duration resyncInterval, Duration connectionInitTimeout) {

    public static final GraphQlLimits DEFAULT = new GraphQlLimits(15, 5_000, 100, 100_000, 32_768, 32,
            Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(10));

    public GraphQlLimits {
        positive(maxDepth, "maxDepth");
        positive(maxComplexity, "maxComplexity");
        if (maxFirst < 1 || maxFirst > Query.MAX_LIMIT) throw new IllegalArgumentException("maxFirst must be 1.." + Query.MAX_LIMIT);
        if (maxOffset < 0) throw new IllegalArgumentException("maxOffset must not be negative");
        positive(maxQueryChars, "maxQueryChars");
        positive(maxSubscriptions, "maxSubscriptions");
        positive(pollInterval, "pollInterval");
        positive(resyncInterval, "resyncInterval");
        positive(connectionInitTimeout, "connectionInitTimeout");
    }

    public GraphQlLimits withMaxDepth(int v) {
        return new GraphQlLimits(v, maxComplexity, maxFirst, maxOffset, maxQueryChars, maxSubscriptions, pollInterval, resyncInterval,
                connectionInitTimeout);
    }

    public GraphQlLimits withMaxComplexity(int v) {
        return new GraphQlLimits(maxDepth, v, maxFirst, maxOffset, maxQueryChars, maxSubscriptions, pollInterval, resyncInterval,
                connectionInitTimeout);
    }

    public GraphQlLimits withMaxFirst(int v) {
        return new GraphQlLimits(maxDepth, maxComplexity, v, maxOffset, maxQueryChars, maxSubscriptions, pollInterval, resyncInterval,
                connectionInitTimeout);
    }

    public GraphQlLimits withMaxSubscriptions(int v) {
        return new GraphQlLimits(maxDepth, maxComplexity, maxFirst, maxOffset, maxQueryChars, v, pollInterval, resyncInterval,
                connectionInitTimeout);
    }

    public GraphQlLimits withPollInterval(Duration v) {
        return new GraphQlLimits(maxDepth, maxComplexity, maxFirst, maxOffset, maxQueryChars, maxSubscriptions, v, resyncInterval,
                connectionInitTimeout);
    }

    public GraphQlLimits withResyncInterval(Duration v) {
        return new GraphQlLimits(maxDepth, maxComplexity, maxFirst, maxOffset, maxQueryChars, maxSubscriptions, pollInterval, v,
                connectionInitTimeout);
    }

    public GraphQlLimits withConnectionInitTimeout(Duration v) {
        return new GraphQlLimits(maxDepth, maxComplexity, maxFirst, maxOffset, maxQueryChars, maxSubscriptions, pollInterval,
                resyncInterval, v);
    }

    private static void positive(long v, String name) {
        if (v < 1) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }
}
