package dev.facta.server;

import dev.facta.store.StoreLimits;

/**
 * What the HTTP API accepts before it hands anything to the store: the largest request body (larger
 * ones are refused with 413 {@code too_large} before they are read whole), the most events in one
 * append (413), the deepest nesting of an event's data (400) and the longest JSON string or number in
 * a request (413). The store then applies its own {@link StoreLimits} (an event larger than the
 * store's limit is also refused with 413).
 *
 * @param maxRequestBytes    largest request body, in bytes
 * @param maxEventsPerAppend most events in one {@code POST /streams/{stream}}
 * @param maxJsonDepth       deepest nesting of one event's {@code data}
 * @param maxStringLength    longest JSON string (and number text) in a request body, in characters
 */
public record ServerLimits(long maxRequestBytes, int maxEventsPerAppend, int maxJsonDepth, int maxStringLength) {

    /** 1 MiB bodies, 1,000 events per append, the store's default depth, strings up to the body size. */
    public static final ServerLimits DEFAULT = new ServerLimits(1024 * 1024, 1_000,
            StoreLimits.DEFAULT.maxJsonDepth(), 1024 * 1024);

    public ServerLimits {
        if (maxRequestBytes < 1 || maxEventsPerAppend < 1 || maxJsonDepth < 1 || maxStringLength < 1) {
            throw new IllegalArgumentException("server limits must be positive");
        }
        if (maxRequestBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxRequestBytes must be below 2 GiB, got " + maxRequestBytes);
        }
    }

    public ServerLimits withMaxRequestBytes(long bytes) {
        return new ServerLimits(bytes, maxEventsPerAppend, maxJsonDepth, maxStringLength);
    }

    public ServerLimits withMaxEventsPerAppend(int events) {
        return new ServerLimits(maxRequestBytes, events, maxJsonDepth, maxStringLength);
    }

    public ServerLimits withMaxJsonDepth(int depth) {
        return new ServerLimits(maxRequestBytes, maxEventsPerAppend, depth, maxStringLength);
    }

    public ServerLimits withMaxStringLength(int chars) {
        return new ServerLimits(maxRequestBytes, maxEventsPerAppend, maxJsonDepth, chars);
    }
}
