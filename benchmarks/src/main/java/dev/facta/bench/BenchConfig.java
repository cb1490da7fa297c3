package dev.facta.bench;

import dev.facta.InvalidInputException;

import java.util.List;

/**
 * What to run: every scenario on every store with every implementation (where it applies).
 *
 * @param scale    1 is the standard size; 0.1 a tenth of it, for quick runs
 * @param pageSize events per readAll page, and the JDBC fetch size of the plain read
 * @param warmUp   run a small load of the same kind before each measured run
 */
public record BenchConfig(List<StoreTarget> stores, List<Scenario> scenarios, List<Impl> impls,
                          double scale, int pageSize, boolean warmUp) {

    public static final int DEFAULT_PAGE_SIZE = 1000;
    /** Events of append-batched at scale 1; --events N sets the scale to N / this. */
    public static final long STANDARD_EVENTS = 200_000;

    public BenchConfig {
        stores = List.copyOf(stores);
        scenarios = List.copyOf(scenarios);
        impls = List.copyOf(impls);
        if (stores.isEmpty() || scenarios.isEmpty() || impls.isEmpty()) {
            throw new InvalidInputException("bench", "a benchmark needs at least one store, scenario and implementation");
        }
        if (!(scale > 0) || scale > 100) {
            throw new InvalidInputException("scale", "--scale must be above 0 and at most 100, got " + scale);
        }
        if (pageSize < 1 || pageSize > dev.facta.store.EventStore.MAX_READ) {
            throw new InvalidInputException("pageSize", "--page-size must be 1.." + dev.facta.store.EventStore.MAX_READ + ", got " + pageSize);
        }
    }

    public static double scaleForEvents(long events) {
        if (events < 1) throw new InvalidInputException("events", "--events must be at least 1, got " + events);
        return (double) events / STANDARD_EVENTS;
    }
}
