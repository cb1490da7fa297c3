package dev.facta.codegen;

import javax.lang.model.SourceVersion;
import java.util.Locale;
import java.util.Set;

/** Schema names to Java names, and the checks Java puts on them. */
final class Names {

    /** Names a record component cannot have: they would override an Object or record method. */
    private static final Set<String> RESERVED_COMPONENTS = Set.of("hashCode", "toString", "getClass", "notify",
            "notifyAll", "wait", "clone", "finalize", "equals");

    private Names() {
    }

    /** {@code order_id} and {@code order-id} to {@code orderId}; {@code OrderId} to {@code orderId}. */
    static String lowerCamel(String name) {
        String upper = upperCamel(name);
        return upper.isEmpty() ? upper : Character.toLowerCase(upper.charAt(0)) + upper.substring(1);
    }

    /** {@code order_line}, {@code order-line}, {@code order line} to {@code OrderLine}. */
    static String upperCamel(String name) {
        StringBuilder sb = new StringBuilder();
        boolean up = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_' || c == '-' || c == ' ' || c == '.') {
                up = true;
            } else if (up) {
                sb.append(Character.toUpperCase(c));
                up = false;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@code in-stock} to {@code IN_STOCK}. */
    static String constant(String value) {
        String s = value.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("[^A-Za-z0-9]+", "_")
                .replaceAll("^_+|_+$", "").toUpperCase(Locale.ROOT);
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) s = "_" + s;
        return s;
    }

    /** Refuses a component name Java or records cannot take. */
    static String checkComponent(String name, String where) {
        if (!SourceVersion.isIdentifier(name) || SourceVersion.isKeyword(name) || RESERVED_COMPONENTS.contains(name)) {
            throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "'" + name
                    + "' cannot be a Java record component (a keyword, or a method every record has); rename it");
        }
        return name;
    }

    /** Refuses a type name Java cannot take. */
    static String checkType(String name, String where) {
        if (!SourceVersion.isIdentifier(name) || SourceVersion.isKeyword(name)) {
            throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "'" + name + "' cannot be a Java type name; rename it");
        }
        return name;
    }

    /** Refuses a package name Java cannot take. */
    static String checkPackage(String pkg, String where) {
        if (pkg == null || pkg.isEmpty()) {
            throw new CodegenException(CodegenException.Kind.UNSUPPORTED, where,
                    "no Java package: give the schema a package (proto: 'package' or option java_package)");
        }
        if (!SourceVersion.isName(pkg)) {
            throw new CodegenException(CodegenException.Kind.NAME_CLASH, where, "'" + pkg + "' is not a Java package name");
        }
        return pkg;
    }
}
