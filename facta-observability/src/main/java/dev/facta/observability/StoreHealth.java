package dev.facta.observability;

import dev.facta.store.EventStore;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * A health indicator for an {@link EventStore}: it reads {@link EventStore#headPosition()} on a
 * virtual thread and waits at most {@code timeout}. UP with details {@code store},
 * {@code headPosition} and {@code latencyMs}; DOWN with {@code store} and {@code error} (the
 * exception, or "timed out after ..."). It never throws, so it can back any health endpoint.
 */
public final class StoreHealth {

    public enum Status { UP, DOWN }

    /** The outcome of one check; details keep insertion order. */
    public record Health(Status status, Map<String, Object> details) {
        public Health {
            details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }
    }

    private final EventStore store;
    private final Duration timeout;

    public StoreHealth(EventStore store, Duration timeout) {
        this.store = Objects.requireNonNull(store, "store");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public StoreHealth(EventStore store) {
        this(store, Duration.ofSeconds(2));
    }

    public Health check() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("store", describe());
        long t0 = System.nanoTime();
        CompletableFuture<Long> head = new CompletableFuture<>();
        Thread.ofVirtual().name("facta-store-health").start(() -> {
            try {
                head.complete(store.headPosition());
            } catch (Throwable e) {
                head.completeExceptionally(e);
            }
        });
        try {
            long position = head.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            details.put("headPosition", position);
            details.put("latencyMs", (System.nanoTime() - t0) / 1_000_000.0);
            return new Health(Status.UP, details);
        } catch (TimeoutException e) {
            details.put("error", "timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            details.put("error", String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            details.put("error", "interrupted");
        }
        return new Health(Status.DOWN, details);
    }

    private String describe() {
        try {
            return store.describe();
        } catch (RuntimeException e) {
            return store.getClass().getSimpleName();
        }
    }
}
