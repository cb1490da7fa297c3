package dev.facta.bench;

import java.util.Locale;

/**
 * One measured scenario, printed as the line ARCHITECTURE.md fixes:
 * {@code scenario=<name> impl=<impl> store=<store> events=<n> seconds=<s> events_per_s=<x>}
 * plus {@code p50_ms=<..> p99_ms=<..>} for scenarios that time appends.
 */
public record BenchResult(Scenario scenario, Impl impl, StoreKind store, long events, double seconds,
                          Double p50Millis, Double p99Millis) {

    public double eventsPerSecond() {
        return seconds > 0 ? events / seconds : 0;
    }

    public String line() {
        StringBuilder sb = new StringBuilder()
                .append("scenario=").append(scenario.id())
                .append(" impl=").append(impl.id())
                .append(" store=").append(store.id())
                .append(" events=").append(events)
                .append(String.format(Locale.ROOT, " seconds=%.3f events_per_s=%.0f", seconds, eventsPerSecond()));
        if (p50Millis != null && p99Millis != null) {
            sb.append(String.format(Locale.ROOT, " p50_ms=%.3f p99_ms=%.3f", p50Millis, p99Millis));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return line();
    }
}
