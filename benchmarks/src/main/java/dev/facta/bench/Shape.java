package dev.facta.bench;

/**
 * The shape of an append load: {@code writers} threads share {@code streams} streams (writer w
 * takes every stream i with i % writers == w), and every stream gets {@code appendsPerStream}
 * appends of {@code eventsPerAppend} events, each at the exact version the previous one returned.
 */
public record Shape(int writers, int streams, int appendsPerStream, int eventsPerAppend) {
    public static final int WRITERS = 8;

    public Shape {
        if (writers < 1 || streams < 1 || appendsPerStream < 1 || eventsPerAppend < 1) {
            throw new IllegalArgumentException("a load shape needs at least one of everything");
        }
    }

    /** append-batched: 10,000 streams x 2 appends x 10 events = 200,000 events at scale 1. */
    public static Shape batched(double scale) {
        return new Shape(WRITERS, scaled(10_000, scale), 2, 10);
    }

    /** append-single: 20,000 single-event appends to distinct streams at scale 1. */
    public static Shape single(double scale) {
        return new Shape(WRITERS, scaled(20_000, scale), 1, 1);
    }

    private static int scaled(int full, double scale) {
        // at least one stream per writer, so that every writer works at any scale
        return (int) Math.max(WRITERS, Math.round(full * scale));
    }

    public long appends() {
        return (long) streams * appendsPerStream;
    }

    public long events() {
        return appends() * eventsPerAppend;
    }

    /** The same shape, a twentieth the size: enough to compile the hot paths before measuring. */
    public Shape warmUp() {
        return new Shape(writers, Math.max(writers * 4, streams / 20), appendsPerStream, eventsPerAppend);
    }
}
