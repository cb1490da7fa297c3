package dev.facta.observability;

import dev.facta.query.QueryInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Query-bus metrics: {@code facta.queries} (counter) and {@code facta.query.duration} (timer),
 * tagged {@code query} (simple type name), {@code outcome} (success/failure) and {@code exception}.
 * Add with {@code QueryBus.builder().intercept(new QueryMetrics(registry))}.
 */
public final class QueryMetrics implements QueryInterceptor {
    private final MeterRegistry registry;

    public QueryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Object intercept(Object query, Next next) throws Exception {
        long t0 = System.nanoTime();
        String outcome = "success";
        String exception = "none";
        try {
            return next.proceed(query);
        } catch (Exception | Error e) {
            outcome = "failure";
            exception = e.getClass().getSimpleName();
            throw e;
        } finally {
            String type = query.getClass().getSimpleName();
            registry.counter("facta.queries", "query", type, "outcome", outcome, "exception", exception).increment();
            Timer.builder("facta.query.duration").tags("query", type, "outcome", outcome)
                    .register(registry).record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }
}
