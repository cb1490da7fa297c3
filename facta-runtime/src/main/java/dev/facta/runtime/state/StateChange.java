package dev.facta.runtime.state;

/** One change of an entity: its state before (null when new) and after (null when removed). */
public record StateChange(String entityId, EntityState before, EntityState after) {
}
