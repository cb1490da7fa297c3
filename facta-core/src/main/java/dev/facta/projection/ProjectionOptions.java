package dev.facta.projection;

import dev.facta.InvalidInputException;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ProjectionEngine} runs one projection.
 *
 * @param segments       how many partitions its events are split into by stream ({@link Segments});
 *                       each is processed by one engine at a time, so more segments let more
 *                       processes share the work. Fixed once the version is registered.
 * @param batchSize      how many events of a segment are applied in one transaction at most
 * @param maxAttempts    how many times an event is tried before it is parked (at least 1)
 * @param initialBackoff the wait before the first retry of a failed event; it doubles after each
 *                       attempt, up to {@code maxBackoff}, with random jitter
 * @param maxBackoff     the longest wait between two attempts
 * @param onFailure      what happens to an event that failed {@code maxAttempts} times
 */
public record ProjectionOptions(int segments, int batchSize, int maxAttempts, Duration initialBackoff,
                                Duration maxBackoff, OnFailure onFailure) {

    /** The largest number of segments a projection may have. */
    public static final int MAX_SEGMENTS = 1024;

    public ProjectionOptions {
        if (segments < 1 || segments > MAX_SEGMENTS) {
            throw new InvalidInputException("segments", "segments must be between 1 and " + MAX_SEGMENTS + ": " + segments);
        }
        if (batchSize < 1 || batchSize > dev.facta.store.EventStore.MAX_READ) {
            throw new InvalidInputException("batchSize",
                    "batchSize must be between 1 and " + dev.facta.store.EventStore.MAX_READ + ": " + batchSize);
        }
        if (maxAttempts < 1) throw new InvalidInputException("maxAttempts", "maxAttempts must be at least 1: " + maxAttempts);
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative()) throw new InvalidInputException("initialBackoff", "initialBackoff must not be negative");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidInputException("maxBackoff", "maxBackoff must not be shorter than initialBackoff");
        }
        if (onFailure == null) throw new InvalidInputException("onFailure", "onFailure must be SKIP or STOP");
    }

    /** One segment, batches of 500, 5 attempts with backoff from 100 ms to 10 s, then STOP. */
    public static ProjectionOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder().segments(segments).batchSize(batchSize).maxAttempts(maxAttempts)
                .backoff(initialBackoff, maxBackoff).onFailure(onFailure);
    }

    /** Builds {@link ProjectionOptions}; unset values keep their defaults. */
    public static final class Builder {
        private int segments = 1;
        private int batchSize = 500;
        private int maxAttempts = 5;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private OnFailure onFailure = OnFailure.STOP;

        private Builder() {
        }

        public Builder segments(int segments) {
            this.segments = segments;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        public Builder onFailure(OnFailure onFailure) {
            this.onFailure = onFailure;
            return this;
        }

        /** @throws InvalidInputException a value is out of range */
        public ProjectionOptions build() {
            return new ProjectionOptions(segments, batchSize, maxAttempts, initialBackoff, maxBackoff, onFailure);
        }
    }
}
