package dev.facta.codegen;

import dev.facta.codegen.CodeModel.ClassType;
import dev.facta.codegen.CodeModel.Decl;
import dev.facta.codegen.CodeModel.EnumDecl;
import dev.facta.codegen.CodeModel.JavaType;
import dev.facta.codegen.CodeModel.ListType;
import dev.facta.codegen.CodeModel.MapType;
import dev.facta.codegen.CodeModel.Primitive;
import dev.facta.codegen.CodeModel.RecordDecl;
import dev.facta.codegen.CodeModel.Role;
import dev.facta.codegen.CodeModel.Unit;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Reads JSON Schema files (a draft 2020-12 subset) into the {@link CodeModel}: each file's root object
 * schema becomes a record named by its {@code title} (else the file name), unless the file only holds
 * {@code $defs}; each entry of {@code $defs} a record or enum of its own; {@code properties} become components, {@code required} ones may be
 * primitives, the others are nullable; inline objects and enums become nested types. Supported:
 * {@code type} object, string (formats date-time, date, duration, uuid, uri), integer (format int32),
 * number (formats float, decimal), boolean, array ({@code items}), {@code ["T", "null"]}, {@code enum} of
 * strings, {@code additionalProperties} (as a map), and {@code $ref} to {@code #/$defs/X}, to another file
 * ({@code money.schema.json}) or to a definition in another file ({@code common.json#/$defs/Money}).
 * {@code oneOf}, {@code anyOf}, {@code allOf} and {@code not} are refused as unsupported.
 */
public final class JsonSchemaReader {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final String pkg;
    /** Relative path of every file to its parsed root. */
    private final Map<String, JsonNode> files = new LinkedHashMap<>();
    /** "file#/$defs/X" or "file" to the Java type generated for it. */
    private final Map<String, ClassType> named = new LinkedHashMap<>();

    private JsonSchemaReader(String pkg) {
        this.pkg = Names.checkPackage(pkg, "package");
    }

    /**
     * Reads the given schema files and every {@code .json} file below the given folders.
     *
     * @param pkg the Java package of the generated types
     * @return one unit per generated top-level type, each with the source {@code json-schema:<path>}
     * @throws CodegenException a file does not parse, a {@code $ref} points nowhere, a construct is unsupported,
     *                          or two schemas make the same Java name
     */
    public static SchemaModel read(List<Path> inputs, String pkg) {
        return new JsonSchemaReader(pkg).load(inputs);
    }

    /** What a set of schema files generates. */
    public record SchemaModel(List<Unit> units, Set<String> sources) {
    }

    private SchemaModel load(List<Path> inputs) {
        Map<String, Path> paths = new LinkedHashMap<>();
        for (Path in : inputs) {
            Path abs = in.toAbsolutePath().normalize();
            if (Files.isDirectory(abs)) {
                try (Stream<Path> walk = Files.walk(abs)) {
                    walk.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).sorted()
                            .forEach(p -> paths.put(abs.relativize(p).toString().replace('\\', '/'), p));
                } catch (IOException e) {
                    throw new CodegenException(CodegenException.Kind.UNSUPPORTED, abs.toString(), "cannot list " + abs + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(abs)) {
                paths.put(abs.getFileName().toString(), abs);
            } else {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, abs.toString(), "no such file or folder: " + abs);
            }
        }
        if (paths.isEmpty()) return new SchemaModel(List.of(), Set.of()); // empty folders: nothing to generate, stale files to delete
        for (Map.Entry<String, Path> e : paths.entrySet()) files.put(e.getKey(), parse(e.getKey(), e.getValue()));
        // names first, so references in any order resolve
        Map<String, String> javaNames = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : files.entrySet()) {
            String file = e.getKey();
            JsonNode root = e.getValue();
            JsonNode defs = defs(root);
            if (definesRootType(root, defs)) {
                String rootName = root.hasNonNull("title") ? Names.upperCamel(root.get("title").asString())
                        : Names.upperCamel(Path.of(file).getFileName().toString().replaceFirst("(\\.schema)?\\.json$", ""));
                claim(javaNames, Names.checkType(rootName, file), file);
                named.put(file, new ClassType(pkg, List.of(rootName)));
            }
            if (defs != null) {
                for (String def : defs.propertyNames()) {
                    String name = Names.checkType(Names.upperCamel(def), file + "#/$defs/" + def);
                    claim(javaNames, name, file + "#/$defs/" + def);
                    named.put(file + "#/$defs/" + def, new ClassType(pkg, List.of(name)));
                }
            }
        }
        List<Unit> units = new ArrayList<>();
        Set<String> sources = new TreeSet<>();
        for (Map.Entry<String, JsonNode> e : files.entrySet()) {
            String file = e.getKey();
            String source = "json-schema:" + file;
            sources.add(source);
            JsonNode root = e.getValue();
            ClassType rootType = named.get(file);
            if (rootType != null) {
                units.add(new Unit(pkg, rootType.topLevel(), source, List.of(decl(rootType.topLevel(), root, file, file + "#")),
                        null, null, false));
            }
            JsonNode defs = defs(root);
            if (defs != null) {
                for (String def : defs.propertyNames()) {
                    String pointer = file + "#/$defs/" + def;
                    ClassType t = named.get(pointer);
                    units.add(new Unit(pkg, t.topLevel(), source, List.of(decl(t.topLevel(), defs.get(def), file, pointer)),
                            null, null, false));
                }
            }
        }
        return new SchemaModel(units, sources);
    }

    /** Whether a file's root is a type of its own, not only a holder of {@code $defs}. */
    private static boolean definesRootType(JsonNode root, JsonNode defs) {
        boolean typed = root.has("properties") || root.has("enum") || root.has("type") && !"object".equals(root.get("type").asString());
        return typed || defs == null || defs.isEmpty();
    }

    private static void claim(Map<String, String> javaNames, String name, String where) {
        String other = javaNames.put(name, where);
        if (other != null) {
            throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "both " + other + " and " + where
                    + " make the Java type " + name + "; give one a different title or $defs name");
        }
    }

    private static JsonNode defs(JsonNode schema) {
        JsonNode defs = schema.get("$defs");
        return defs != null ? defs : schema.get("definitions");
    }

    private static JsonNode parse(String file, Path path) {
        try {
            JsonNode node = MAPPER.readTree(Files.readString(path));
            if (node == null || !node.isObject()) {
                throw new CodegenException(CodegenException.Kind.SYNTAX, file, file + " is not a JSON Schema object");
            }
            return node;
        } catch (JacksonException e) {
            TokenStreamLocation l = e.getLocation();
            String where = l == null ? file : file + ":" + l.getLineNr() + ":" + l.getColumnNr();
            throw new CodegenException(CodegenException.Kind.SYNTAX, where, "syntax error in " + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CodegenException(CodegenException.Kind.SYNTAX, file, "cannot read " + path + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ declarations

    /** A named schema as a record (object) or an enum. */
    private Decl decl(String name, JsonNode schema, String file, String pointer) {
        unsupported(schema, pointer);
        if (schema.has("enum")) return enumeration(name, schema, pointer);
        String type = type(schema, pointer);
        if (!"object".equals(type) || !schema.has("properties")) {
            throw new CodegenException(CodegenException.Kind.UNSUPPORTED, pointer, pointer
                    + " must be an object schema with properties, or an enum, to become a Java type");
        }
        Set<String> required = new HashSet<>();
        JsonNode req = schema.get("required");
        if (req != null) req.forEach(r -> required.add(r.asString()));
        JsonNode props = schema.get("properties");
        for (String r : required) {
            if (!props.has(r)) {
                throw new CodegenException(CodegenException.Kind.UNKNOWN_TYPE, pointer + "/required",
                        "'" + r + "' is required but not among the properties of " + pointer);
            }
        }
        List<CodeModel.Field> fields = new ArrayList<>();
        List<Decl> nested = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<String> enclosing = List.of(name);
        for (String prop : props.propertyNames()) {
            String where = pointer + "/properties/" + prop;
            String field = Names.checkComponent(Names.lowerCamel(prop), where);
            if (!field.equals(prop)) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "property '" + prop
                        + "' is not a Java name; use lowerCamelCase property names (such as '" + field + "')");
            }
            if (!seen.add(field)) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "two properties become the component " + field);
            }
            JavaType t = fieldType(props.get(prop), file, where, Names.upperCamel(prop), enclosing, nested);
            boolean nullable = !required.contains(prop) || nullable(props.get(prop));
            fields.add(new CodeModel.Field(field, nullable ? t.boxed() : t, text(props.get(prop))));
        }
        Set<String> nestedNames = new HashSet<>();
        for (Decl d : nested) {
            if (!nestedNames.add(d.name()) || d.name().equals(name)) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, pointer, "two inline types of " + pointer
                        + " are both named " + d.name() + "; move one to $defs");
            }
        }
        return new RecordDecl(name, text(schema), Role.VALUE, fields, List.of(), List.of(), nested);
    }

    private JavaType fieldType(JsonNode schema, String file, String where, String inlineName, List<String> enclosing,
                               List<Decl> nested) {
        unsupported(schema, where);
        if (schema.has("$ref")) return ref(schema.get("$ref").asString(), file, where);
        if (schema.has("enum")) {
            nested.add(enumeration(inlineName, schema, where));
            return nestedType(enclosing, inlineName);
        }
        String type = type(schema, where);
        String format = schema.hasNonNull("format") ? schema.get("format").asString() : "";
        return switch (type) {
            case "string" -> switch (format) {
                case "date-time" -> ClassType.of("java.time.Instant");
                case "date" -> ClassType.of("java.time.LocalDate");
                case "duration" -> ClassType.of("java.time.Duration");
                case "uuid" -> ClassType.of("java.util.UUID");
                case "uri" -> ClassType.of("java.net.URI");
                default -> ClassType.of("java.lang.String");
            };
            case "integer" -> format.equals("int32") ? Primitive.INT : Primitive.LONG;
            case "number" -> switch (format) {
                case "float" -> Primitive.FLOAT;
                case "decimal" -> ClassType.of("java.math.BigDecimal");
                default -> Primitive.DOUBLE;
            };
            case "boolean" -> Primitive.BOOLEAN;
            case "array" -> {
                JsonNode items = schema.get("items");
                if (items == null || !items.isObject()) {
                    throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, where + " is an array without an items schema");
                }
                yield new ListType(fieldType(items, file, where + "/items", inlineName + "Item", enclosing, nested));
            }
            case "object" -> {
                if (schema.has("properties")) {
                    List<String> inner = new ArrayList<>(enclosing);
                    Decl d = decl(inlineName, schema, file, where);
                    nested.add(d);
                    yield nestedType(inner, inlineName);
                }
                JsonNode additional = schema.get("additionalProperties");
                JavaType value = additional != null && additional.isObject()
                        ? fieldType(additional, file, where + "/additionalProperties", inlineName + "Value", enclosing, nested)
                        : ClassType.of("java.lang.Object");
                yield new MapType(ClassType.of("java.lang.String"), value);
            }
            default -> throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "type '" + type + "' at " + where
                    + " is not supported (object, string, integer, number, boolean, array)");
        };
    }

    private ClassType nestedType(List<String> enclosing, String name) {
        List<String> names = new ArrayList<>(enclosing);
        names.add(Names.checkType(name, String.join(".", names)));
        return new ClassType(pkg, names);
    }

    private ClassType ref(String ref, String file, String where) {
        String target;
        if (ref.startsWith("#")) {
            target = file + ref.replace("#/definitions/", "#/$defs/");
        } else {
            int hash = ref.indexOf('#');
            String refFile = hash < 0 ? ref : ref.substring(0, hash);
            Path base = Path.of(file).getParent();
            String resolved = (base == null ? Path.of(refFile) : base.resolve(refFile)).normalize().toString().replace('\\', '/');
            target = hash < 0 ? resolved : resolved + ref.substring(hash).replace("#/definitions/", "#/$defs/");
        }
        if (target.endsWith("#")) target = target.substring(0, target.length() - 1);
        ClassType t = named.get(target);
        if (t == null) {
            throw new CodegenException(CodegenException.Kind.UNKNOWN_TYPE, where, "$ref '" + ref + "' at " + where
                    + " points to nothing among the schemas read (it must name a file or a $defs entry)");
        }
        return t;
    }

    private EnumDecl enumeration(String name, JsonNode schema, String where) {
        List<CodeModel.Constant> constants = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode v : schema.get("enum")) {
            if (!v.isString()) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "enum at " + where + " has a value that is not a string: " + v);
            }
            String constant = Names.constant(v.asString());
            if (constant.isEmpty() || !seen.add(constant)) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "enum value '" + v.asString() + "' at " + where
                        + " makes no Java constant or the same one as another value");
            }
            // a value that is not its own constant name is mapped with @JsonProperty, so JSON keeps the schema's spelling
            constants.add(new CodeModel.Constant(constant, "", constant.equals(v.asString()) ? null : v.asString()));
        }
        if (constants.isEmpty()) throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "enum at " + where + " is empty");
        return new EnumDecl(Names.checkType(name, where), text(schema), constants);
    }

    private static String type(JsonNode schema, String where) {
        JsonNode type = schema.get("type");
        if (type == null) {
            if (schema.has("properties") || schema.has("additionalProperties")) return "object";
            throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, where + " has no type");
        }
        if (type.isString()) return type.asString();
        if (type.isArray()) {
            List<String> types = new ArrayList<>();
            type.forEach(t -> {
                if (!"null".equals(t.asString())) types.add(t.asString());
            });
            if (types.size() == 1) return types.getFirst();
        }
        throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "type " + type + " at " + where
                + " is not supported: one type, optionally with \"null\"");
    }

    private static boolean nullable(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type == null || !type.isArray()) return false;
        for (JsonNode t : type) if ("null".equals(t.asString())) return true;
        return false;
    }

    private static void unsupported(JsonNode schema, String where) {
        for (String k : List.of("oneOf", "anyOf", "allOf", "not", "if")) {
            if (schema.has(k)) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "'" + k + "' at " + where
                        + " is not supported by the generator; use $defs and $ref, or a plain object");
            }
        }
    }

    private static String text(JsonNode schema) {
        String title = schema.hasNonNull("description") ? schema.get("description").asString() : "";
        return JavaEmitter.escapeDoc(title.strip());
    }
}
