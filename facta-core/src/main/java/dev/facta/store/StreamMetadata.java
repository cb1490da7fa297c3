package dev.facta.store;

import dev.facta.InvalidInputException;

import java.time.Duration;
import java.time.Instant;

/**
 * Settings of one stream, honoured whenever the stream is read by name: keep only the last
 * {@code maxCount} events, only events younger than {@code maxAge}, and none before version
 * {@code truncateBefore}. Hidden events stay in the global log. Each setting may be null.
 */
public record StreamMetadata(Long maxCount, Duration maxAge, Long truncateBefore) {
    private static final StreamMetadata NONE = new StreamMetadata(null, null, null);

    public StreamMetadata {
        if (maxCount != null && maxCount < 1) {
            throw new InvalidInputException("maxCount", "maxCount must be >= 1, got " + maxCount);
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new InvalidInputException("maxAge", "maxAge must be positive, got " + maxAge);
        }
        if (truncateBefore != null && truncateBefore < 0) {
            throw new InvalidInputException("truncateBefore", "truncateBefore must be >= 0, got " + truncateBefore);
        }
    }

    public static StreamMetadata none() {
        return NONE;
    }

    public StreamMetadata withMaxCount(long n) {
        return new StreamMetadata(n, maxAge, truncateBefore);
    }

    public StreamMetadata withMaxAge(Duration d) {
        return new StreamMetadata(maxCount, d, truncateBefore);
    }

    public StreamMetadata withTruncateBefore(long version) {
        return new StreamMetadata(maxCount, maxAge, version);
    }

    public boolean isEmpty() {
        return maxCount == null && maxAge == null && truncateBefore == null;
    }

    /** The lowest version a reader may see when the stream's last version is {@code lastVersion}. */
    public long firstVisibleVersion(long lastVersion) {
        long first = 0;
        if (truncateBefore != null) first = Math.max(first, truncateBefore);
        if (maxCount != null) first = Math.max(first, lastVersion - maxCount + 1);
        return first;
    }

    /** Whether an event recorded at {@code recordedAt} is still visible at {@code now}. */
    public boolean visibleByAge(Instant recordedAt, Instant now) {
        return maxAge == null || !recordedAt.isBefore(now.minus(maxAge));
    }
}
