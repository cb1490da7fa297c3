package dev.facta.graphql;

import dev.facta.InvalidInputException;
import dev.facta.graphql.GraphQlReadModels.Exposed;
import dev.facta.graphql.Shape.Kind;
import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Documents;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.FieldCoordinates;
import graphql.schema.GraphQLArgument;
import graphql.schema.GraphQLCodeRegistry;
import graphql.schema.GraphQLEnumType;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLInputObjectField;
import graphql.schema.GraphQLInputObjectType;
import graphql.schema.GraphQLInputType;
import graphql.schema.GraphQLList;
import graphql.schema.GraphQLNonNull;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLOutputType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLTypeReference;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Builds the GraphQL schema of the exposed read models: an object type per record (nested records and
 * enums included), a filter input per record, a sort-field enum, a connection type, and the query and
 * subscription fields with their data fetchers.
 */
final class SchemaFactory {
    /** Page size when a query gives no {@code first}. */
    static final int DEFAULT_FIRST = 20;
    private static final int MAX_SORT_KEYS = 8;
    private static final int MAX_PATH = 8;
    private static final String CURSOR_PREFIX = "offset:";
    /** Names the schema defines itself; a record or enum may not take them. */
    private static final Set<String> RESERVED = Set.of("Query", "Subscription", "PageInfo", "SortDirection", "Condition", "DocumentOrder",
            "JSONConnection", "JSONEdge", "String", "Int", "Float", "Boolean", "ID", "Long", "BigDecimal", "DateTime", "Date", "JSON");

    private static final JsonMapper DOCUMENTS = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private final GraphQlLimits limits;
    private final GraphQLCodeRegistry.Builder code = GraphQLCodeRegistry.newCodeRegistry();
    private final Map<String, Class<?>> typeNames = new HashMap<>();
    private final Set<String> built = new HashSet<>();
    private final List<graphql.schema.GraphQLNamedType> additional = new ArrayList<>();

    private SchemaFactory(GraphQlLimits limits) {
        this.limits = limits;
    }

    /**
     * @throws IllegalArgumentException a record cannot be exposed (a name GraphQL does not accept, two
     *                                  classes of the same simple name)
     */
    static GraphQLSchema build(GraphQlReadModels models, GraphQlLimits limits) {
        if (models.collections().isEmpty()) throw new IllegalArgumentException("expose at least one read-model collection");
        return new SchemaFactory(limits).schema(models);
    }

    private GraphQLSchema schema(GraphQlReadModels models) {
        GraphQLObjectType.Builder query = GraphQLObjectType.newObject().name("Query").description("Read models of this server.");
        GraphQLObjectType.Builder subscription = GraphQLObjectType.newObject().name("Subscription")
                .description("Live read models: the current state first, then every change.");
        for (Exposed e : models.collections()) {
            GraphQLOutputType node = e.type() == null ? Scalars.JSON : new GraphQLTypeReference(objectType(e.type()));
            String connection = connectionType(e.type() == null ? "JSON" : e.type().getSimpleName(), node);
            List<GraphQLArgument> listArgs = listArguments(e);
            query.field(GraphQLFieldDefinition.newFieldDefinition().name(e.field())
                    .description("Documents of the read model " + e.collection() + ", one page at a time.")
                    .arguments(listArgs)
                    .argument(GraphQLArgument.newArgument().name("after").type(graphql.Scalars.GraphQLString)
                            .description("The endCursor of the page before."))
                    .type(GraphQLNonNull.nonNull(new GraphQLTypeReference(connection))));
            code.dataFetcher(FieldCoordinates.coordinates("Query", e.field()), (DataFetcher<Object>) env -> page(e, env));
            query.field(GraphQLFieldDefinition.newFieldDefinition().name(e.single())
                    .description("One document of " + e.collection() + " by its id; null when there is none.")
                    .argument(GraphQLArgument.newArgument().name("id").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLID)))
                    .type(node));
            code.dataFetcher(FieldCoordinates.coordinates("Query", e.single()), (DataFetcher<Object>) env -> {
                String id = env.getArgument("id");
                return collection(e, env).get(id).map(SchemaFactory::parse).orElse(null);
            });
            subscription.field(GraphQLFieldDefinition.newFieldDefinition().name(e.singleChanged())
                    .description("The document with this id now (null when there is none), and again whenever it changes.")
                    .argument(GraphQLArgument.newArgument().name("id").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLID)))
                    .type(node));
            code.dataFetcher(FieldCoordinates.coordinates("Subscription", e.singleChanged()), (DataFetcher<Object>) env -> {
                String id = Documents.checkId(env.getArgument("id"));
                Reads reads = live(env);
                return reads.live().watch(() -> collection(e, reads).get(id),
                        v -> ((java.util.Optional<?>) v).map(d -> parse((String) d)).orElse(null));
            });
            subscription.field(GraphQLFieldDefinition.newFieldDefinition().name(e.listChanged())
                    .description("The first documents that match (in the given order) now, and again whenever that list changes.")
                    .arguments(listArgs)
                    .type(GraphQLNonNull.nonNull(GraphQLList.list(GraphQLNonNull.nonNull(node)))));
            code.dataFetcher(FieldCoordinates.coordinates("Subscription", e.listChanged()), (DataFetcher<Object>) env -> {
                int first = first(env);
                if (first < 1) throw new InvalidInputException("first", "a list subscription watches 1.." + limits.maxFirst() + " documents");
                Query q = query(e, env).limit(first);
                Reads reads = live(env);
                return reads.live().watch(() -> collection(e, reads).find(q).items(), v -> {
                    List<Object> nodes = new ArrayList<>();
                    for (Object d : (List<?>) v) nodes.add(parse((String) d));
                    return nodes;
                });
            });
        }
        additional.add(pageInfo());
        additional.add(GraphQLEnumType.newEnum().name("SortDirection").value("ASC").value("DESC").build());
        return GraphQLSchema.newSchema().query(query).subscription(subscription).codeRegistry(code.build())
                .additionalTypes(new HashSet<>(additional)).build();
    }

    // ------------------------------------------------------------------ types

    /** Defines the object type of a record (and of what it holds) once; returns its name. */
    private String objectType(Class<?> type) {
        String name = typeName(type);
        if (!built.add(name)) return name;
        GraphQLObjectType.Builder b = GraphQLObjectType.newObject().name(name).description("A " + type.getSimpleName() + " document.");
        for (var f : Shape.fields(type).entrySet()) {
            b.field(GraphQLFieldDefinition.newFieldDefinition().name(f.getKey()).type(outputType(f.getValue())));
        }
        additional.add(b.build());
        return name;
    }

    private GraphQLOutputType outputType(Shape shape) {
        return switch (shape) {
            case Shape.Leaf l when l.kind() == Kind.ENUM -> new GraphQLTypeReference(enumType(l.enumType()));
            case Shape.Leaf l -> scalar(l.kind());
            case Shape.ListOf list -> GraphQLList.list(outputType(list.element()));
            case Shape.Obj o -> new GraphQLTypeReference(objectType(o.type()));
        };
    }

    private static graphql.schema.GraphQLScalarType scalar(Kind kind) {
        return switch (kind) {
            case STRING -> graphql.Scalars.GraphQLString;
            case INT -> graphql.Scalars.GraphQLInt;
            case LONG -> Scalars.LONG;
            case FLOAT -> graphql.Scalars.GraphQLFloat;
            case DECIMAL -> Scalars.BIG_DECIMAL;
            case BOOLEAN -> graphql.Scalars.GraphQLBoolean;
            case DATETIME -> Scalars.DATE_TIME;
            case DATE -> Scalars.DATE;
            case JSON, ENUM -> Scalars.JSON;
        };
    }

    private String enumType(Class<?> type) {
        String name = typeName(type);
        if (!built.add(name)) return name;
        GraphQLEnumType.Builder b = GraphQLEnumType.newEnum().name(name);
        for (Object constant : type.getEnumConstants()) {
            String n = GraphQlReadModels.checkGraphQlName(((Enum<?>) constant).name(), type.getSimpleName() + " constant");
            b.value(n, n);
        }
        additional.add(b.build());
        return name;
    }

    private String typeName(Class<?> type) {
        String name = GraphQlReadModels.checkGraphQlName(type.getSimpleName(), "the simple name of " + type.getName());
        if (RESERVED.contains(name)) throw new IllegalArgumentException("the GraphQL schema defines '" + name + "' itself; rename " + type.getName());
        Class<?> other = typeNames.putIfAbsent(name, type);
        if (other != null && other != type) {
            throw new IllegalArgumentException(type.getName() + " and " + other.getName() + " would both be the GraphQL type " + name);
        }
        return name;
    }

    private String connectionType(String base, GraphQLOutputType node) {
        String name = base + "Connection";
        if (!built.add(name)) return name;
        String edge = base + "Edge";
        additional.add(GraphQLObjectType.newObject().name(edge)
                .field(f -> f.name("cursor").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLString)))
                .field(f -> f.name("node").type(GraphQLNonNull.nonNull(node))).build());
        additional.add(GraphQLObjectType.newObject().name(name).description("One page of documents.")
                .field(f -> f.name("nodes").type(GraphQLNonNull.nonNull(GraphQLList.list(GraphQLNonNull.nonNull(node)))))
                .field(f -> f.name("edges").type(GraphQLNonNull.nonNull(GraphQLList.list(GraphQLNonNull.nonNull(new GraphQLTypeReference(edge))))))
                .field(f -> f.name("pageInfo").type(GraphQLNonNull.nonNull(new GraphQLTypeReference("PageInfo"))))
                .field(f -> f.name("totalCount").description("How many documents match the filter (counted when asked for).")
                        .type(GraphQLNonNull.nonNull(Scalars.LONG)))
                .build());
        code.dataFetcher(FieldCoordinates.coordinates(name, "totalCount"), (DataFetcher<Object>) env -> {
            Map<String, Object> source = env.getSource();
            return ((Supplier<?>) source.get("totalCount")).get();
        });
        return name;
    }

    private static GraphQLObjectType pageInfo() {
        return GraphQLObjectType.newObject().name("PageInfo")
                .field(f -> f.name("hasNextPage").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLBoolean)))
                .field(f -> f.name("hasPreviousPage").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLBoolean)))
                .field(f -> f.name("startCursor").type(graphql.Scalars.GraphQLString))
                .field(f -> f.name("endCursor").type(graphql.Scalars.GraphQLString))
                .build();
    }

    // ------------------------------------------------------------------ arguments: filters and order

    private List<GraphQLArgument> listArguments(Exposed e) {
        List<GraphQLArgument> args = new ArrayList<>();
        if (e.type() == null) {
            args.add(GraphQLArgument.newArgument().name("where").type(GraphQLList.list(GraphQLNonNull.nonNull(conditionType())))
                    .description("Conditions on document fields (dotted paths), all of which must hold.").build());
            args.add(GraphQLArgument.newArgument().name("orderBy").type(GraphQLList.list(GraphQLNonNull.nonNull(documentOrderType())))
                    .build());
        } else {
            String filter = filterType(e.type());
            if (filter != null) {
                args.add(GraphQLArgument.newArgument().name("filter").type(new GraphQLTypeReference(filter))
                        .description("Conditions on the document's fields, all of which must hold.").build());
            }
            String order = orderType(e.type());
            if (order != null) {
                args.add(GraphQLArgument.newArgument().name("orderBy").type(GraphQLList.list(GraphQLNonNull.nonNull(new GraphQLTypeReference(order))))
                        .description("Sort keys; ties (and no keys) are ordered by document id.").build());
            }
        }
        int defaultFirst = Math.min(DEFAULT_FIRST, limits.maxFirst());
        args.add(GraphQLArgument.newArgument().name("first").type(graphql.Scalars.GraphQLInt).defaultValueProgrammatic(defaultFirst)
                .description("Page size, 0.." + limits.maxFirst() + ".").build());
        return args;
    }

    /** The filter input of a record, or null when none of its fields can be filtered on. */
    private String filterType(Class<?> type) {
        String name = typeName(type) + "Filter";
        if (built.contains(name)) return name;
        built.add(name);
        GraphQLInputObjectType.Builder b = GraphQLInputObjectType.newInputObject().name(name);
        int fields = 0;
        for (var f : Shape.fields(type).entrySet()) {
            GraphQLInputType t = switch (f.getValue()) {
                case Shape.Leaf l when l.kind() == Kind.JSON -> null;
                case Shape.Leaf l -> new GraphQLTypeReference(operatorType(l));
                case Shape.ListOf list -> null;
                case Shape.Obj o -> {
                    String nested = filterType(o.type());
                    yield nested == null ? null : new GraphQLTypeReference(nested);
                }
            };
            if (t == null) continue;
            b.field(GraphQLInputObjectField.newInputObjectField().name(f.getKey()).type(t));
            fields++;
        }
        if (fields == 0) {
            built.remove(name);
            return null;
        }
        additional.add(b.build());
        return name;
    }

    /** The operators input for one kind of field ({@code StringFilter}, {@code StatusFilter} ...). */
    private String operatorType(Shape.Leaf leaf) {
        GraphQLInputType value = leaf.kind() == Kind.ENUM ? new GraphQLTypeReference(enumType(leaf.enumType())) : scalar(leaf.kind());
        String name = (leaf.kind() == Kind.ENUM ? typeName(leaf.enumType()) : scalar(leaf.kind()).getName()) + "Filter";
        if (!built.add(name)) return name;
        GraphQLInputObjectType.Builder b = GraphQLInputObjectType.newInputObject().name(name);
        List<String> ops = switch (leaf.kind()) {
            case BOOLEAN -> List.of("eq", "ne");
            case ENUM -> List.of("eq", "ne", "in");
            case STRING -> List.of("eq", "ne", "gt", "gte", "lt", "lte", "in", "startsWith");
            default -> List.of("eq", "ne", "gt", "gte", "lt", "lte", "in");
        };
        for (String op : ops) {
            GraphQLInputType t = op.equals("in") ? GraphQLList.list(GraphQLNonNull.nonNull(value)) : value;
            b.field(GraphQLInputObjectField.newInputObjectField().name(op).type(t));
        }
        b.field(GraphQLInputObjectField.newInputObjectField().name("exists").type(graphql.Scalars.GraphQLBoolean)
                .description("true: the field is present; false: it is missing or null."));
        additional.add(b.build());
        return name;
    }

    private String orderType(Class<?> type) {
        String name = typeName(type) + "Order";
        if (built.contains(name)) return name;
        Map<String, String> paths = new LinkedHashMap<>();
        sortPaths(type, "", new HashSet<>(), paths);
        if (paths.isEmpty()) return null;
        built.add(name);
        GraphQLEnumType.Builder fields = GraphQLEnumType.newEnum().name(typeName(type) + "SortField");
        for (var p : paths.entrySet()) fields.value(p.getKey(), p.getValue());
        additional.add(fields.build());
        additional.add(GraphQLInputObjectType.newInputObject().name(name)
                .field(f -> f.name("field").type(GraphQLNonNull.nonNull(new GraphQLTypeReference(typeName(type) + "SortField"))))
                .field(f -> f.name("direction").type(new GraphQLTypeReference("SortDirection")).defaultValueProgrammatic("ASC"))
                .build());
        return name;
    }

    /** Every sortable leaf under a record: enum value name ({@code customer_id}) to dotted path ({@code customer.id}). */
    private static void sortPaths(Class<?> type, String prefix, Set<Class<?>> visiting, Map<String, String> out) {
        if (!visiting.add(type)) return;
        for (var f : Shape.fields(type).entrySet()) {
            String path = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            if (path.split("\\.").length > MAX_PATH) continue;
            switch (f.getValue()) {
                case Shape.Leaf l when l.kind() != Kind.JSON -> {
                    String value = path.replace('.', '_');
                    if (out.containsKey(value)) {
                        throw new IllegalArgumentException("sort fields " + out.get(value) + " and " + path + " of "
                                + type.getSimpleName() + " would share the name " + value);
                    }
                    out.put(value, path);
                }
                case Shape.Obj o -> sortPaths(o.type(), path, visiting, out);
                default -> {
                }
            }
        }
        visiting.remove(type);
    }

    private GraphQLInputObjectType conditionType() {
        String name = "Condition";
        GraphQLInputObjectType.Builder b = GraphQLInputObjectType.newInputObject().name(name)
                .description("A condition on one field of a schema-less document: strings, numbers and booleans compare.")
                .field(f -> f.name("field").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLString)));
        for (String op : List.of("eq", "ne", "gt", "gte", "lt", "lte")) b.field(f -> f.name(op).type(Scalars.JSON));
        b.field(f -> f.name("in").type(GraphQLList.list(GraphQLNonNull.nonNull(Scalars.JSON))));
        b.field(f -> f.name("startsWith").type(graphql.Scalars.GraphQLString));
        b.field(f -> f.name("exists").type(graphql.Scalars.GraphQLBoolean));
        return b.build();
    }

    private GraphQLInputObjectType documentOrderType() {
        return GraphQLInputObjectType.newInputObject().name("DocumentOrder")
                .field(f -> f.name("field").type(GraphQLNonNull.nonNull(graphql.Scalars.GraphQLString)))
                .field(f -> f.name("direction").type(new GraphQLTypeReference("SortDirection")).defaultValueProgrammatic("ASC"))
                .build();
    }

    // ------------------------------------------------------------------ data fetching

    private Object page(Exposed e, DataFetchingEnvironment env) {
        int first = first(env);
        long offset = offset(env.getArgument("after"));
        Query query = query(e, env);
        DocumentCollection<String> collection = collection(e, env);
        List<String> items = List.of();
        boolean more = false;
        if (first > 0) {
            Page<String> page = collection.find(query.limit(first).offset(offset));
            items = page.items();
            more = page.hasMore();
        } else {
            more = collection.count(query) > offset;
        }
        List<Object> nodes = new ArrayList<>(items.size());
        List<Object> edges = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            Object node = parse(items.get(i));
            nodes.add(node);
            edges.add(Map.of("cursor", cursor(offset + i + 1), "node", node));
        }
        Map<String, Object> pageInfo = new HashMap<>();
        pageInfo.put("hasNextPage", more);
        pageInfo.put("hasPreviousPage", offset > 0);
        pageInfo.put("startCursor", items.isEmpty() ? null : cursor(offset + 1));
        pageInfo.put("endCursor", items.isEmpty() ? null : cursor(offset + items.size()));
        Map<String, Object> out = new HashMap<>();
        out.put("nodes", nodes);
        out.put("edges", edges);
        out.put("pageInfo", pageInfo);
        out.put("totalCount", (Supplier<Long>) () -> collection.count(query));
        return out;
    }

    private int first(DataFetchingEnvironment env) {
        Integer first = env.getArgument("first");
        int n = first == null ? Math.min(DEFAULT_FIRST, limits.maxFirst()) : first;
        if (n < 0 || n > limits.maxFirst()) throw new InvalidInputException("first", "first must be 0.." + limits.maxFirst() + ", got " + n);
        return n;
    }

    /** A cursor names the position of a document in the query's order (1 for the first). */
    static String cursor(long position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((CURSOR_PREFIX + position).getBytes(StandardCharsets.UTF_8));
    }

    private long offset(String after) {
        if (after == null) return 0;
        long position;
        try {
            String text = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.UTF_8);
            if (!text.startsWith(CURSOR_PREFIX)) throw new IllegalArgumentException();
            position = Long.parseLong(text.substring(CURSOR_PREFIX.length()));
        } catch (IllegalArgumentException ex) {
            throw new InvalidInputException("after", "after is not a cursor this server gave out: " + GraphQlExtension.abbreviate(after, 40));
        }
        if (position < 0 || position > limits.maxOffset()) {
            throw new InvalidInputException("after", "after must name a position 0.." + limits.maxOffset() + ", got " + position);
        }
        return position;
    }

    /** The query of the list arguments (filter or where, orderBy), without its page. */
    private static Query query(Exposed e, DataFetchingEnvironment env) {
        Query q = Query.all();
        if (e.type() == null) {
            List<Map<String, Object>> where = env.getArgument("where");
            if (where != null) {
                for (Map<String, Object> c : where) {
                    String field = (String) c.get("field");
                    for (var op : c.entrySet()) {
                        if (op.getKey().equals("field") || op.getValue() == null) continue;
                        q = q.and(field, predicate(op.getKey(), op.getValue(), Kind.JSON));
                    }
                }
            }
        } else {
            Map<String, Object> filter = env.getArgument("filter");
            if (filter != null) q = filter(q, e.type(), "", filter);
        }
        List<Map<String, Object>> orderBy = env.getArgument("orderBy");
        if (orderBy != null) {
            if (orderBy.size() > MAX_SORT_KEYS) throw new InvalidInputException("orderBy", "at most " + MAX_SORT_KEYS + " sort keys");
            for (Map<String, Object> o : orderBy) {
                Object direction = o.get("direction");
                q = q.orderBy((String) o.get("field"), "DESC".equals(direction) ? Query.Direction.DESC : Query.Direction.ASC);
            }
        }
        return q;
    }

    private static Query filter(Query q, Class<?> type, String prefix, Map<String, Object> filter) {
        Map<String, Shape> fields = Shape.fields(type);
        for (var f : filter.entrySet()) {
            if (f.getValue() == null) continue;
            String path = prefix + f.getKey();
            @SuppressWarnings("unchecked")
            Map<String, Object> ops = (Map<String, Object>) f.getValue();
            switch (fields.get(f.getKey())) {
                case Shape.Obj o -> q = filter(q, o.type(), path + ".", ops);
                case Shape.Leaf l -> {
                    for (var op : ops.entrySet()) {
                        if (op.getValue() != null) q = q.and(path, predicate(op.getKey(), op.getValue(), l.kind()));
                    }
                }
                case null, default -> throw new InvalidInputException("filter", "cannot filter on " + path);
            }
        }
        return q;
    }

    private static Predicate predicate(String op, Object value, Kind kind) {
        if (op.equals("exists")) return Boolean.TRUE.equals(value) ? Predicate.exists() : Predicate.missing();
        if (op.equals("in")) {
            List<Object> values = new ArrayList<>();
            for (Object v : (List<?>) value) values.add(queryValue(v, kind));
            return Predicate.in(values);
        }
        Object v = queryValue(value, kind);
        return switch (op) {
            case "eq" -> Predicate.eq(v);
            case "ne" -> Predicate.ne(v);
            case "gt" -> Predicate.gt(v);
            case "gte" -> Predicate.gte(v);
            case "lt" -> Predicate.lt(v);
            case "lte" -> Predicate.lte(v);
            case "startsWith" -> Predicate.startsWith((String) v);
            default -> throw new InvalidInputException("filter", "unknown operator " + op);
        };
    }

    /** A filter value as the document holds it: instants as the document codec writes them, dates as ISO text. */
    private static Object queryValue(Object v, Kind kind) {
        return switch (v) {
            case Instant i -> JacksonDocumentCodec.instantText(i);
            case java.time.LocalDate d -> d.toString();
            case null -> throw new InvalidInputException("filter", "null is not a filter value; use exists: false");
            default -> {
                if (kind == Kind.JSON && !(v instanceof String || v instanceof Boolean || v instanceof Number)) {
                    throw new InvalidInputException("where", "conditions compare strings, numbers and booleans, not " + v);
                }
                yield v;
            }
        };
    }

    private static Reads reads(DataFetchingEnvironment env) {
        Reads reads = env.getGraphQlContext().get(Reads.class);
        if (reads == null) throw new IllegalStateException("no read-model scope in the GraphQL context");
        return reads;
    }

    private static Reads live(DataFetchingEnvironment env) {
        Reads reads = reads(env);
        if (reads.live() == null) {
            throw new InvalidInputException("subscription", "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql");
        }
        return reads;
    }

    private static DocumentCollection<String> collection(Exposed e, DataFetchingEnvironment env) {
        return collection(e, reads(env));
    }

    private static DocumentCollection<String> collection(Exposed e, Reads reads) {
        return e.storedName(reads.projections())
                .map(name -> reads.projections().readModels().collection(name, DocumentCodec.json()))
                .orElse(EMPTY);
    }

    /** What a projection without an active version holds: nothing. */
    private static final DocumentCollection<String> EMPTY = new DocumentCollection<>() {
        @Override
        public String name() {
            return "(none)";
        }

        @Override
        public java.util.Optional<String> get(String id) {
            Documents.checkId(id);
            return java.util.Optional.empty();
        }

        @Override
        public Map<String, String> getMany(java.util.Collection<String> ids) {
            return Map.of();
        }

        @Override
        public void put(String id, String document) {
            throw new UnsupportedOperationException("GraphQL reads read models");
        }

        @Override
        public void putMany(Map<String, String> documents) {
            throw new UnsupportedOperationException("GraphQL reads read models");
        }

        @Override
        public boolean delete(String id) {
            throw new UnsupportedOperationException("GraphQL reads read models");
        }

        @Override
        public Page<String> find(Query query) {
            return new Page<>(List.of(), java.util.Optional.empty());
        }

        @Override
        public long count(Query query) {
            return 0;
        }

        @Override
        public void clear() {
            throw new UnsupportedOperationException("GraphQL reads read models");
        }
    };

    /** A stored document as maps, lists and plain values (decimals exact). */
    static Object parse(String json) {
        try {
            return DOCUMENTS.readValue(json, Object.class);
        } catch (JacksonException ex) {
            throw new IllegalStateException("a stored document is not JSON: " + ex.getOriginalMessage());
        }
    }
}
