package dev.facta.codegen;

import dev.facta.codegen.CodeModel.Bytes;
import dev.facta.codegen.CodeModel.ClassType;
import dev.facta.codegen.CodeModel.Constant;
import dev.facta.codegen.CodeModel.Decl;
import dev.facta.codegen.CodeModel.DeciderDecl;
import dev.facta.codegen.CodeModel.EnumDecl;
import dev.facta.codegen.CodeModel.Field;
import dev.facta.codegen.CodeModel.HandlerDecl;
import dev.facta.codegen.CodeModel.JavaType;
import dev.facta.codegen.CodeModel.ListType;
import dev.facta.codegen.CodeModel.MapType;
import dev.facta.codegen.CodeModel.Primitive;
import dev.facta.codegen.CodeModel.RecordDecl;
import dev.facta.codegen.CodeModel.Rpc;
import dev.facta.codegen.CodeModel.SealedDecl;
import dev.facta.codegen.CodeModel.ServiceDecl;
import dev.facta.codegen.CodeModel.Unit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one {@link Unit} into Java source: the package, the imports it needs, and its declarations, with
 * the handler skeletons' editable parts in {@code // facta:begin <name>} ... {@code // facta:end <name>}
 * regions (see {@link Regions}). The header that marks the file as generated is added by {@link GeneratedFiles}.
 */
public final class JavaEmitter {

    static final ClassType COMMAND_BUS = ClassType.of("dev.facta.command.CommandBus");
    static final ClassType COMMAND_MESSAGE = ClassType.of("dev.facta.command.CommandMessage");
    static final ClassType DECIDER = ClassType.of("dev.facta.aggregate.Decider");
    private static final ClassType LIST = ClassType.of("java.util.List");
    private static final ClassType MAP = ClassType.of("java.util.Map");

    private final Unit unit;
    private final Set<String> ownTopLevel = new HashSet<>();
    private final Set<String> declared = new HashSet<>();
    /** Imported top-level simple name to its qualified name. */
    private final Map<String, String> imports = new LinkedHashMap<>();
    private final StringBuilder out = new StringBuilder();

    private JavaEmitter(Unit unit) {
        this.unit = unit;
        if (unit.holder() != null) {
            ownTopLevel.add(unit.holder());
            declared.add(unit.holder());
        } else {
            unit.decls().forEach(d -> ownTopLevel.add(d.name()));
        }
        unit.decls().forEach(this::collectDeclared);
    }

    /** The source text of a unit, without the generated-file header. */
    public static String emit(Unit unit) {
        return new JavaEmitter(unit).render();
    }

    private void collectDeclared(Decl d) {
        declared.add(d.name());
        if (d instanceof RecordDecl r) r.nested().forEach(this::collectDeclared);
    }

    private String render() {
        // first pass over every referenced type decides the imports, the second writes the declarations with them
        for (Decl d : unit.decls()) collectTypes(d);
        if (unit.holder() != null) {
            doc(unit.holderDoc(), List.of(), "");
            out.append("public final class ").append(unit.holder()).append(" {\n\n");
            out.append("    private ").append(unit.holder()).append("() {\n    }\n");
            for (Decl d : unit.decls()) {
                out.append('\n');
                decl(d, "    ");
            }
            out.append("}\n");
        } else {
            for (int i = 0; i < unit.decls().size(); i++) {
                if (i > 0) out.append('\n');
                decl(unit.decls().get(i), "");
            }
        }
        StringBuilder file = new StringBuilder();
        if (!unit.pkg().isEmpty()) file.append("package ").append(unit.pkg()).append(";\n\n");
        if (!imports.isEmpty()) {
            for (String q : new TreeSet<>(imports.values())) file.append("import ").append(q).append(";\n");
            file.append('\n');
        }
        if (unit.skeleton()) {
            file.append(Regions.BEGIN).append("imports\n").append(Regions.END).append("imports\n\n");
        }
        return file.append(out).toString();
    }

    // ------------------------------------------------------------------ types and imports

    private void collectTypes(Decl d) {
        switch (d) {
            case RecordDecl r -> {
                r.fields().forEach(f -> collect(f.type()));
                r.nested().forEach(this::collectTypes);
            }
            case ServiceDecl s -> {
                collect(COMMAND_BUS);
                collect(COMMAND_MESSAGE);
                s.rpcs().forEach(this::collect);
            }
            case HandlerDecl h -> {
                collect(COMMAND_MESSAGE);
                h.rpcs().forEach(this::collect);
            }
            case DeciderDecl dd -> {
                collect(DECIDER);
                collect(LIST);
                collect(dd.commandRoot());
                collect(dd.eventRoot());
                dd.commands().forEach(this::collect);
                dd.events().forEach(this::collect);
            }
            case EnumDecl e -> { }
            case SealedDecl s -> { }
        }
    }

    private void collect(Rpc rpc) {
        collect(rpc.request());
        if (rpc.response() != null) collect(rpc.response());
    }

    private void collect(JavaType t) {
        switch (t) {
            case ListType l -> {
                collect(LIST);
                collect(l.element());
            }
            case MapType m -> {
                collect(MAP);
                collect(m.key());
                collect(m.value());
            }
            case ClassType c -> {
                if (needsImport(c) && !imports.containsKey(c.topLevel())) {
                    imports.put(c.topLevel(), c.pkg() + "." + c.topLevel());
                }
            }
            case Primitive p -> { }
            case Bytes b -> { }
        }
    }

    private boolean needsImport(ClassType c) {
        return !c.pkg().equals(unit.pkg()) && !c.pkg().equals("java.lang") && !declared.contains(c.topLevel());
    }

    /** A type as written in this file. */
    String type(JavaType t) {
        return switch (t) {
            case Primitive p -> p.name();
            case Bytes b -> "byte[]";
            case ListType l -> type(LIST) + "<" + type(l.element().boxed()) + ">";
            case MapType m -> type(MAP) + "<" + type(m.key().boxed()) + ", " + type(m.value().boxed()) + ">";
            case ClassType c -> name(c);
        };
    }

    private String name(ClassType c) {
        if (c.pkg().equals(unit.pkg()) && ownTopLevel.contains(c.topLevel())) return c.nestedName();
        if (declared.contains(c.topLevel())) return c.qualifiedName();
        if (c.pkg().equals(unit.pkg()) || c.pkg().equals("java.lang")) return c.nestedName();
        String imported = imports.get(c.topLevel());
        return (c.pkg() + "." + c.topLevel()).equals(imported) ? c.nestedName() : c.qualifiedName();
    }

    // ------------------------------------------------------------------ declarations

    private void decl(Decl d, String indent) {
        switch (d) {
            case RecordDecl r -> record(r, indent);
            case EnumDecl e -> enumeration(e, indent);
            case SealedDecl s -> sealed(s, indent);
            case ServiceDecl s -> service(s, indent);
            case HandlerDecl h -> handler(h, indent);
            case DeciderDecl dd -> decider(dd, indent);
        }
    }

    private void record(RecordDecl r, String indent) {
        List<String[]> params = new ArrayList<>();
        for (Field f : r.fields()) {
            if (!f.doc().isBlank()) params.add(new String[]{f.name(), f.doc()});
        }
        doc(r.doc(), params, indent);
        List<String> components = new ArrayList<>();
        for (Field f : r.fields()) components.add(type(f.type()) + " " + f.name());
        String implemented = r.implemented().isEmpty() ? "" : " implements " + String.join(", ", r.implemented());
        String oneLine = indent + "public record " + r.name() + "(" + String.join(", ", components) + ")" + implemented + " {";
        if (oneLine.length() <= 120) {
            out.append(oneLine).append('\n');
        } else {
            String continuation = ",\n" + indent + "        ";
            out.append(indent).append("public record ").append(r.name()).append("(\n").append(indent).append("        ")
                    .append(String.join(continuation, components)).append(')').append(implemented).append(" {\n");
        }
        String in = indent + "    ";
        List<String> checks = new ArrayList<>();
        for (Field f : r.fields()) {
            if (f.type() instanceof ListType) {
                checks.add(f.name() + " = " + f.name() + " == null ? " + type(LIST) + ".of() : " + type(LIST) + ".copyOf(" + f.name() + ");");
            } else if (f.type() instanceof MapType) {
                checks.add(f.name() + " = " + f.name() + " == null ? " + type(MAP) + ".of() : " + type(MAP) + ".copyOf(" + f.name() + ");");
            }
        }
        for (List<String> group : r.oneOfs()) {
            StringBuilder sum = new StringBuilder();
            for (String name : group) {
                if (!sum.isEmpty()) sum.append(" + ");
                sum.append('(').append(name).append(" != null ? 1 : 0)");
            }
            checks.add("if (" + sum + " > 1) {\n" + in + "        throw new IllegalArgumentException(\"at most one of "
                    + String.join(", ", group) + " may be set\");\n" + in + "    }");
        }
        boolean first = true;
        if (!checks.isEmpty()) {
            out.append(in).append("public ").append(r.name()).append(" {\n");
            for (String c : checks) out.append(in).append("    ").append(c).append('\n');
            out.append(in).append("}\n");
            first = false;
        }
        for (Decl n : r.nested()) {
            if (!first) out.append('\n');
            first = false;
            decl(n, in);
        }
        out.append(indent).append("}\n");
    }

    private void enumeration(EnumDecl e, String indent) {
        doc(e.doc(), List.of(), indent);
        out.append(indent).append("public enum ").append(e.name()).append(" {\n");
        String in = indent + "    ";
        for (int i = 0; i < e.constants().size(); i++) {
            Constant c = e.constants().get(i);
            doc(c.doc(), List.of(), in);
            out.append(in);
            if (c.jsonValue() != null) {
                // Jackson reads and writes the schema's spelling (jackson-annotations comes with facta-jackson)
                out.append("@com.fasterxml.jackson.annotation.JsonProperty(").append(javaString(c.jsonValue())).append(") ");
            }
            out.append(c.name()).append(i + 1 < e.constants().size() ? ",\n" : "\n");
        }
        out.append(indent).append("}\n");
    }

    private void sealed(SealedDecl s, String indent) {
        doc(s.doc(), List.of(), indent);
        out.append(indent).append("public sealed interface ").append(s.name()).append(" permits ")
                .append(String.join(", ", s.permits())).append(" {\n").append(indent).append("}\n");
    }

    private void service(ServiceDecl s, String indent) {
        doc(s.doc(), List.of(), indent);
        out.append(indent).append("public interface ").append(s.name()).append(" {\n");
        String in = indent + "    ";
        for (Rpc rpc : s.rpcs()) {
            out.append('\n');
            doc(rpc.doc(), List.of(), in);
            out.append(in).append(signature(rpc)).append(";\n");
        }
        out.append('\n');
        doc("Registers one handler per operation on the command bus being built, each for its command type.", List.of(), in);
        String bus = type(COMMAND_BUS);
        out.append(in).append("default ").append(bus).append(".Builder registerOn(").append(bus).append(".Builder bus) {\n");
        out.append(in).append("    return bus");
        for (Rpc rpc : s.rpcs()) {
            out.append("\n").append(in).append("            .register(").append(type(rpc.request())).append(".class, ");
            if (rpc.response() == null) {
                out.append("command -> {\n").append(in).append("                ").append(rpc.method()).append("(command);\n")
                        .append(in).append("                return null;\n").append(in).append("            })");
            } else {
                out.append("this::").append(rpc.method()).append(')');
            }
        }
        out.append(";\n").append(in).append("}\n");
        out.append(indent).append("}\n");
    }

    private String signature(Rpc rpc) {
        return (rpc.response() == null ? "void" : type(rpc.response())) + " " + rpc.method() + "("
                + type(COMMAND_MESSAGE) + "<" + type(rpc.request()) + "> command) throws Exception";
    }

    private void handler(HandlerDecl h, String indent) {
        doc(h.doc(), List.of(), indent);
        out.append(indent).append("public class ").append(h.name()).append(" implements ").append(h.service()).append(" {\n");
        String in = indent + "    ";
        out.append(in).append(Regions.BEGIN).append("members\n").append(in).append(Regions.END).append("members\n");
        for (Rpc rpc : h.rpcs()) {
            out.append('\n');
            out.append(in).append("@Override\n");
            out.append(in).append("public ").append(signature(rpc)).append(" {\n");
            String body = in + "    ";
            out.append(body).append(Regions.BEGIN).append(rpc.method()).append('\n');
            out.append(body).append("throw new UnsupportedOperationException(\"").append(h.name()).append('.')
                    .append(rpc.method()).append(" is not implemented yet\");\n");
            out.append(body).append(Regions.END).append(rpc.method()).append('\n');
            out.append(in).append("}\n");
        }
        out.append(indent).append("}\n");
    }

    private void decider(DeciderDecl d, String indent) {
        doc(d.doc(), List.of(), indent);
        String commands = type(d.commandRoot());
        String events = type(d.eventRoot());
        out.append(indent).append("public final class ").append(d.name()).append(" implements ").append(type(DECIDER))
                .append('<').append(commands).append(", ").append(events).append(", ").append(d.name()).append(".State> {\n");
        String in = indent + "    ";
        String body = in + "    ";
        out.append(in).append(Regions.BEGIN).append("state\n");
        out.append(in).append("/** What the rules need to know; add the components they decide on. */\n");
        out.append(in).append("public record State() {\n").append(in).append("}\n");
        out.append(in).append(Regions.END).append("state\n\n");
        out.append(in).append(Regions.BEGIN).append("members\n").append(in).append(Regions.END).append("members\n\n");

        out.append(in).append("@Override\n").append(in).append("public State initialState() {\n");
        out.append(body).append(Regions.BEGIN).append("initialState\n");
        out.append(body).append("return new State();\n");
        out.append(body).append(Regions.END).append("initialState\n");
        out.append(in).append("}\n\n");

        String list = type(LIST);
        out.append(in).append("@Override\n").append(in).append("public ").append(list).append('<').append(events)
                .append("> decide(").append(commands).append(" command, State state) {\n");
        out.append(body).append("switch (command) {\n");
        for (ClassType c : d.commands()) {
            String region = "decide." + c.names().getLast();
            out.append(body).append("    case ").append(type(c)).append(" c -> {\n");
            out.append(body).append("        ").append(Regions.BEGIN).append(region).append('\n');
            out.append(body).append("        throw new UnsupportedOperationException(\"").append(d.name()).append('.')
                    .append(region).append(" is not implemented yet\");\n");
            out.append(body).append("        ").append(Regions.END).append(region).append('\n');
            out.append(body).append("    }\n");
        }
        out.append(body).append("}\n").append(in).append("}\n\n");

        out.append(in).append("@Override\n").append(in).append("public State evolve(State state, ").append(events)
                .append(" event) {\n");
        out.append(body).append("switch (event) {\n");
        for (ClassType e : d.events()) {
            String region = "evolve." + e.names().getLast();
            out.append(body).append("    case ").append(type(e)).append(" e -> {\n");
            out.append(body).append("        ").append(Regions.BEGIN).append(region).append('\n');
            out.append(body).append("        return state;\n");
            out.append(body).append("        ").append(Regions.END).append(region).append('\n');
            out.append(body).append("    }\n");
        }
        out.append(body).append("}\n").append(in).append("}\n");
        out.append(indent).append("}\n");
    }

    // ------------------------------------------------------------------ javadoc

    private void doc(String text, List<String[]> params, String indent) {
        List<String> lines = new ArrayList<>();
        if (text != null && !text.isBlank()) lines.addAll(List.of(text.strip().split("\n", -1)));
        if (!params.isEmpty()) {
            if (!lines.isEmpty()) lines.add("");
            for (String[] p : params) {
                String[] docLines = p[1].strip().split("\n", -1);
                lines.add("@param " + p[0] + " " + docLines[0]);
                for (int i = 1; i < docLines.length; i++) lines.add("       " + docLines[i]);
            }
        }
        if (lines.isEmpty()) return;
        lines = wrap(lines, 116 - indent.length());
        if (lines.size() == 1 && lines.getFirst().length() + indent.length() + 7 <= 120) {
            out.append(indent).append("/** ").append(lines.getFirst()).append(" */\n");
            return;
        }
        out.append(indent).append("/**\n");
        for (String l : lines) out.append(indent).append(l.isBlank() ? " *" : " * " + l.stripTrailing()).append('\n');
        out.append(indent).append(" */\n");
    }

    /** Lines longer than {@code width} broken at spaces (continuations of an {@code @param} indented under it). */
    private static List<String> wrap(List<String> lines, int width) {
        List<String> wrapped = new ArrayList<>();
        for (String line : lines) {
            String rest = line;
            String continuation = line.startsWith("@param ") ? "       " : "";
            while (rest.length() > width) {
                int cut = rest.lastIndexOf(' ', width);
                while (cut > 0 && insideTag(rest, cut)) cut = rest.lastIndexOf(' ', cut - 1);
                if (cut <= continuation.length()) break;
                wrapped.add(rest.substring(0, cut));
                rest = continuation + rest.substring(cut + 1);
            }
            wrapped.add(rest);
        }
        return wrapped;
    }

    /** Whether position {@code at} is inside an inline tag such as {@code {@code x y}}. */
    private static boolean insideTag(String text, int at) {
        int depth = 0;
        for (int i = 0; i < at; i++) {
            if (text.charAt(i) == '{') depth++;
            else if (text.charAt(i) == '}' && depth > 0) depth--;
        }
        return depth > 0;
    }

    /** A Java string literal of any text. */
    static String javaString(String text) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20 || ch > 0x7e) sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A schema's comment as javadoc text: HTML, tags and comment ends made harmless. */
    static String escapeDoc(String s) {
        if (s == null) return "";
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*/", "*&#47;")
                .replace("@", "&#64;").replace("\\u", "\\\\u");
    }
}
