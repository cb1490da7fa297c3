package dev.facta.aggregate;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often a repository retries a command that lost an optimistic-concurrency race, and how
 * long it waits in between: exponential backoff from {@code initialDelay}, capped at
 * {@code maxDelay}, with full jitter (a random wait up to the backoff) so that competing writers
 * spread out instead of colliding again.
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofMillis(5), Duration.ofMillis(200));

    public RetryPolicy {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1");
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initialDelay <= maxDelay");
        }
    }

    /** One attempt, no retry. */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} failed (from 1). */
    public Duration delayAfter(int attempt) {
        long base = initialDelay.toNanos() << Math.min(attempt - 1, 30);
        long cap = Math.min(Math.max(base, 0), maxDelay.toNanos());
        return cap <= 0 ? Duration.ZERO : Duration.ofNanos(ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
