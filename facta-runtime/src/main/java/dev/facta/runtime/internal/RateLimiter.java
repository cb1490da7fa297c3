package dev.facta.runtime.internal;

import java.util.function.LongSupplier;

/** A token bucket: {@code burst} tokens, refilled at {@code perSecond}; a rate of 0 lets everything pass. Thread-safe. */
public final class RateLimiter {
    private final LongSupplier clock;
    private double perSecond;
    private double burst;
    private double tokens;
    private long last;

    public RateLimiter(double perSecond, int burst, LongSupplier clock) {
        this.clock = clock;
        this.last = clock.getAsLong();
        configure(perSecond, burst);
        this.tokens = burst;
    }

    public synchronized void configure(double perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = Math.min(tokens, burst);
    }

    public synchronized boolean tryAcquire() {
        if (perSecond <= 0) return true;
        long now = clock.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
