package dev.facta.codegen;

import com.squareup.wire.schema.EnumConstant;
import com.squareup.wire.schema.EnumType;
import com.squareup.wire.schema.Field;
import com.squareup.wire.schema.Location;
import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.OneOf;
import com.squareup.wire.schema.ProtoFile;
import com.squareup.wire.schema.ProtoType;
import com.squareup.wire.schema.Rpc;
import com.squareup.wire.schema.Schema;
import com.squareup.wire.schema.SchemaException;
import com.squareup.wire.schema.SchemaLoader;
import com.squareup.wire.schema.Service;
import com.squareup.wire.schema.Type;
import com.squareup.wire.schema.internal.parser.OptionElement;
import dev.facta.codegen.CodeModel.ClassType;
import dev.facta.codegen.CodeModel.Decl;
import dev.facta.codegen.CodeModel.EnumDecl;
import dev.facta.codegen.CodeModel.HandlerDecl;
import dev.facta.codegen.CodeModel.JavaType;
import dev.facta.codegen.CodeModel.ListType;
import dev.facta.codegen.CodeModel.MapType;
import dev.facta.codegen.CodeModel.Primitive;
import dev.facta.codegen.CodeModel.RecordDecl;
import dev.facta.codegen.CodeModel.Role;
import dev.facta.codegen.CodeModel.SealedDecl;
import dev.facta.codegen.CodeModel.ServiceDecl;
import dev.facta.codegen.CodeModel.Unit;
import okio.FileSystem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads {@code .proto} files (proto3, parsed and linked by Square's Wire schema library) into the
 * {@link CodeModel}, with Facta's conventions:
 * <ul>
 *   <li>A top-level message is a <b>command</b> when an rpc takes it, when its name ends in {@code Command},
 *       when its comment says {@code facta:command}, or when its file's package ends in {@code .commands};
 *       an <b>event</b> when its name ends in {@code Event}, its comment says {@code facta:event}, or its
 *       package ends in {@code .events}. Every other message is a value record.</li>
 *   <li>The commands of a file implement the sealed interface {@code <File>Command}, its events
 *       {@code <File>Event} ({@code orders.proto}: {@code OrdersCommand}, {@code OrdersEvent}).</li>
 *   <li>A service becomes an interface of the same name with one method per rpc (taking the
 *       {@code CommandMessage} of the request, returning the response) and {@code registerOn(CommandBus.Builder)},
 *       plus a handler skeleton {@code <Service>Handler} whose method bodies are editable regions.</li>
 *   <li>A file with commands and events also gets an aggregate skeleton {@code <File>Decider}, a
 *       {@code Decider<<File>Command, <File>Event, State>} with one region per command in {@code decide}, one per
 *       event in {@code evolve}, and the state record in a region.</li>
 *   <li>Java package: {@code java_package}, else {@code package}. With {@code java_multiple_files = true}
 *       every type gets its own file; without it they are nested in the outer class ({@code java_outer_classname},
 *       else the file name in UpperCamelCase, {@code OuterClass} added when that clashes).</li>
 * </ul>
 */
public final class ProtoReader {

    private static final Pattern WIRE_LOCATION = Pattern.compile("([^\\s()]+\\.proto(?::\\d+:\\d+)?)");
    private static final Map<String, JavaType> SCALARS = Map.ofEntries(
            Map.entry("double", Primitive.DOUBLE), Map.entry("float", Primitive.FLOAT),
            Map.entry("int32", Primitive.INT), Map.entry("sint32", Primitive.INT), Map.entry("uint32", Primitive.INT),
            Map.entry("fixed32", Primitive.INT), Map.entry("sfixed32", Primitive.INT),
            Map.entry("int64", Primitive.LONG), Map.entry("sint64", Primitive.LONG), Map.entry("uint64", Primitive.LONG),
            Map.entry("fixed64", Primitive.LONG), Map.entry("sfixed64", Primitive.LONG),
            Map.entry("bool", Primitive.BOOLEAN), Map.entry("string", ClassType.of("java.lang.String")),
            Map.entry("bytes", new CodeModel.Bytes()));
    private static final Map<String, JavaType> WELL_KNOWN = Map.ofEntries(
            Map.entry("google.protobuf.Timestamp", ClassType.of("java.time.Instant")),
            Map.entry("google.protobuf.Duration", ClassType.of("java.time.Duration")),
            Map.entry("google.protobuf.StringValue", ClassType.of("java.lang.String")),
            Map.entry("google.protobuf.BytesValue", new CodeModel.Bytes()),
            Map.entry("google.protobuf.BoolValue", Primitive.BOOLEAN.boxed()),
            Map.entry("google.protobuf.Int32Value", Primitive.INT.boxed()),
            Map.entry("google.protobuf.UInt32Value", Primitive.INT.boxed()),
            Map.entry("google.protobuf.Int64Value", Primitive.LONG.boxed()),
            Map.entry("google.protobuf.UInt64Value", Primitive.LONG.boxed()),
            Map.entry("google.protobuf.FloatValue", Primitive.FLOAT.boxed()),
            Map.entry("google.protobuf.DoubleValue", Primitive.DOUBLE.boxed()));
    private static final String EMPTY = "google.protobuf.Empty";

    /** The files to generate from and the folder their paths (and imports) are relative to. */
    private record Source(Path root, String path) {
    }

    /** A proto type's Java class, the file it comes from and where its file's code goes. */
    private record Mapped(ClassType type, Role role) {
    }

    private final Map<String, Mapped> types = new HashMap<>();

    private ProtoReader() {
    }

    /**
     * Reads the given {@code .proto} files, and every {@code .proto} file below the given folders.
     *
     * @param inputs      files and folders; a folder is also where its files' imports are looked up
     * @param importPaths more folders where imports are looked up (a single file's own folder is one too)
     * @return the units to write: {@code models} (records, enums, interfaces) and {@code skeletons} (handlers)
     * @throws CodegenException the input does not parse, names an unknown type, or clashes in Java
     */
    public static ProtoModel read(List<Path> inputs, List<Path> importPaths) {
        return new ProtoReader().load(inputs, importPaths);
    }

    /** What a set of {@code .proto} files generates; each unit's source is {@code proto:<path below its root>}. */
    public record ProtoModel(List<Unit> models, List<Unit> skeletons, Set<String> sources) {
    }

    private ProtoModel load(List<Path> inputs, List<Path> importPaths) {
        List<Source> sources = sources(inputs, importPaths);
        if (sources.isEmpty()) {
            // folders without schemas generate nothing; a run that owns its folder then deletes what they used to make
            return new ProtoModel(List.of(), List.of(), Set.of());
        }
        Set<Path> roots = new java.util.LinkedHashSet<>();
        for (Path p : importPaths) roots.add(p.toAbsolutePath().normalize());
        for (Source s : sources) roots.add(s.root());
        SchemaLoader loader = new SchemaLoader(FileSystem.SYSTEM);
        loader.initRoots(sources.stream().map(s -> Location.get(s.root().toString(), s.path())).toList(),
                roots.stream().map(r -> Location.get(r.toString())).toList());
        Schema schema;
        try {
            schema = loader.loadSchema();
        } catch (SchemaException | IllegalStateException | IllegalArgumentException e) {
            throw wireError(e.getMessage(), e);
        } catch (Exception e) { // Kotlin code throws IOException without declaring it
            throw new CodegenException(CodegenException.Kind.UNKNOWN_TYPE, String.valueOf(inputs), "cannot read: " + e.getMessage());
        }
        Set<String> wanted = new HashSet<>();
        for (Source s : sources) wanted.add(s.path());
        List<ProtoFile> files = schema.getProtoFiles().stream()
                .filter(f -> !f.getLocation().getPath().startsWith("google/protobuf/") && !f.getLocation().getPath().startsWith("wire/"))
                .toList();
        Set<String> commandTypes = new HashSet<>();
        for (ProtoFile f : files) {
            for (Service s : f.getServices()) for (Rpc r : s.rpcs()) commandTypes.add(r.getRequestType().toString());
        }
        Map<ProtoFile, Layout> layouts = new LinkedHashMap<>();
        for (ProtoFile f : files) {
            Layout layout = layout(f);
            layouts.put(f, layout);
            for (Type t : f.getTypes()) mapType(t, layout, List.of(), commandTypes, true);
        }
        List<Unit> models = new ArrayList<>();
        List<Unit> skeletons = new ArrayList<>();
        Set<String> sourceNames = new TreeSet<>();
        for (ProtoFile f : files) {
            if (!wanted.contains(f.getLocation().getPath())) continue;
            sourceNames.add("proto:" + f.getLocation().getPath());
            units(f, layouts.get(f), models, skeletons);
        }
        return new ProtoModel(models, skeletons, sourceNames);
    }

    private static List<Source> sources(List<Path> inputs, List<Path> importPaths) {
        List<Source> sources = new ArrayList<>();
        for (Path in : inputs) {
            Path abs = in.toAbsolutePath().normalize();
            if (Files.isDirectory(abs)) {
                try (Stream<Path> walk = Files.walk(abs)) {
                    walk.filter(p -> p.toString().endsWith(".proto") && Files.isRegularFile(p)).sorted()
                            .forEach(p -> sources.add(new Source(abs, abs.relativize(p).toString().replace('\\', '/'))));
                } catch (IOException e) {
                    throw new CodegenException(CodegenException.Kind.UNSUPPORTED, abs.toString(), "cannot list " + abs + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(abs)) {
                Path root = abs.getParent();
                for (Path ip : importPaths) {
                    Path r = ip.toAbsolutePath().normalize();
                    if (abs.startsWith(r)) {
                        root = r;
                        break;
                    }
                }
                sources.add(new Source(root, root.relativize(abs).toString().replace('\\', '/')));
            } else {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, abs.toString(), "no such file or folder: " + abs);
            }
        }
        return sources;
    }

    private static CodegenException wireError(String message, Exception cause) {
        String msg = message == null ? cause.toString() : message;
        Matcher m = WIRE_LOCATION.matcher(msg);
        String location = m.find() ? m.group(1) : "";
        CodegenException.Kind kind;
        if (msg.startsWith("Syntax error")) kind = CodegenException.Kind.SYNTAX;
        else if (msg.contains("unable to resolve") || msg.contains("unable to find") || msg.contains("not found")) kind = CodegenException.Kind.UNKNOWN_TYPE;
        else if (msg.contains("already defined") || msg.contains("multiple") || msg.contains("duplicate")) kind = CodegenException.Kind.NAME_CLASH;
        else kind = CodegenException.Kind.SYNTAX;
        CodegenException e = new CodegenException(kind, location, msg.replace("\n", " ").replaceAll("\\s+", " ").strip());
        e.initCause(cause);
        return e;
    }

    // ------------------------------------------------------------------ layout and names

    /** Where a file's code goes: its package, and the class that holds its types when they are not in files of their own. */
    private record Layout(String pkg, String holder, String groupBase, String source, boolean eventsPackage,
                          boolean commandsPackage) {
    }

    private static Layout layout(ProtoFile f) {
        String where = f.getLocation().getPath();
        String pkg = f.javaPackage() != null ? f.javaPackage() : f.getPackageName();
        Names.checkPackage(pkg, where);
        String fileBase = Names.upperCamel(Path.of(where).getFileName().toString().replaceFirst("\\.proto$", ""));
        boolean multiple = "true".equals(option(f, "java_multiple_files"));
        String holder = null;
        if (!multiple) {
            holder = option(f, "java_outer_classname");
            if (holder == null) {
                holder = fileBase;
                Set<String> names = new HashSet<>();
                f.getTypes().forEach(t -> names.add(t.getType().getSimpleName()));
                f.getServices().forEach(s -> names.add(s.name()));
                if (names.contains(holder)) holder = holder + "OuterClass";
            }
            Names.checkType(holder, where);
        }
        String protoPkg = f.getPackageName() == null ? "" : f.getPackageName();
        return new Layout(pkg, holder, fileBase, "proto:" + where, protoPkg.endsWith("events") || protoPkg.equals("events"),
                protoPkg.endsWith("commands"));
    }

    private static String option(ProtoFile f, String name) {
        for (OptionElement o : f.getOptions().getElements()) {
            if (o.getName().equals(name)) return String.valueOf(o.getValue());
        }
        return null;
    }

    private void mapType(Type t, Layout layout, List<String> enclosing, Set<String> commandTypes, boolean topLevel) {
        String where = at(t.getLocation());
        String simple = Names.checkType(t.getType().getSimpleName(), where);
        if (enclosing.contains(simple)) {
            throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "'" + simple
                    + "' is nested in a type of the same name, which Java does not allow; rename it");
        }
        List<String> names = new ArrayList<>();
        if (layout.holder() != null) names.add(layout.holder());
        names.addAll(enclosing);
        names.add(simple);
        Role role = Role.VALUE;
        if (topLevel && t instanceof MessageType) {
            String doc = t.getDocumentation();
            boolean command = commandTypes.contains(t.getType().toString()) || simple.endsWith("Command")
                    || doc.contains("facta:command") || layout.commandsPackage();
            boolean event = simple.endsWith("Event") || doc.contains("facta:event") || layout.eventsPackage();
            if (command && event) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "'" + simple
                        + "' would be both a command and an event; a message is one or the other");
            }
            role = command ? Role.COMMAND : event ? Role.EVENT : Role.VALUE;
        }
        types.put(t.getType().toString(), new Mapped(new ClassType(layout.pkg(), names), role));
        List<String> inner = new ArrayList<>(enclosing);
        inner.add(simple);
        for (Type n : t.getNestedTypes()) mapType(n, layout, inner, commandTypes, false);
    }

    private static String at(Location l) {
        return l.getPath() + ":" + l.getLine() + ":" + l.getColumn();
    }

    // ------------------------------------------------------------------ declarations

    private void units(ProtoFile f, Layout layout, List<Unit> models, List<Unit> skeletons) {
        List<Decl> decls = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        List<String> events = new ArrayList<>();
        List<ClassType> commandTypes = new ArrayList<>();
        List<ClassType> eventTypes = new ArrayList<>();
        for (Type t : f.getTypes()) {
            Mapped m = types.get(t.getType().toString());
            if (m.role() == Role.COMMAND) {
                commands.add(m.type().names().getLast());
                commandTypes.add(m.type());
            }
            if (m.role() == Role.EVENT) {
                events.add(m.type().names().getLast());
                eventTypes.add(m.type());
            }
        }
        String commandGroup = layout.groupBase() + "Command";
        String eventGroup = layout.groupBase() + "Event";
        for (Type t : f.getTypes()) decls.add(decl(t, commandGroup, eventGroup));
        if (!commands.isEmpty()) {
            decls.add(new SealedDecl(commandGroup, "The commands of " + f.getLocation().getPath() + ".", commands));
        }
        if (!events.isEmpty()) {
            decls.add(new SealedDecl(eventGroup, "The events of " + f.getLocation().getPath()
                    + "; register them with {@code EventTypeRegistry.builder().registerSealed(" + eventGroup + ".class)}.", events));
        }
        for (Service s : f.getServices()) {
            List<CodeModel.Rpc> rpcs = rpcs(s);
            decls.add(new ServiceDecl(Names.checkType(s.name(), at(s.location())), doc(s.documentation()), rpcs));
            String handler = s.name() + "Handler";
            String service = layout.holder() == null ? s.name() : layout.holder() + "." + s.name();
            skeletons.add(new Unit(layout.pkg(), handler, layout.source(), List.of(new HandlerDecl(handler,
                    "Handles the operations of {@link " + service + "}. A skeleton: write code only between the facta:begin"
                            + " and facta:end lines, which regeneration keeps.", service, rpcs)), null, null, true));
        }
        String deciderName = null;
        if (!commands.isEmpty() && !events.isEmpty()) {
            deciderName = layout.groupBase() + "Decider";
            skeletons.add(new Unit(layout.pkg(), deciderName, layout.source(), List.of(new CodeModel.DeciderDecl(deciderName,
                    "The rules of the aggregate whose commands and events " + f.getLocation().getPath() + " defines, as a"
                            + " decider: {@code decide} checks a command against the state and returns the events it causes"
                            + " (or throws {@code DomainRuleViolation}); {@code evolve} applies one event. A skeleton: write"
                            + " code only between the facta:begin and facta:end lines, which regeneration keeps; a new"
                            + " command or event adds its case.",
                    nestedIn(layout, commandGroup), nestedIn(layout, eventGroup), commandTypes, eventTypes)), null, null, true));
        }
        Set<String> declared = new HashSet<>();
        if (deciderName != null) declared.add(deciderName);
        for (Service s : f.getServices()) declared.add(s.name() + "Handler");
        for (Decl d : decls) {
            if (!declared.add(d.name()) || d.name().equals(layout.holder())) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, f.getLocation().getPath(), "'" + d.name()
                        + "' is declared twice in " + f.getLocation().getPath()
                        + " (a message, enum or service named like a generated type?); rename it");
            }
        }
        if (layout.holder() != null) {
            models.add(new Unit(layout.pkg(), layout.holder(), layout.source(), decls, layout.holder(),
                    "The types of " + f.getLocation().getPath() + ".", false));
        } else {
            for (Decl d : decls) models.add(new Unit(layout.pkg(), d.name(), layout.source(), List.of(d), null, null, false));
        }
    }

    private static ClassType nestedIn(Layout layout, String name) {
        return new ClassType(layout.pkg(), layout.holder() == null ? List.of(name) : List.of(layout.holder(), name));
    }

    private Decl decl(Type t, String commandGroup, String eventGroup) {
        Mapped mapped = types.get(t.getType().toString());
        String name = mapped.type().names().getLast();
        if (t instanceof EnumType e) {
            List<CodeModel.Constant> constants = new ArrayList<>();
            for (EnumConstant c : e.getConstants()) {
                constants.add(new CodeModel.Constant(Names.checkType(c.getName(), at(c.getLocation())), doc(c.getDocumentation()), null));
            }
            return new EnumDecl(name, doc(e.getDocumentation()), constants);
        }
        MessageType m = (MessageType) t;
        List<CodeModel.Field> fields = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<Field> inOneOf = new HashSet<>();
        for (OneOf o : m.getOneOfs()) inOneOf.addAll(o.getFields());
        for (Field f : m.getFieldsAndOneOfFields()) {
            String where = at(f.getLocation());
            String fieldName = Names.checkComponent(Names.lowerCamel(f.getName()), where);
            if (!seen.add(fieldName)) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "two fields of " + t.getType()
                        + " become the Java component '" + fieldName + "'; rename one");
            }
            fields.add(new CodeModel.Field(fieldName, fieldType(f, inOneOf.contains(f)), doc(f.getDocumentation())));
        }
        List<List<String>> oneOfs = new ArrayList<>();
        for (OneOf o : m.getOneOfs()) oneOfs.add(o.getFields().stream().map(f -> Names.lowerCamel(f.getName())).toList());
        List<Decl> nested = new ArrayList<>();
        for (Type n : t.getNestedTypes()) nested.add(decl(n, commandGroup, eventGroup));
        List<String> implemented = switch (mapped.role()) {
            case COMMAND -> List.of(commandGroup);
            case EVENT -> List.of(eventGroup);
            case VALUE -> List.of();
        };
        return new RecordDecl(name, doc(m.getDocumentation()), mapped.role(), fields, implemented, oneOfs, nested);
    }

    private JavaType fieldType(Field f, boolean inOneOf) {
        String where = at(f.getLocation());
        ProtoType type = f.getType();
        if (type.isMap()) return new MapType(single(type.getKeyType(), where), single(type.getValueType(), where));
        JavaType single = single(type, where);
        if (f.isRepeated()) return new ListType(single);
        boolean explicitPresence = inOneOf || f.getLabel() == Field.Label.OPTIONAL;
        return explicitPresence && single instanceof Primitive p ? p.boxed() : single;
    }

    private JavaType single(ProtoType type, String where) {
        String name = type.toString();
        if (type.isScalar()) return SCALARS.get(name);
        JavaType known = WELL_KNOWN.get(name);
        if (known != null) return known;
        if (name.startsWith("google.protobuf.")) {
            throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, name + " has no Facta mapping; the supported"
                    + " well-known types are Timestamp, Duration and the wrappers (StringValue, Int64Value, ...)");
        }
        Mapped mapped = types.get(name);
        if (mapped == null) throw new CodegenException(CodegenException.Kind.UNKNOWN_TYPE, where, "unknown type " + name);
        return mapped.type();
    }

    private List<CodeModel.Rpc> rpcs(Service s) {
        List<CodeModel.Rpc> rpcs = new ArrayList<>();
        Map<String, String> byRequest = new HashMap<>();
        Set<String> methods = new HashSet<>();
        for (Rpc r : s.rpcs()) {
            String where = at(r.getLocation());
            if (r.getRequestStreaming() || r.getResponseStreaming()) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "rpc " + r.getName()
                        + " streams; a Facta command handler takes one command and returns one result");
            }
            String request = r.getRequestType().toString();
            if (request.equals(EMPTY) || WELL_KNOWN.containsKey(request)) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "rpc " + r.getName()
                        + " takes " + request + "; a command handler takes a message of your own");
            }
            String other = byRequest.put(request, r.getName());
            if (other != null) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "rpcs " + other + " and " + r.getName()
                        + " both take " + request + "; a command type has one handler");
            }
            String method = Names.checkComponent(Names.lowerCamel(r.getName()), where);
            if (!methods.add(method) || method.equals("registerOn")) {
                throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "rpc " + r.getName()
                        + " makes the method " + method + "(...) twice or clashes with registerOn; rename it");
            }
            String response = r.getResponseType().toString();
            JavaType responseType = response.equals(EMPTY) ? null : single(r.getResponseType(), where).boxed();
            if (responseType instanceof CodeModel.Bytes) {
                throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where, "rpc " + r.getName() + " returns bytes; return a message");
            }
            rpcs.add(new CodeModel.Rpc(method, single(r.getRequestType(), where), responseType, doc(r.getDocumentation())));
        }
        return rpcs;
    }

    /** A comment as javadoc text, without Facta's role markers. */
    private static String doc(String text) {
        return text == null ? "" : JavaEmitter.escapeDoc(text.replace("facta:command", "").replace("facta:event", "").strip());
    }
}
