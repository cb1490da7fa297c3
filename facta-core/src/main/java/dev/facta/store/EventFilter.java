package dev.facta.store;

import java.util.Set;

/**
 * Which events of the global log to return: those of any of the given categories and any of
 * the given event types. An empty set means no restriction.
 */
public record EventFilter(Set<String> categories, Set<String> eventTypes) {
    private static final EventFilter ALL = new EventFilter(Set.of(), Set.of());

    public EventFilter {
        categories = categories == null ? Set.of() : Set.copyOf(categories);
        eventTypes = eventTypes == null ? Set.of() : Set.copyOf(eventTypes);
    }

    public static EventFilter all() {
        return ALL;
    }

    public static EventFilter categories(String... categories) {
        return new EventFilter(Set.of(categories), Set.of());
    }

    public static EventFilter eventTypes(String... types) {
        return new EventFilter(Set.of(), Set.of(types));
    }

    public EventFilter andEventTypes(String... types) {
        return new EventFilter(categories, Set.of(types));
    }

    public boolean isAll() {
        return categories.isEmpty() && eventTypes.isEmpty();
    }

    public boolean test(RecordedEvent e) {
        return (categories.isEmpty() || categories.contains(e.stream().category()))
                && (eventTypes.isEmpty() || eventTypes.contains(e.type()));
    }
}
