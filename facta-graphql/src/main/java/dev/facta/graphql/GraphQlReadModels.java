package dev.facta.graphql;

import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.ReadModelStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Which read-model collections the GraphQL endpoint exposes, and the Java record their documents
 * are written from. Each collection becomes a list query ({@code orders(filter:, orderBy:, first:,
 * after:)}), a lookup by document id ({@code order(id:)}) and two subscriptions
 * ({@code orderChanged(id:)}, {@code ordersChanged(filter:, orderBy:, first:)}).
 *
 * <pre>{@code
 * GraphQlReadModels models = GraphQlReadModels.builder()
 *         .collection("orders", OrderSummary.class, c -> c.projection("order-summary"))
 *         .collection("audit_log")              // schema-less: documents as JSON
 *         .build();
 * }</pre>
 */
public final class GraphQlReadModels {
    private static final Pattern NAME = Pattern.compile("[_A-Za-z][_0-9A-Za-z]*");

    private final List<Exposed> collections;

    private GraphQlReadModels(List<Exposed> collections) {
        this.collections = List.copyOf(collections);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The exposed collections, in declaration order. */
    public List<Exposed> collections() {
        return collections;
    }

    /**
     * One exposed collection.
     *
     * @param field      the list query's name, and the stem of the subscriptions' names
     * @param single     the lookup-by-id query's name
     * @param type       the record its documents are written from; null: schema-less (JSON documents)
     * @param projection the projection whose active version owns the collection; null: {@code collection}
     *                   is the stored name
     * @param collection the collection's name (as the projection declares it when {@code projection} is set)
     */
    public record Exposed(String field, String single, Class<?> type, String projection, String collection) {
        public Exposed {
            checkGraphQlName(field, "field");
            checkGraphQlName(single, "single");
            if (field.equals(single)) throw new IllegalArgumentException("the list and lookup queries of '" + field + "' share a name");
            if (type != null && !type.isRecord()) {
                throw new IllegalArgumentException(type.getName() + " is not a record: GraphQL types are built from record components");
            }
            if (projection != null) ProjectionKey.checkName(projection);
            ReadModelStore.checkName(collection);
        }

        /** The name of the subscription to one document ({@code orderChanged}). */
        public String singleChanged() {
            return single + "Changed";
        }

        /** The name of the subscription to a filtered list ({@code ordersChanged}). */
        public String listChanged() {
            return field + "Changed";
        }

        /**
         * The stored collection name for the store: the projection's active version's collection, or
         * the collection itself; empty when the projection has no active version there (yet), so there
         * is nothing to read.
         */
        java.util.Optional<String> storedName(ProjectionStore store) {
            if (projection == null) return java.util.Optional.of(collection);
            return store.active(projection).map(active -> active.key().collection(collection));
        }
    }

    /** Settings of one exposed collection. */
    public static final class CollectionOptions {
        private String single;
        private String projection;
        private String collection;

        private CollectionOptions() {
        }

        /** The lookup query's name; default: the field without its trailing 's', else the field + {@code ById}. */
        public CollectionOptions single(String name) {
            this.single = name;
            return this;
        }

        /**
         * Reads the collection of the named projection's active version (following blue-green
         * rebuilds), instead of a stored collection of the field's name.
         */
        public CollectionOptions projection(String projectionName) {
            this.projection = projectionName;
            return this;
        }

        /** The collection's name when it differs from the field's (with {@link #projection}: as the projection declares it). */
        public CollectionOptions collection(String name) {
            this.collection = name;
            return this;
        }
    }

    public static final class Builder {
        private final List<Exposed> collections = new ArrayList<>();

        private Builder() {
        }

        /** Exposes a collection whose documents are written from the record {@code type}. */
        public Builder collection(String field, Class<?> type) {
            return collection(field, type, c -> {
            });
        }

        /** Exposes a collection whose documents are written from the record {@code type}, with settings. */
        public Builder collection(String field, Class<?> type, Consumer<CollectionOptions> options) {
            Objects.requireNonNull(type, "type");
            return add(field, type, options);
        }

        /** Exposes a collection without a type: documents as {@code JSON} values, filters on any field path. */
        public Builder collection(String field) {
            return collection(field, c -> {
            });
        }

        /** Exposes a schema-less collection, with settings. */
        public Builder collection(String field, Consumer<CollectionOptions> options) {
            return add(field, null, options);
        }

        private Builder add(String field, Class<?> type, Consumer<CollectionOptions> options) {
            checkGraphQlName(field, "field");
            CollectionOptions o = new CollectionOptions();
            options.accept(o);
            String single = o.single != null ? o.single
                    : field.length() > 1 && field.endsWith("s") ? field.substring(0, field.length() - 1) : field + "ById";
            collections.add(new Exposed(field, single, type, o.projection, o.collection != null ? o.collection : field));
            return this;
        }

        /**
         * @throws IllegalArgumentException two collections would share a query or subscription name
         */
        public GraphQlReadModels build() {
            List<String> names = new ArrayList<>();
            for (Exposed e : collections) {
                for (String n : List.of(e.field(), e.single(), e.singleChanged(), e.listChanged())) {
                    if (names.contains(n)) throw new IllegalArgumentException("two exposed collections define the GraphQL field '" + n + "'");
                    names.add(n);
                }
            }
            return new GraphQlReadModels(collections);
        }
    }

    static String checkGraphQlName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches() || name.startsWith("__")) {
            throw new IllegalArgumentException(what + " is not a GraphQL name (letters, digits and '_', not starting with a digit"
                    + " or '__'): " + name);
        }
        return name;
    }
}
