package dev.facta.runtime.state;

import java.time.Instant;
import java.util.Map;

/** The attributes of one entity (JSON-like values), with a version counting its changes from 1. */
public record EntityState(String id, long version, Instant updatedAt, Map<String, Object> attributes) {
    public EntityState {
        attributes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(attributes));
    }

    public Object get(String attribute) {
        return attributes.get(attribute);
    }
}
