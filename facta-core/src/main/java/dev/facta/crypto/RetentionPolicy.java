package dev.facta.crypto;

import dev.facta.InvalidInputException;

import java.time.Duration;

/**
 * How long the streams of one category keep their events: at most {@code maxAge} old, at most the
 * last {@code maxCount} events per stream, or both. Enforced by a {@link RetentionJob}.
 *
 * @param category the streams' category ({@code session} for {@code session-1}, {@code session-2}, ...)
 * @param maxAge   events recorded longer ago are removed; a stream whose every event is older is
 *                 deleted (null: no age limit)
 * @param maxCount events before the last {@code maxCount} of a stream are removed (null: no count limit)
 */
public record RetentionPolicy(String category, Duration maxAge, Long maxCount) {
    public RetentionPolicy {
        if (category == null || category.isEmpty()) throw new InvalidInputException("category", "a retention category must not be empty");
        if (maxAge == null && maxCount == null) {
            throw new InvalidInputException("maxAge", "a retention policy for '" + category + "' needs a maximum age or count");
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new InvalidInputException("maxAge", "the maximum age must be positive");
        }
        if (maxCount != null && maxCount < 1) throw new InvalidInputException("maxCount", "the maximum count must be >= 1");
    }

    /** Keeps events of the category for {@code maxAge}. */
    public static RetentionPolicy maxAge(String category, Duration maxAge) {
        return new RetentionPolicy(category, maxAge, null);
    }

    /** Keeps the last {@code maxCount} events of each stream of the category. */
    public static RetentionPolicy maxCount(String category, long maxCount) {
        return new RetentionPolicy(category, null, maxCount);
    }

    /** This policy with a count limit too. */
    public RetentionPolicy andMaxCount(long n) {
        return new RetentionPolicy(category, maxAge, n);
    }

    /** This policy with an age limit too. */
    public RetentionPolicy andMaxAge(Duration age) {
        return new RetentionPolicy(category, age, maxCount);
    }

    String describeLimits() {
        StringBuilder sb = new StringBuilder();
        if (maxAge != null) sb.append("maxAge=").append(maxAge);
        if (maxCount != null) sb.append(sb.isEmpty() ? "" : ",").append("maxCount=").append(maxCount);
        return sb.toString();
    }
}
