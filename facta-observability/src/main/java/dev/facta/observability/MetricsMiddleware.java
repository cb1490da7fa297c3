package dev.facta.observability;

import dev.facta.command.CommandMessage;
import dev.facta.command.CommandMiddleware;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.Objects;

/**
 * Command-bus middleware that counts and times every dispatch.
 *
 * <ul>
 *   <li>{@code facta.commands} (counter) and {@code facta.command.duration} (timer), both tagged
 *       {@code command} (the payload's simple class name), {@code outcome} ({@code success} or
 *       {@code failure}) and {@code exception} (the failure's simple class name, {@code none} on
 *       success).</li>
 * </ul>
 *
 * Put it outermost (first in {@code use(...)}) to measure the whole pipeline, or after retry to
 * count each attempt. The error is rethrown unchanged.
 */
public final class MetricsMiddleware implements CommandMiddleware {
    public static final String COUNT = "facta.commands";
    public static final String DURATION = "facta.command.duration";

    private final MeterRegistry registry;

    public MetricsMiddleware(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        long t0 = System.nanoTime();
        String type = command.type().getSimpleName();
        try {
            Object result = next.proceed(command);
            record(type, "success", "none", System.nanoTime() - t0);
            return result;
        } catch (Exception | Error e) {
            record(type, "failure", e.getClass().getSimpleName(), System.nanoTime() - t0);
            throw e;
        }
    }

    private void record(String type, String outcome, String exception, long nanos) {
        Tags tags = Tags.of("command", type, "outcome", outcome, "exception", exception);
        registry.counter(COUNT, tags).increment();
        Timer.builder(DURATION).tags(tags).register(registry).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
