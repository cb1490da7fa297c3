package dev.facta.runtime.internal;

import java.util.function.LongSupplier;

/**
 * Closed until {@code threshold} failures in a row; then open (every call refused) for
 * {@code openNanos}; then half-open: one trial call at a time, closing on success and opening again
 * on failure. Thread-safe.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final LongSupplier clock;
    private volatile int threshold;
    private volatile long openNanos;
    private State state = State.CLOSED;
    private int failures;
    private long openedAt;
    private boolean trialRunning;

    public CircuitBreaker(int threshold, long openNanos, LongSupplier clock) {
        this.threshold = threshold;
        this.openNanos = openNanos;
        this.clock = clock;
    }

    public void configure(int threshold, long openNanos) {
        this.threshold = threshold;
        this.openNanos = openNanos;
    }

    /** Whether a call may go ahead now; a caller that got {@code true} must report its outcome. */
    public synchronized boolean tryAcquire() {
        if (state == State.OPEN && clock.getAsLong() - openedAt >= openNanos) {
            state = State.HALF_OPEN;
            trialRunning = false;
        }
        return switch (state) {
            case CLOSED -> true;
            case OPEN -> false;
            case HALF_OPEN -> {
                if (trialRunning) yield false;
                trialRunning = true;
                yield true;
            }
        };
    }

    public synchronized void success() {
        failures = 0;
        state = State.CLOSED;
        trialRunning = false;
    }

    public synchronized void failure() {
        failures++;
        if (state == State.HALF_OPEN || failures >= threshold) {
            state = State.OPEN;
            openedAt = clock.getAsLong();
            trialRunning = false;
        }
    }

    public synchronized State state() {
        if (state == State.OPEN && clock.getAsLong() - openedAt >= openNanos) return State.HALF_OPEN;
        return state;
    }
}
