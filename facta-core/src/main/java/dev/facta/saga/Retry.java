package dev.facta.saga;

import dev.facta.InvalidInputException;

import java.time.Duration;
import java.util.Objects;

/**
 * How often the saga runtime tries something that fails (a saga step, a compensation, the dispatch
 * of an issued command) and how long it waits in between: the wait starts at {@code initialBackoff}
 * and doubles after every failed attempt up to {@code maxBackoff}. There is no jitter, so the waits
 * are predictable (retries are spread anyway, by when each failure happened). Waits are durable:
 * they are stored as due times, so a restart neither forgets nor shortens them.
 *
 * @param maxAttempts    attempts in all, the first included (at least 1)
 * @param initialBackoff the wait after the first failure
 * @param maxBackoff     the longest wait
 */
public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public Retry {
        if (maxAttempts < 1) throw new InvalidInputException("maxAttempts", "maxAttempts must be at least 1: " + maxAttempts);
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative()) throw new InvalidInputException("initialBackoff", "initialBackoff must not be negative");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidInputException("maxBackoff", "maxBackoff must not be shorter than initialBackoff");
        }
    }

    /** Five attempts, waiting 1 s, 2 s, 4 s, 8 s in between (at most 1 min). */
    public static Retry defaults() {
        return new Retry(5, Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    /** One attempt: a failure is final. */
    public static Retry none() {
        return new Retry(1, Duration.ZERO, Duration.ZERO);
    }

    public static Retry of(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        return new Retry(maxAttempts, initialBackoff, maxBackoff);
    }

    /** The wait after attempt number {@code attempt} (from 1) failed: initial * 2^(attempt-1), capped. */
    public Duration backoffAfter(int attempt) {
        if (attempt < 1) throw new InvalidInputException("attempt", "attempts count from 1: " + attempt);
        long initial = initialBackoff.toMillis();
        long max = maxBackoff.toMillis();
        long d = initial;
        for (int i = 1; i < attempt && d < max; i++) d = d > max / 2 ? max : d * 2;
        return Duration.ofMillis(Math.min(d, max));
    }
}
