package dev.facta.graphql;

import dev.facta.projection.ProjectionStore;

import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What one GraphQL execution reads from: the caller's tenant's projection store (with its read
 * models), and for an execution on a WebSocket the connection that keeps its live subscriptions.
 *
 * @param live null over HTTP
 */
record Reads(ProjectionStore projections, Live live) {

    /** Where live subscriptions of one connection come from. */
    interface Live {
        /**
         * A stream of the values {@code reader} reads, parsed: the current one first, then each
         * different one, until cancelled or the connection ends.
         *
         * @param reader reads the watched state as stored (equal values mean nothing changed)
         * @param parse  turns what the reader read into the value GraphQL resolves
         */
        Flow.Publisher<Object> watch(Supplier<?> reader, Function<Object, Object> parse);
    }
}
