package dev.facta.schema;

import dev.facta.InvalidInputException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Event schemas as files: one folder per event type, one file per version.
 *
 * <pre>
 * schemas/
 *   OrderPlaced/
 *     v1.json
 *     v2.json      (may declare "x-facta-upcaster": "com.example.OrderPlacedV1ToV2")
 *   OrderShipped/
 *     v1.json
 * </pre>
 *
 * <p>The folder name is the stored event type name; {@code v<N>.json} is version N (1, 2, ...;
 * no leading zeros) and holds a JSON Schema (draft 2020-12 unless it says otherwise in
 * {@code $schema}). Version N may declare the upcaster from version N-1 with the string keyword
 * {@value EventSchema#UPCASTER_KEY}; the validator ignores that keyword. Other files in a type
 * folder that end in {@code .json} are refused (a misnamed version would otherwise be skipped
 * silently); files of other kinds, such as notes, are ignored, as are hidden folders.
 *
 * <p>Instead of a schema, {@code v<N>.json} may name a record class:
 * {@code {"x-facta-record": "com.example.OrderPlaced"}}. Its schema is then derived with
 * {@link JsonSchemas#of} from the class, loaded from the class loader given to
 * {@link #load(Path, SchemaRegistry, ClassLoader)}; without one such a file is refused.
 */
public final class SchemaDirectory {

    /** The keyword of a version file that names the record class to derive the schema from. */
    public static final String RECORD_KEY = "x-facta-record";

    private static final Pattern VERSION_FILE = Pattern.compile("v([1-9][0-9]{0,8})\\.json");
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private SchemaDirectory() {
    }

    /** A new registry (types without a schema pass validation) holding every schema under {@code dir}. */
    public static SchemaRegistry load(Path dir) {
        SchemaRegistry registry = SchemaRegistry.create();
        load(dir, registry, null);
        return registry;
    }

    /**
     * Registers every schema under {@code dir} in {@code registry}, type by type in name order,
     * versions ascending. Files that name a record class ({@value #RECORD_KEY}) need a
     * {@code classLoader}.
     *
     * @return the schemas registered
     * @throws InvalidInputException when the folder is missing, a file is not valid JSON or not a
     *                               valid schema, or a file name is not {@code v<N>.json}; its
     *                               field is the file's path. Schemas registered before the bad
     *                               file stay registered.
     */
    public static List<EventSchema> load(Path dir, SchemaRegistry registry, ClassLoader classLoader) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(registry, "registry");
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir.toString(), "schema folder " + dir + " does not exist"
                    + " (expected one folder per event type holding v1.json, v2.json, ...)");
        }
        Map<String, Map<Integer, Path>> found = scan(dir);
        List<EventSchema> loaded = new ArrayList<>();
        for (var type : found.entrySet()) {
            for (var version : type.getValue().entrySet()) {
                EventSchema schema = read(type.getKey(), version.getKey(), version.getValue(), classLoader);
                try {
                    registry.register(schema);
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(version.getValue().toString(), e.getMessage());
                }
                loaded.add(schema);
            }
        }
        return loaded;
    }

    /**
     * Writes {@code schema} to {@code dir/<type>/v<N>.json}, creating folders as needed, and
     * returns the file. An existing file is replaced.
     *
     * @throws IllegalArgumentException for a type name that cannot be a folder name
     */
    public static Path write(Path dir, EventSchema schema) {
        String type = schema.eventType();
        if (type.contains("/") || type.contains("\\") || type.equals(".") || type.equals("..") || type.startsWith(".")) {
            throw new IllegalArgumentException("event type '" + type + "' cannot be a folder name; register its"
                    + " schema in code instead");
        }
        Path file = dir.resolve(type).resolve("v" + schema.version() + ".json");
        try {
            Files.createDirectories(file.getParent());
            ObjectNode node = schema.schema();
            schema.upcaster().ifPresent(u -> node.put(EventSchema.UPCASTER_KEY, u));
            Files.writeString(file, JSON.writeValueAsString(node) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** Writes every version of every type in {@code registry} under {@code dir}; returns the files. */
    public static List<Path> write(Path dir, SchemaRegistry registry) {
        List<Path> files = new ArrayList<>();
        for (String type : registry.eventTypes()) {
            for (int v : registry.versions(type)) {
                files.add(write(dir, registry.schema(type, v).orElseThrow()));
            }
        }
        return files;
    }

    private static Map<String, Map<Integer, Path>> scan(Path dir) {
        Map<String, Map<Integer, Path>> found = new TreeMap<>();
        try (Stream<Path> types = Files.list(dir)) {
            for (Path typeDir : (Iterable<Path>) types.sorted()::iterator) {
                String type = typeDir.getFileName().toString();
                if (!Files.isDirectory(typeDir) || type.startsWith(".")) {
                    continue;
                }
                Map<Integer, Path> versions = new TreeMap<>();
                try (Stream<Path> files = Files.list(typeDir)) {
                    for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                        String name = f.getFileName().toString();
                        Matcher m = VERSION_FILE.matcher(name);
                        if (m.matches() && Files.isRegularFile(f)) {
                            versions.put(Integer.parseInt(m.group(1)), f);
                        } else if (name.toLowerCase(java.util.Locale.ROOT).endsWith(".json")) {
                            throw new InvalidInputException(f.toString(), "unexpected schema file " + f
                                    + ": version files are named v1.json, v2.json, ... (no leading zeros)");
                        }
                    }
                }
                if (!versions.isEmpty()) {
                    found.put(type, versions);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema folder " + dir + ": " + e.getMessage(), e);
        }
        return found;
    }

    private static EventSchema read(String type, int version, Path file, ClassLoader classLoader) {
        JsonNode node;
        try {
            node = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JacksonException e) {
            throw new InvalidInputException(file.toString(), file + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(file.toString(), file + " must hold a JSON object (a JSON Schema)");
        }
        ObjectNode schema = (ObjectNode) node;
        Optional<String> upcaster = text(schema, EventSchema.UPCASTER_KEY, file);
        Optional<String> record = text(schema, RECORD_KEY, file);
        if (record.isPresent()) {
            schema = derived(record.get(), schema, file, classLoader);
        }
        return new EventSchema(type, version, schema, upcaster, file.toString());
    }

    private static ObjectNode derived(String className, ObjectNode declared, Path file, ClassLoader classLoader) {
        for (Iterator<String> it = declared.propertyNames().iterator(); it.hasNext(); ) {
            String key = it.next();
            if (!key.startsWith("x-facta-") && !key.equals("$comment") && !key.equals("description")) {
                throw new InvalidInputException(file.toString(), file + " names a record (" + RECORD_KEY
                        + ") and also has '" + key + "'; a record's schema is derived from the class alone");
            }
        }
        if (classLoader == null) {
            throw new InvalidInputException(file.toString(), file + " derives its schema from " + className
                    + ", which needs the application's classes (give a class path)");
        }
        Class<?> cls;
        try {
            cls = Class.forName(className, false, classLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new InvalidInputException(file.toString(), file + " names record " + className
                    + ", which is not on the class path");
        }
        if (!cls.isRecord()) {
            throw new InvalidInputException(file.toString(), file + " names " + className + ", which is not a record");
        }
        try {
            return JsonSchemas.of(cls);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file.toString(), file + ": " + e.getMessage());
        }
    }

    private static Optional<String> text(ObjectNode schema, String key, Path file) {
        JsonNode v = schema.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isString() || v.asString().isBlank()) {
            throw new InvalidInputException(file.toString(), file + ": '" + key + "' must be a class name");
        }
        return Optional.of(v.asString().trim());
    }
}
