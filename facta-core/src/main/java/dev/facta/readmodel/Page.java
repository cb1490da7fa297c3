package dev.facta.readmodel;

import java.util.List;
import java.util.Optional;

/**
 * One page of a query's results, and the query for the next page when there may be more.
 */
public record Page<T>(List<T> items, Optional<Query> next) {
    public Page {
        items = List.copyOf(items);
        next = next == null ? Optional.empty() : next;
    }

    public boolean hasMore() {
        return next.isPresent();
    }
}
