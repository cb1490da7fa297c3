package dev.facta.codegen;

import java.util.List;
import java.util.Objects;

/**
 * What the readers ({@link ProtoReader}, {@link JsonSchemaReader}) make of a schema and {@link JavaEmitter}
 * turns into Java: the types to declare, each in its package and output file.
 */
public final class CodeModel {

    private CodeModel() {
    }

    /** A Java type a field or parameter has. */
    public sealed interface JavaType {
        /** The type as a type argument: primitives boxed. */
        default JavaType boxed() {
            return this;
        }
    }

    /** {@code int}, {@code long}, {@code double}, {@code float}, {@code boolean}. */
    public record Primitive(String name, String boxedName) implements JavaType {
        public static final Primitive INT = new Primitive("int", "Integer");
        public static final Primitive LONG = new Primitive("long", "Long");
        public static final Primitive DOUBLE = new Primitive("double", "Double");
        public static final Primitive FLOAT = new Primitive("float", "Float");
        public static final Primitive BOOLEAN = new Primitive("boolean", "Boolean");

        @Override
        public JavaType boxed() {
            return new ClassType("java.lang", List.of(boxedName));
        }
    }

    /** {@code byte[]}. */
    public record Bytes() implements JavaType {
    }

    /** A class, record, enum or interface: its package and its name with the names of its enclosing types before it. */
    public record ClassType(String pkg, List<String> names) implements JavaType {
        public ClassType {
            Objects.requireNonNull(pkg, "pkg");
            names = List.copyOf(names);
            if (names.isEmpty()) throw new IllegalArgumentException("a class type needs a name");
        }

        public static ClassType of(String qualifiedName) {
            int dot = qualifiedName.lastIndexOf('.');
            return new ClassType(qualifiedName.substring(0, dot), List.of(qualifiedName.substring(dot + 1)));
        }

        public String topLevel() {
            return names.getFirst();
        }

        /** The name within its package: {@code Order.Line}. */
        public String nestedName() {
            return String.join(".", names);
        }

        public String qualifiedName() {
            return pkg.isEmpty() ? nestedName() : pkg + "." + nestedName();
        }
    }

    /** {@code List<E>}. */
    public record ListType(JavaType element) implements JavaType {
    }

    /** {@code Map<K, V>}. */
    public record MapType(JavaType key, JavaType value) implements JavaType {
    }

    /** What role a record plays. */
    public enum Role { COMMAND, EVENT, VALUE }

    /** A record component; {@code doc} may be empty. */
    public record Field(String name, JavaType type, String doc) {
    }

    /** A declaration: a record, enum, sealed interface, service interface, handler or decider skeleton. */
    public sealed interface Decl {
        String name();

        String doc();
    }

    /**
     * A record. {@code oneOfs} are groups of component names of which at most one may be non-null
     * (a proto {@code oneof}); {@code implemented} the simple names of the sealed interfaces it belongs to.
     */
    public record RecordDecl(String name, String doc, Role role, List<Field> fields, List<String> implemented,
                             List<List<String>> oneOfs, List<Decl> nested) implements Decl {
        public RecordDecl {
            fields = List.copyOf(fields);
            implemented = List.copyOf(implemented);
            oneOfs = List.copyOf(oneOfs);
            nested = List.copyOf(nested);
        }
    }

    /** An enum constant; {@code jsonValue} non-null when JSON spells it differently from its name. */
    public record Constant(String name, String doc, String jsonValue) {
    }

    /** An enum. */
    public record EnumDecl(String name, String doc, List<Constant> constants) implements Decl {
        public EnumDecl {
            constants = List.copyOf(constants);
        }
    }

    /** A sealed interface grouping commands or events, listing its records (simple names, same package). */
    public record SealedDecl(String name, String doc, List<String> permits) implements Decl {
        public SealedDecl {
            permits = List.copyOf(permits);
        }
    }

    /** One operation of a service: {@code response} null for none ({@code google.protobuf.Empty}). */
    public record Rpc(String method, JavaType request, JavaType response, String doc) {
    }

    /** The handler interface of a service: one method per rpc and the registration on a command bus. */
    public record ServiceDecl(String name, String doc, List<Rpc> rpcs) implements Decl {
        public ServiceDecl {
            rpcs = List.copyOf(rpcs);
        }
    }

    /** The class that implements a service, its method bodies in {@code facta:begin}/{@code facta:end} regions. */
    public record HandlerDecl(String name, String doc, String service, List<Rpc> rpcs) implements Decl {
        public HandlerDecl {
            rpcs = List.copyOf(rpcs);
        }
    }

    /**
     * The aggregate of a schema file's commands and events as a {@code Decider} skeleton: an exhaustive
     * {@code switch} over the commands in {@code decide} and over the events in {@code evolve}, each case's
     * body a region, and the state record in a region of its own.
     */
    public record DeciderDecl(String name, String doc, ClassType commandRoot, ClassType eventRoot, List<ClassType> commands,
                              List<ClassType> events) implements Decl {
        public DeciderDecl {
            commands = List.copyOf(commands);
            events = List.copyOf(events);
        }
    }

    /**
     * One output file: the top-level type {@code fileName} in {@code pkg}; {@code holder} non-null means the
     * declarations are nested in a final class of that name (a proto file without {@code java_multiple_files}).
     * {@code source} names the input it came from ({@code proto:shop/orders.proto}); {@code skeleton} files are
     * meant to be edited in their regions.
     */
    public record Unit(String pkg, String fileName, String source, List<Decl> decls, String holder, String holderDoc,
                       boolean skeleton) {
        public Unit {
            decls = List.copyOf(decls);
        }

        /** The file's path below a source root. */
        public String relativePath() {
            return (pkg.isEmpty() ? "" : pkg.replace('.', '/') + "/") + fileName + ".java";
        }
    }
}
