package dev.facta.schema;

import dev.facta.schema.CompatibilityReport.Change;
import dev.facta.schema.CompatibilityReport.Coverage;
import dev.facta.schema.CompatibilityReport.Step;
import dev.facta.upcasting.Upcaster;
import tools.jackson.databind.JsonNode;

import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compatibility of consecutive schema versions: can events written with the older schema be
 * read as the newer one?
 *
 * <p>Breaking (data valid under the old version can fail the new one, or readers lose a field
 * they relied on): a required field removed; a field added as required without a
 * {@code "default"}; an optional field made required; a type narrowed or changed (integer to
 * number is a widening and fine, number to integer is not); {@code null} no longer accepted; an
 * enum value removed; a {@code format}, {@code pattern} or {@code const} added or changed;
 * bounds tightened ({@code minimum}, {@code maximum}, {@code minLength}, {@code maxLength},
 * {@code minItems}, {@code maxItems}); an object closed with {@code additionalProperties: false};
 * any other change inside {@code anyOf}, {@code oneOf}, {@code allOf} or {@code not}, which the
 * checker does not try to prove safe. A renamed field is a removal plus an addition.
 *
 * <p>Not breaking: an optional field added or removed, a required field added with a default, a
 * field made optional, a type widened or made nullable, an enum value added, bounds loosened, an
 * object opened, annotations ({@code title}, {@code description}, {@code examples}) changed.
 *
 * <p>Fields are named as JSON pointers into the event data; {@code *} stands for every element
 * of an array or every value of a map ({@code /items/* /sku}).
 */
public final class Compatibility {

    private Compatibility() {
    }

    /** Every step of {@code eventType}'s versions; declared upcaster classes are not loaded. */
    public static CompatibilityReport check(SchemaRegistry registry, String eventType) {
        return check(registry, eventType, null);
    }

    /**
     * Every step of {@code eventType}'s versions. With a {@code classLoader}, an upcaster class
     * declared in a schema ({@value EventSchema#UPCASTER_KEY}) is loaded from it and checked to
     * implement {@link Upcaster} (and, when it has a public no-argument constructor, to read this
     * event type at the right revision); without one it is reported as declared but unverified.
     */
    public static CompatibilityReport check(SchemaRegistry registry, String eventType, ClassLoader classLoader) {
        Objects.requireNonNull(registry, "registry");
        List<Integer> versions = registry.versions(eventType);
        List<Step> steps = new ArrayList<>();
        for (int i = 1; i < versions.size(); i++) {
            int from = versions.get(i - 1);
            int to = versions.get(i);
            EventSchema older = registry.schema(eventType, from).orElseThrow();
            EventSchema newer = registry.schema(eventType, to).orElseThrow();
            List<Change> changes = compare(older.schemaNode(), newer.schemaNode());
            steps.add(coverage(registry, eventType, from, to, newer, changes, classLoader));
        }
        return new CompatibilityReport(eventType, steps);
    }

    private static Step coverage(SchemaRegistry registry, String type, int from, int to, EventSchema newer,
                                 List<Change> changes, ClassLoader loader) {
        Optional<Upcaster> registered = registry.upcaster(type, from);
        if (registered.isPresent()) {
            return new Step(from, to, changes, Coverage.REGISTERED, registered.get().getClass().getName(), "");
        }
        if (newer.upcaster().isEmpty()) {
            return new Step(from, to, changes, Coverage.NONE, null, "");
        }
        String name = newer.upcaster().get();
        if (loader == null) {
            return new Step(from, to, changes, Coverage.DECLARED_UNVERIFIED, name,
                    "declared, not verified (no class path given)");
        }
        Class<?> cls;
        try {
            cls = Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return new Step(from, to, changes, Coverage.INVALID, name, "class " + name + " is not on the class path");
        }
        if (!Upcaster.class.isAssignableFrom(cls)) {
            return new Step(from, to, changes, Coverage.INVALID, name, name + " does not implement "
                    + Upcaster.class.getName());
        }
        if (cls.isInterface() || Modifier.isAbstract(cls.getModifiers())) {
            return new Step(from, to, changes, Coverage.INVALID, name, name + " is abstract");
        }
        Constructor<?> ctor;
        try {
            ctor = cls.getConstructor();
        } catch (NoSuchMethodException e) {
            return new Step(from, to, changes, Coverage.VERIFIED, name,
                    "implements Upcaster; not instantiated (no public no-argument constructor)");
        }
        Upcaster u;
        try {
            u = (Upcaster) ctor.newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new Step(from, to, changes, Coverage.INVALID, name, "cannot create " + name + ": " + cause);
        }
        if (!type.equals(u.eventType()) || u.fromRevision() != from) {
            return new Step(from, to, changes, Coverage.INVALID, name, name + " reads '" + u.eventType()
                    + "' revision " + u.fromRevision() + ", not '" + type + "' revision " + from);
        }
        return new Step(from, to, changes, Coverage.VERIFIED, name, "");
    }

    /** The changes from {@code older} to {@code newer}, two JSON Schemas, in document order. */
    public static List<Change> compare(JsonNode older, JsonNode newer) {
        Comparison c = new Comparison(older, newer);
        c.node(older, newer, "");
        return c.changes;
    }

    private static final class Comparison {
        private final JsonNode oldRoot;
        private final JsonNode newRoot;
        private final List<Change> changes = new ArrayList<>();
        private final Set<String> visited = new HashSet<>();

        Comparison(JsonNode oldRoot, JsonNode newRoot) {
            this.oldRoot = oldRoot;
            this.newRoot = newRoot;
        }

        void node(JsonNode older, JsonNode newer, String path) {
            String oldRef = refKey(older);
            String newRef = refKey(newer);
            // a recursive type meets itself again: its comparison is already under way (an inline
            // schema is a finite tree, so only a pair of references can lead round in a circle)
            if (oldRef != null && newRef != null && !visited.add(oldRef + " -> " + newRef)) {
                return;
            }
            JsonNode o = resolve(oldRoot, older, path, "old");
            JsonNode n = resolve(newRoot, newer, path, "new");
            if (o == null || n == null) {
                return;
            }
            Shape os = Shape.of(o);
            Shape ns = Shape.of(n);
            os = os.resolveInner(this, oldRoot, path, "old");
            ns = ns.resolveInner(this, newRoot, path, "new");
            if (os.any() && ns.any()) {
                return;
            }
            types(os, ns, path);
            if (os.body.has("enum") || ns.body.has("enum")) {
                enums(os, ns, path);
            }
            same(os, ns, "const", path);
            same(os, ns, "format", path);
            same(os, ns, "pattern", path);
            bound(os, ns, "minimum", true, path);
            bound(os, ns, "exclusiveMinimum", true, path);
            bound(os, ns, "minLength", true, path);
            bound(os, ns, "minItems", true, path);
            bound(os, ns, "maximum", false, path);
            bound(os, ns, "exclusiveMaximum", false, path);
            bound(os, ns, "maxLength", false, path);
            bound(os, ns, "maxItems", false, path);
            for (String k : List.of("anyOf", "oneOf", "allOf", "not")) {
                if (!Objects.equals(os.body.get(k), ns.body.get(k))) {
                    changes.add(new Change(path, true, "'" + k + "' changed; the checker cannot prove the new"
                            + " alternatives accept all old data"));
                }
            }
            properties(os, ns, path);
            if (os.body.has("items") && ns.body.has("items")) {
                node(os.body.get("items"), ns.body.get("items"), path + "/*");
            } else if (!os.body.has("items") && ns.body.has("items") && !ns.body.get("items").isEmpty()
                    && os.types.contains("array")) {
                changes.add(new Change(path + "/*", true, "array items are constrained now"));
            }
            additional(os, ns, path);
        }

        private void types(Shape os, Shape ns, String path) {
            if (ns.types.isEmpty()) {
                return; // any type is accepted now
            }
            if (os.types.isEmpty()) {
                changes.add(new Change(path, true, "type restricted to " + ns.typeText() + " (any value before)"));
                return;
            }
            Set<String> lost = new LinkedHashSet<>();
            for (String t : os.types) {
                if (!ns.accepts(t)) {
                    lost.add(t);
                }
            }
            if (lost.equals(Set.of("null"))) {
                changes.add(new Change(path, true, "no longer accepts null"));
            } else if (!lost.isEmpty()) {
                changes.add(new Change(path, true, "type changed from " + os.typeText() + " to " + ns.typeText()));
            } else if (!os.types.equals(ns.types)) {
                Set<String> gained = new LinkedHashSet<>(ns.types);
                gained.removeAll(os.types);
                changes.add(new Change(path, false, gained.equals(Set.of("null")) ? "now accepts null"
                        : "type widened from " + os.typeText() + " to " + ns.typeText()));
            }
        }

        private void enums(Shape os, Shape ns, String path) {
            JsonNode oe = os.body.get("enum");
            JsonNode ne = ns.body.get("enum");
            if (ne == null) {
                changes.add(new Change(path, false, "enum restriction lifted"));
                return;
            }
            if (oe == null) {
                changes.add(new Change(path, true, "values restricted to an enum " + ne));
                return;
            }
            Set<JsonNode> newValues = new HashSet<>();
            ne.forEach(newValues::add);
            Set<JsonNode> oldValues = new HashSet<>();
            oe.forEach(oldValues::add);
            for (JsonNode v : oe) {
                if (!newValues.contains(v)) {
                    changes.add(new Change(path, true, "enum value " + v + " removed"));
                }
            }
            for (JsonNode v : ne) {
                if (!oldValues.contains(v)) {
                    changes.add(new Change(path, false, "enum value " + v + " added"));
                }
            }
        }

        private void same(Shape os, Shape ns, String keyword, String path) {
            JsonNode o = os.body.get(keyword);
            JsonNode n = ns.body.get(keyword);
            if (Objects.equals(o, n)) {
                return;
            }
            if (n == null) {
                changes.add(new Change(path, false, "'" + keyword + "' " + o + " dropped"));
            } else if (o == null) {
                changes.add(new Change(path, true, "'" + keyword + "' " + n + " added"));
            } else {
                changes.add(new Change(path, true, "'" + keyword + "' changed from " + o + " to " + n));
            }
        }

        private void bound(Shape os, Shape ns, String keyword, boolean lower, String path) {
            JsonNode o = os.body.get(keyword);
            JsonNode n = ns.body.get(keyword);
            if (n == null || !n.isNumber()) {
                if (o != null && o.isNumber()) {
                    changes.add(new Change(path, false, "'" + keyword + "' " + o + " dropped"));
                }
                return;
            }
            if (o == null || !o.isNumber()) {
                changes.add(new Change(path, true, "'" + keyword + "' " + n + " added"));
                return;
            }
            int cmp = n.decimalValue().compareTo(o.decimalValue());
            if (cmp == 0) {
                return;
            }
            boolean tighter = lower ? cmp > 0 : cmp < 0;
            changes.add(new Change(path, tighter, "'" + keyword + "' " + (tighter ? "tightened" : "loosened")
                    + " from " + o + " to " + n));
        }

        private void properties(Shape os, Shape ns, String path) {
            JsonNode op = os.body.path("properties");
            JsonNode np = ns.body.path("properties");
            Set<String> oldRequired = names(os.body.get("required"));
            Set<String> newRequired = names(ns.body.get("required"));
            Set<String> oldNames = new LinkedHashSet<>(op.propertyNames());
            Set<String> newNames = new LinkedHashSet<>(np.propertyNames());
            oldNames.addAll(oldRequired);
            newNames.addAll(newRequired);
            for (String name : oldNames) {
                String field = path + "/" + SchemaValidator.escape(name);
                if (!newNames.contains(name)) {
                    boolean wasRequired = oldRequired.contains(name);
                    changes.add(new Change(field, wasRequired, (wasRequired ? "required" : "optional")
                            + " field removed"));
                    continue;
                }
                if (!oldRequired.contains(name) && newRequired.contains(name)) {
                    changes.add(new Change(field, true, "optional field became required"));
                } else if (oldRequired.contains(name) && !newRequired.contains(name)) {
                    changes.add(new Change(field, false, "required field became optional"));
                }
                if (op.has(name) && np.has(name)) {
                    node(op.get(name), np.get(name), field);
                }
            }
            for (String name : newNames) {
                if (oldNames.contains(name)) {
                    continue;
                }
                String field = path + "/" + SchemaValidator.escape(name);
                boolean required = newRequired.contains(name);
                boolean hasDefault = np.path(name).has("default");
                if (required && !hasDefault) {
                    changes.add(new Change(field, true, "required field added without a default"));
                } else {
                    changes.add(new Change(field, false, required ? "required field added with a default"
                            : "optional field added"));
                }
            }
        }

        private void additional(Shape os, Shape ns, String path) {
            JsonNode o = os.body.get("additionalProperties");
            JsonNode n = ns.body.get("additionalProperties");
            if (Objects.equals(o, n)) {
                return;
            }
            boolean oldOpen = accepts(o);
            boolean newOpen = accepts(n);
            if (o != null && o.isObject() && n != null && n.isObject()) {
                node(o, n, path + "/*");
            } else if (oldOpen && !newOpen) {
                if (n != null && n.isBoolean()) {
                    changes.add(new Change(path, true, "no longer accepts properties that are not listed"));
                } else if (n != null) {
                    node(o == null ? emptyObject() : o, n, path + "/*");
                }
            } else if (!oldOpen && newOpen) {
                changes.add(new Change(path, false, "accepts properties that are not listed now"));
            } else if (o != null && o.isObject() && n != null && n.isBoolean() && !n.asBoolean()) {
                changes.add(new Change(path, true, "no longer accepts properties that are not listed"));
            }
        }

        private static boolean accepts(JsonNode additional) {
            return additional == null || (additional.isBoolean() && additional.asBoolean())
                    || (additional.isObject() && additional.isEmpty());
        }

        private JsonNode resolve(JsonNode root, JsonNode node, String path, String side) {
            JsonNode current = node;
            for (int hops = 0; hops < 32; hops++) {
                String ref = refOf(current);
                if (ref == null) {
                    return current;
                }
                JsonNode target = pointer(root, ref);
                if (target == null) {
                    changes.add(new Change(path, true, "the " + side + " schema's $ref " + ref
                            + " cannot be resolved inside the document"));
                    return null;
                }
                if (current.size() > 1) {
                    // $ref next to other keywords (2020-12 allows it): compare the referenced schema
                    return target;
                }
                current = target;
            }
            changes.add(new Change(path, true, "the " + side + " schema's $ref chain does not end"));
            return null;
        }
    }

    /** The comparable part of one schema: its accepted types and its keywords, null-alternatives unwrapped. */
    private record Shape(Set<String> types, JsonNode body) {

        static Shape of(JsonNode schema) {
            JsonNode body = schema;
            boolean nullable = false;
            JsonNode anyOf = schema.get("anyOf");
            if (anyOf == null) {
                anyOf = schema.get("oneOf");
            }
            if (anyOf != null && anyOf.isArray() && anyOf.size() == 2 && schema.size() == 1) {
                JsonNode a = anyOf.get(0);
                JsonNode b = anyOf.get(1);
                if (isNull(b)) {
                    body = a;
                    nullable = true;
                } else if (isNull(a)) {
                    body = b;
                    nullable = true;
                }
            }
            Set<String> types = new LinkedHashSet<>();
            JsonNode t = body.get("type");
            if (t != null && t.isString()) {
                types.add(t.asString());
            } else if (t != null && t.isArray()) {
                t.forEach(x -> types.add(x.asString()));
            } else if (body.has("properties") || body.has("required")) {
                types.add("object");
            } else if (body.has("items")) {
                types.add("array");
            } else if (body.has("enum")) {
                for (JsonNode v : body.get("enum")) {
                    types.add(jsonType(v));
                }
            }
            if (nullable && !types.isEmpty()) {
                types.add("null");
            }
            return new Shape(types, body);
        }

        /** A body that is itself a {@code $ref} (the non-null side of a nullable reference) is resolved. */
        Shape resolveInner(Comparison c, JsonNode root, String path, String side) {
            if (refOf(body) == null) {
                return this;
            }
            JsonNode target = c.resolve(root, body, path, side);
            if (target == null) {
                return new Shape(Set.of(), emptyObject());
            }
            Shape inner = of(target);
            Set<String> t = new LinkedHashSet<>(inner.types);
            if (types.contains("null") && !t.isEmpty()) {
                t.add("null");
            }
            return new Shape(t, inner.body);
        }

        boolean any() {
            return types.isEmpty() && body.isEmpty();
        }

        boolean accepts(String type) {
            return types.contains(type) || ("integer".equals(type) && types.contains("number"));
        }

        String typeText() {
            return types.size() == 1 ? types.iterator().next() : types.toString();
        }

        private static boolean isNull(JsonNode s) {
            JsonNode t = s.get("type");
            return t != null && t.isString() && "null".equals(t.asString()) && s.size() == 1;
        }

        private static String jsonType(JsonNode v) {
            if (v.isNull()) return "null";
            if (v.isString()) return "string";
            if (v.isBoolean()) return "boolean";
            if (v.isIntegralNumber()) return "integer";
            if (v.isNumber()) return "number";
            if (v.isArray()) return "array";
            return "object";
        }
    }

    /** The reference a schema stands for: its own {@code $ref}, or that of the non-null side of a nullable wrapper. */
    private static String refKey(JsonNode node) {
        String ref = refOf(node);
        if (ref != null || node == null) {
            return ref;
        }
        Shape s = Shape.of(node);
        return s.body() == node ? null : refOf(s.body());
    }

    private static String refOf(JsonNode node) {
        JsonNode r = node == null ? null : node.get("$ref");
        return r != null && r.isString() ? r.asString() : null;
    }

    /** {@code #}, {@code #/$defs/X} or {@code #/definitions/X} inside {@code root}; null otherwise. */
    private static JsonNode pointer(JsonNode root, String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        String p = ref.substring(1);
        if (p.isEmpty()) {
            return root;
        }
        JsonNode target = root.at(p);
        return target.isMissingNode() ? null : target;
    }

    private static Set<String> names(JsonNode array) {
        Set<String> s = new LinkedHashSet<>();
        if (array != null && array.isArray()) {
            for (Iterator<JsonNode> it = array.iterator(); it.hasNext(); ) {
                s.add(it.next().asString());
            }
        }
        return s;
    }

    private static JsonNode emptyObject() {
        return tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
}
