package dev.facta.runtime;

import dev.facta.InvalidInputException;

import java.util.regex.Pattern;

/**
 * The name and Java type of a service. The type must be visible to provider and callers alike: an
 * interface in a jar on the runtime's class path (or {@link JsonService}, which every plugin and
 * remote plugin can use).
 */
public record ServiceKey<T>(String name, Class<T> type) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,127}");

    public ServiceKey {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("service", "service name must be 1-128 of [a-z0-9_.-], starting with a letter or digit: " + name);
        }
        if (type == null) throw new InvalidInputException("service", "service type must not be null");
    }

    public static <T> ServiceKey<T> of(String name, Class<T> type) {
        return new ServiceKey<>(name, type);
    }

    /** A service called with a method name and JSON, the form remote plugins offer. */
    public static ServiceKey<JsonService> json(String name) {
        return new ServiceKey<>(name, JsonService.class);
    }
}
