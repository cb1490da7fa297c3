package dev.facta.crypto;

/**
 * Told of every value a read masked (see {@link Masked}), e.g. to count tampering in metrics. Called
 * on the reading thread; it must return quickly and must not throw.
 */
@FunctionalInterface
public interface MaskListener {
    void masked(Masked masked);

    static MaskListener none() {
        return m -> {
        };
    }
}
