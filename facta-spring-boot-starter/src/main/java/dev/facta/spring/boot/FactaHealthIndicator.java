package dev.facta.spring.boot;

import dev.facta.observability.StoreHealth;
import dev.facta.store.EventStore;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** The event store's health for Actuator: up when a read of the store answers within the timeout. */
public class FactaHealthIndicator implements HealthIndicator {
    private final StoreHealth health;
    private final EventStore store;

    public FactaHealthIndicator(StoreHealth health, EventStore store) {
        this.health = health;
        this.store = store;
    }

    @Override
    public Health health() {
        StoreHealth.Health h = health.check();
        Health.Builder b = h.status() == StoreHealth.Status.UP ? Health.up() : Health.down();
        return b.withDetail("store", store.describe()).withDetails(h.details()).build();
    }
}
