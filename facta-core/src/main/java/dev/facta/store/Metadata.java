package dev.facta.store;

import dev.facta.InvalidInputException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What every event carries besides its data: the correlation id (the conversation it belongs
 * to), the causation id (the message that caused it), the tenant, and free key/values.
 * Any of the three named fields may be null. As JSON it is one flat object whose keys
 * {@value #CORRELATION_ID}, {@value #CAUSATION_ID} and {@value #TENANT} are reserved.
 */
public record Metadata(String correlationId, String causationId, String tenant, Map<String, String> values) {
    public static final String CORRELATION_ID = "correlationId";
    public static final String CAUSATION_ID = "causationId";
    public static final String TENANT = "tenant";

    private static final Metadata EMPTY = new Metadata(null, null, null, Map.of());

    public Metadata {
        if (values == null || values.isEmpty()) {
            values = Map.of();
        } else {
            values = checkedCopy(values);
        }
    }

    private static Map<String, String> checkedCopy(Map<String, String> values) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (var e : values.entrySet()) {
            String key = Objects.requireNonNull(e.getKey(), "metadata key");
            if (isReserved(key)) {
                throw new InvalidInputException("metadata." + key,
                        "'" + key + "' is a reserved metadata key; use the record component instead");
            }
            if (e.getValue() == null) {
                throw new InvalidInputException("metadata." + key, "metadata value for '" + key + "' is null");
            }
            copy.put(key, e.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }

    public static boolean isReserved(String key) {
        return CORRELATION_ID.equals(key) || CAUSATION_ID.equals(key) || TENANT.equals(key);
    }

    public static Metadata empty() {
        return EMPTY;
    }

    public Metadata withCorrelationId(String id) {
        return new Metadata(id, causationId, tenant, values);
    }

    public Metadata withCausationId(String id) {
        return new Metadata(correlationId, id, tenant, values);
    }

    public Metadata withTenant(String t) {
        return new Metadata(correlationId, causationId, t, values);
    }

    public Metadata with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new Metadata(correlationId, causationId, tenant, copy);
    }

    /** One value by key; the reserved keys answer the named fields. */
    public String get(String key) {
        return switch (key) {
            case CORRELATION_ID -> correlationId;
            case CAUSATION_ID -> causationId;
            case TENANT -> tenant;
            default -> values.get(key);
        };
    }

    /** All entries as one flat map, the named fields first (those that are set). */
    public Map<String, String> asMap() {
        Map<String, String> all = new LinkedHashMap<>();
        if (correlationId != null) all.put(CORRELATION_ID, correlationId);
        if (causationId != null) all.put(CAUSATION_ID, causationId);
        if (tenant != null) all.put(TENANT, tenant);
        all.putAll(values);
        return all;
    }

    /** Builds metadata from a flat map, picking the reserved keys out into their fields. */
    public static Metadata fromMap(Map<String, String> map) {
        if (map == null || map.isEmpty()) {
            return EMPTY;
        }
        Map<String, String> rest = new LinkedHashMap<>(map);
        String correlation = rest.remove(CORRELATION_ID);
        String causation = rest.remove(CAUSATION_ID);
        String tenant = rest.remove(TENANT);
        return new Metadata(correlation, causation, tenant, rest);
    }

    public boolean isEmpty() {
        return correlationId == null && causationId == null && tenant == null && values.isEmpty();
    }
}
