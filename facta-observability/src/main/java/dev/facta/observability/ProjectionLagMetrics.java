package dev.facta.observability;

import dev.facta.projection.ProjectionStatus;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauges of every projection version in a store, refreshed on a virtual thread every
 * {@code interval} (the status needs a few queries, so scrapes never wait on the database):
 *
 * <ul>
 *   <li>{@code facta.projection.lag.events}: events of the log the slowest segment has not passed;</li>
 *   <li>{@code facta.projection.lag.seconds}: age of the first event not yet handled (0 when caught up);</li>
 *   <li>{@code facta.projection.parked}: dead letters waiting;</li>
 *   <li>{@code facta.projection.stopped}: 1 while stopped by a failure or paused, else 0.</li>
 * </ul>
 *
 * Each is tagged {@code projection}, {@code version} and {@code state}. Versions that appear later
 * (a blue-green build) get gauges when first seen. A refresh that fails keeps the last values and
 * logs a warning. Close to stop refreshing.
 */
public final class ProjectionLagMetrics implements AutoCloseable {
    public static final String LAG_EVENTS = "facta.projection.lag.events";
    public static final String LAG_SECONDS = "facta.projection.lag.seconds";
    public static final String PARKED = "facta.projection.parked";
    public static final String STOPPED = "facta.projection.stopped";

    private static final System.Logger LOG = System.getLogger(ProjectionLagMetrics.class.getName());

    private final EventStore events;
    private final ProjectionStore store;
    private final MeterRegistry registry;
    private final Map<String, ProjectionStatus> latest = new ConcurrentHashMap<>();
    private final Set<String> registered = new HashSet<>();
    private final Thread thread;
    private volatile boolean closed;

    private ProjectionLagMetrics(EventStore events, ProjectionStore store, MeterRegistry registry, Duration interval) {
        this.events = Objects.requireNonNull(events, "events");
        this.store = Objects.requireNonNull(store, "store");
        this.registry = Objects.requireNonNull(registry, "registry");
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new dev.facta.InvalidInputException("interval", "the refresh interval must be positive: " + interval);
        }
        refresh();
        this.thread = Thread.ofVirtual().name("facta-projection-metrics").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
                refresh();
            }
        });
    }

    /** Starts refreshing the gauges of every projection in {@code store} (status taken at once, then every {@code interval}). */
    public static ProjectionLagMetrics bind(MeterRegistry registry, EventStore events, ProjectionStore store, Duration interval) {
        return new ProjectionLagMetrics(events, store, registry, interval);
    }

    /** Takes the status of every projection now and updates the gauges. */
    public void refresh() {
        List<ProjectionStatus> statuses;
        try {
            statuses = ProjectionStatus.list(events, store);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "projection status for metrics failed; keeping the last values", e);
            return;
        }
        for (ProjectionStatus s : statuses) {
            String id = s.key().name() + "@" + s.key().version();
            latest.put(id, s);
            register(id, s);
        }
    }

    private synchronized void register(String id, ProjectionStatus s) {
        if (!registered.add(id + "/" + s.state())) return;
        Tags tags = Tags.of("projection", s.key().name(), "version", Integer.toString(s.key().version()),
                "state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        // each gauge reads the newest status of its version, and NaN once the version changed state
        String state = s.state().name();
        Gauge.builder(LAG_EVENTS, latest, m -> value(m, id, state, x -> x.lagEvents())).tags(tags).register(registry);
        Gauge.builder(LAG_SECONDS, latest, m -> value(m, id, state, ProjectionStatus::lagSeconds)).tags(tags).register(registry);
        Gauge.builder(PARKED, latest, m -> value(m, id, state, x -> x.parked())).tags(tags).register(registry);
        Gauge.builder(STOPPED, latest, m -> value(m, id, state, x -> x.stopped() || x.paused() ? 1 : 0)).tags(tags).register(registry);
    }

    private static double value(Map<String, ProjectionStatus> latest, String id, String state,
                                java.util.function.ToDoubleFunction<ProjectionStatus> f) {
        ProjectionStatus s = latest.get(id);
        return s == null || !s.state().name().equals(state) ? Double.NaN : f.applyAsDouble(s);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
