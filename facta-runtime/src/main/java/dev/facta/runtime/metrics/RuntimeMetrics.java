package dev.facta.runtime.metrics;

import dev.facta.runtime.PluginInfo;
import dev.facta.runtime.PluginRuntime;
import dev.facta.runtime.PluginState;
import dev.facta.runtime.PluginStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the runtime's statistics as Micrometer meters (micrometer-core is an optional
 * dependency of facta-runtime): per plugin, tagged {@code plugin=<id>},
 * {@code facta.runtime.plugin.events.published}, {@code .events.received}, {@code .calls.served},
 * {@code .calls.made}, {@code .errors}, {@code .restarts} (counters) and {@code facta.runtime.plugin.up}
 * (1 while running); and {@code facta.runtime.plugins} and {@code facta.runtime.up} (1 when the runtime
 * is healthy). Meters of a plugin appear when it is loaded and are removed when it is unloaded.
 */
public final class RuntimeMetrics implements PluginRuntime.Listener {
    private final PluginRuntime runtime;
    private final MeterRegistry registry;
    private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

    private RuntimeMetrics(PluginRuntime runtime, MeterRegistry registry) {
        this.runtime = runtime;
        this.registry = registry;
    }

    /** Registers the meters of the runtime and of its plugins, now and as they come and go. */
    public static RuntimeMetrics bind(PluginRuntime runtime, MeterRegistry registry) {
        RuntimeMetrics m = new RuntimeMetrics(runtime, registry);
        Gauge.builder("facta.runtime.plugins", runtime, r -> r.plugins().size()).description("plugins loaded").register(registry);
        Gauge.builder("facta.runtime.up", runtime, r -> r.health().up() ? 1 : 0).description("1 when every enabled plugin runs").register(registry);
        runtime.addListener(m);
        for (PluginInfo p : runtime.plugins()) m.loaded(p.id());
        return m;
    }

    @Override
    public void loaded(String id) {
        List<Meter> list = new ArrayList<>();
        list.add(counter("facta.runtime.plugin.events.published", id, PluginStats::eventsPublished));
        list.add(counter("facta.runtime.plugin.events.received", id, PluginStats::eventsReceived));
        list.add(counter("facta.runtime.plugin.calls.served", id, PluginStats::callsServed));
        list.add(counter("facta.runtime.plugin.calls.made", id, PluginStats::callsMade));
        list.add(counter("facta.runtime.plugin.errors", id, PluginStats::errors));
        list.add(counter("facta.runtime.plugin.restarts", id, PluginStats::restarts));
        list.add(Gauge.builder("facta.runtime.plugin.up", this, m -> m.state(id) == PluginState.RUNNING ? 1 : 0)
                .tag("plugin", id).register(registry));
        meters.put(id, list);
    }

    @Override
    public void unloaded(String id) {
        List<Meter> list = meters.remove(id);
        if (list != null) list.forEach(registry::remove);
    }

    private Meter counter(String name, String id, ToDoubleFunction<PluginStats> stat) {
        return FunctionCounter.builder(name, this, m -> m.stats(id, stat)).tag("plugin", id).register(registry);
    }

    private double stats(String id, ToDoubleFunction<PluginStats> stat) {
        try {
            return stat.applyAsDouble(runtime.plugin(id).stats());
        } catch (RuntimeException gone) {
            return 0;
        }
    }

    private PluginState state(String id) {
        try {
            return runtime.plugin(id).state();
        } catch (RuntimeException gone) {
            return PluginState.STOPPED;
        }
    }
}
