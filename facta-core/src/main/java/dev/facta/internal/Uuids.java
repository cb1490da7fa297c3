package dev.facta.internal;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids made in
 * the same millisecond by this process strictly increasing, then 62 random bits.
 */
public final class Uuids {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** (millis << 12) | counter of the last id handed out. */
    private static final AtomicLong LAST = new AtomicLong();

    private Uuids() {
    }

    public static UUID v7() {
        long now = System.currentTimeMillis();
        long next;
        long prev;
        do {
            prev = LAST.get();
            long candidate = now << 12;
            next = candidate > prev ? candidate : prev + 1; // same or earlier millisecond: count on
        } while (!LAST.compareAndSet(prev, next));
        long millis = next >>> 12;
        long counter = next & 0xFFF;
        long msb = (millis << 16) | 0x7000L | counter;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
