package dev.facta.runtime;

import dev.facta.runtime.internal.CircuitBreaker;
import dev.facta.runtime.internal.RateLimiter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The services plugins offer each other, by name. Every call runs on its own virtual thread under
 * the service's {@link ServiceOptions}: refused at once when its rate limit or open circuit breaker
 * says so, abandoned (and its thread interrupted) at its timeout. Limits and breakers belong to the
 * name, so they survive the owner's restarts.
 */
public final class ServiceRegistry implements AutoCloseable {

    /** How one call ended, as told to the {@link Observer}. */
    public enum Outcome { OK, FAILED, TIMEOUT, REFUSED }

    /** Told of every call after it ends (the runtime counts them per plugin and restarts failing owners). */
    public interface Observer {
        void called(String caller, String owner, String service, Outcome outcome, Throwable error);
    }

    /** A registered service. */
    public record ServiceInfo(String name, String owner, String type, String circuit) {
    }

    private record Registration(String owner, ServiceKey<?> key, Object implementation) {
    }

    private final class Guard {
        volatile ServiceOptions options;
        final RateLimiter limiter;
        final CircuitBreaker breaker;

        Guard(ServiceOptions o) {
            options = o;
            limiter = new RateLimiter(o.ratePerSecond(), o.burst(), System::nanoTime);
            breaker = new CircuitBreaker(o.failureThreshold(), o.openFor().toNanos(), System::nanoTime);
        }

        void configure(ServiceOptions o) {
            options = o;
            limiter.configure(o.ratePerSecond(), o.burst());
            breaker.configure(o.failureThreshold(), o.openFor().toNanos());
        }
    }

    private final Map<String, Registration> services = new ConcurrentHashMap<>();
    private final Map<String, Guard> guards = new ConcurrentHashMap<>();
    private final Map<String, ServiceOptions> configured = new ConcurrentHashMap<>();
    private volatile ServiceOptions defaults = ServiceOptions.DEFAULTS;
    private volatile Observer observer = (caller, owner, service, outcome, error) -> { };
    private final ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("facta-service-call-", 0).factory());
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "facta-service-timeouts");
        t.setDaemon(true);
        return t;
    });

    public ServiceRegistry() {
        timers.setRemoveOnCancelPolicy(true);
    }

    public void observer(Observer o) {
        this.observer = o;
    }

    /** Options of services with no options of their own. */
    public void defaults(ServiceOptions options) {
        this.defaults = options;
        guards.forEach((name, g) -> g.configure(optionsOf(name)));
    }

    /** Sets (or with null, clears) one service's options; they apply to the next call. */
    public void configure(String name, ServiceOptions options) {
        if (options == null) configured.remove(name);
        else configured.put(name, options);
        Guard g = guards.get(name);
        if (g != null) g.configure(optionsOf(name));
    }

    public ServiceOptions optionsOf(String name) {
        return configured.getOrDefault(name, defaults);
    }

    public <T> void register(String owner, ServiceKey<T> key, T implementation) {
        if (implementation == null) throw new dev.facta.InvalidInputException("implementation", "service implementation must not be null");
        if (!key.type().isInstance(implementation)) {
            throw new ServiceException(key.name(), ServiceException.Reason.WRONG_TYPE,
                    "service " + key.name() + " is not a " + key.type().getName());
        }
        Registration mine = new Registration(owner, key, implementation);
        Registration existing = services.putIfAbsent(key.name(), mine);
        if (existing != null && !existing.owner().equals(owner)) {
            throw new ServiceException(key.name(), ServiceException.Reason.DUPLICATE,
                    "service " + key.name() + " is already registered by plugin " + existing.owner());
        }
        if (existing != null) services.put(key.name(), mine);
        guards.computeIfAbsent(key.name(), n -> new Guard(optionsOf(n)));
    }

    public void unregister(String owner, String name) {
        services.computeIfPresent(name, (n, r) -> r.owner().equals(owner) ? null : r);
    }

    /** Removes every service of the owner. */
    public void unregisterAll(String owner) {
        services.values().removeIf(r -> r.owner().equals(owner));
    }

    public boolean available(String name) {
        return services.containsKey(name);
    }

    public List<ServiceInfo> list() {
        List<ServiceInfo> out = new ArrayList<>();
        services.forEach((name, r) -> out.add(new ServiceInfo(name, r.owner(), r.key().type().getName(),
                guards.get(name).breaker.state().name().toLowerCase(java.util.Locale.ROOT))));
        out.sort(Comparator.comparing(ServiceInfo::name));
        return out;
    }

    /** Names of the owner's services. */
    public List<String> servicesOf(String owner) {
        return services.values().stream().filter(r -> r.owner().equals(owner)).map(r -> r.key().name()).sorted().toList();
    }

    public <T, R> R call(String caller, ServiceKey<T> key, Function<? super T, ? extends R> call) {
        CompletableFuture<R> f = callAsync(caller, key, call);
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ServiceException se) {
                // rethrown on the caller's thread, with the caller's stack
                throw new ServiceException(se.service(), se.reason(), se.getMessage(), se.getCause());
            }
            throw e;
        }
    }

    public <T, R> CompletableFuture<R> callAsync(String caller, ServiceKey<T> key, Function<? super T, ? extends R> call) {
        String name = key.name();
        Registration r = services.get(name);
        if (r == null) {
            return refused(caller, null, new ServiceException(name, ServiceException.Reason.NOT_FOUND,
                    "no service " + name + " is registered (is its plugin running?)"));
        }
        if (!key.type().isInstance(r.implementation())) {
            return refused(caller, r.owner(), new ServiceException(name, ServiceException.Reason.WRONG_TYPE,
                    "service " + name + " is a " + r.key().type().getName() + ", not a " + key.type().getName()));
        }
        Guard g = guards.get(name);
        if (!g.limiter.tryAcquire()) {
            return refused(caller, r.owner(), new ServiceException(name, ServiceException.Reason.RATE_LIMITED,
                    "service " + name + " is over its rate limit of " + g.options.ratePerSecond() + " calls/s"));
        }
        if (!g.breaker.tryAcquire()) {
            return refused(caller, r.owner(), new ServiceException(name, ServiceException.Reason.CIRCUIT_OPEN,
                    "service " + name + " failed repeatedly; its circuit breaker is open"));
        }
        T impl = key.type().cast(r.implementation());
        CompletableFuture<R> result = new CompletableFuture<>();
        Future<?> task = calls.submit(() -> {
            try {
                result.complete(call.apply(impl));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        long timeout = g.options.timeout().toNanos();
        ScheduledFuture<?> timer = timers.schedule(() -> {
            if (result.completeExceptionally(new java.util.concurrent.TimeoutException())) task.cancel(true);
        }, timeout, TimeUnit.NANOSECONDS);
        CompletableFuture<R> answer = new CompletableFuture<>();
        result.whenComplete((value, error) -> {
            timer.cancel(false);
            if (error == null) {
                g.breaker.success();
                observer.called(caller, r.owner(), name, Outcome.OK, null);
                answer.complete(value);
                return;
            }
            Throwable cause = error instanceof CompletionException || error instanceof ExecutionException ? error.getCause() : error;
            g.breaker.failure();
            ServiceException se = cause instanceof java.util.concurrent.TimeoutException
                    ? new ServiceException(name, ServiceException.Reason.TIMEOUT, "service " + name + " did not answer within " + g.options.timeout())
                    : new ServiceException(name, ServiceException.Reason.FAILED, "service " + name + " failed: " + cause, cause);
            observer.called(caller, r.owner(), name, se.reason() == ServiceException.Reason.TIMEOUT ? Outcome.TIMEOUT : Outcome.FAILED, cause);
            answer.completeExceptionally(se);
        });
        return answer;
    }

    private <R> CompletableFuture<R> refused(String caller, String owner, ServiceException e) {
        observer.called(caller, owner, e.service(), Outcome.REFUSED, e);
        return CompletableFuture.failedFuture(e);
    }

    /** A plugin's view: it registers as owner and calls as caller. */
    Services scopedTo(String plugin, java.util.Set<String> owned) {
        return new Services() {
            @Override
            public <T> void register(ServiceKey<T> key, T implementation) {
                ServiceRegistry.this.register(plugin, key, implementation);
                owned.add(key.name());
            }

            @Override
            public void unregister(String name) {
                ServiceRegistry.this.unregister(plugin, name);
                owned.remove(name);
            }

            @Override
            public <T, R> R call(ServiceKey<T> key, Function<? super T, ? extends R> call) {
                return ServiceRegistry.this.call(plugin, key, call);
            }

            @Override
            public <T, R> CompletableFuture<R> callAsync(ServiceKey<T> key, Function<? super T, ? extends R> call) {
                return ServiceRegistry.this.callAsync(plugin, key, call);
            }

            @Override
            public boolean available(String name) {
                return ServiceRegistry.this.available(name);
            }
        };
    }

    @Override
    public void close() {
        timers.shutdownNow();
        calls.shutdownNow();
    }
}
