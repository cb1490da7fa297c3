package dev.facta.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A plugin's view of the service registry: services it registers are owned by it and removed when
 * it stops; calls go through the registry's timeouts, rate limits and circuit breakers.
 */
public interface Services {

    /**
     * Registers a service owned by the calling plugin.
     *
     * @throws ServiceException with reason {@code DUPLICATE} when another plugin has the name
     */
    <T> void register(ServiceKey<T> key, T implementation);

    /** Removes one of the plugin's own services; nothing happens when it has none by that name. */
    void unregister(String name);

    /**
     * Calls a service and waits for its answer, at most the service's timeout.
     *
     * @throws ServiceException NOT_FOUND, WRONG_TYPE, RATE_LIMITED, CIRCUIT_OPEN, TIMEOUT or FAILED
     */
    <T, R> R call(ServiceKey<T> key, Function<? super T, ? extends R> call);

    /** Like {@link #call}, completing the future instead of waiting; it fails with the same {@link ServiceException}s. */
    <T, R> CompletableFuture<R> callAsync(ServiceKey<T> key, Function<? super T, ? extends R> call);

    /** Whether a service of that name is registered now. */
    boolean available(String name);
}
