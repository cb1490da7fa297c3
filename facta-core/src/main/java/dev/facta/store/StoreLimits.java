package dev.facta.store;

/**
 * What a store accepts: the largest event (data plus metadata, in bytes), the most events in one
 * append, and the deepest JSON nesting of event data.
 */
public record StoreLimits(int maxEventBytes, int maxEventsPerAppend, int maxJsonDepth) {
    public static final StoreLimits DEFAULT = new StoreLimits(1024 * 1024, 10_000, 64);

    public StoreLimits {
        if (maxEventBytes < 1 || maxEventsPerAppend < 1 || maxJsonDepth < 1) {
            throw new IllegalArgumentException("store limits must be positive");
        }
    }
}
