package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;

import javax.lang.model.SourceVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code facta init} and {@code facta generate} share: the templates under
 * {@code dev/facta/cli/templates/}, the rules for names, and writing a set of files all or nothing.
 *
 * <p>Templates hold {@code {{key}}} placeholders and {@code {{#key}} ... {{/key}}} sections kept only
 * when the value of {@code key} is {@code "true"}; a placeholder without a value is an error, so a
 * template and its caller cannot drift apart silently.
 */
final class Scaffold {
    static final String TEMPLATES = "/dev/facta/cli/templates/";

    /** The longest aggregate or projection name: its collection name must stay within a read model's 48 characters. */
    static final int MAX_NAME = 40;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-zA-Z0-9_.-]+)}}");
    private static final Pattern SECTION = Pattern.compile("\\{\\{#([a-zA-Z0-9_.-]+)}}\\n?(.*?)\\{\\{/\\1}}\\n?", Pattern.DOTALL);
    private static final Pattern TYPE_NAME = Pattern.compile("[A-Z][A-Za-z0-9]*");

    private Scaffold() {
    }

    /** One file to write: where, what, and whether to make it executable. */
    record GeneratedFile(Path path, String content, boolean executable) {
    }

    /** A template from the CLI's resources, rendered. */
    static String template(String name, Map<String, String> values) {
        return render(FactaArtifacts.resource(TEMPLATES + name), values);
    }

    /** Fills sections and placeholders. */
    static String render(String template, Map<String, String> values) {
        Matcher sections = SECTION.matcher(template);
        StringBuilder withSections = new StringBuilder();
        while (sections.find()) {
            String key = sections.group(1);
            String value = values.get(key);
            if (value == null) throw new IllegalStateException("template section {{#" + key + "}} has no value");
            sections.appendReplacement(withSections, Matcher.quoteReplacement("true".equals(value) ? sections.group(2) : ""));
        }
        sections.appendTail(withSections);
        Matcher m = PLACEHOLDER.matcher(withSections);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) throw new IllegalStateException("template placeholder {{" + m.group(1) + "}} has no value");
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    // ------------------------------------------------------------------ names

    /**
     * A Java package for generated code: dot-separated identifiers, none a keyword, not in {@code java.*}.
     *
     * @throws InvalidInputException otherwise
     */
    static String checkPackage(String pkg, String option) {
        if (pkg == null || pkg.isEmpty()) throw new InvalidInputException(option, option + " must not be empty");
        if (!SourceVersion.isName(pkg) || pkg.contains("$")) {
            throw new InvalidInputException(option, "'" + pkg + "' is not a Java package name: dot-separated identifiers"
                    + " such as com.example.shop, none of them a Java keyword");
        }
        if (pkg.equals("java") || pkg.startsWith("java.")) {
            throw new InvalidInputException(option, "'" + pkg + "' is reserved for the JDK; use your own, such as com.example.shop");
        }
        return pkg;
    }

    /**
     * An aggregate or projection name: UpperCamelCase letters and digits, at most {@value #MAX_NAME}
     * characters, not the name of a {@code java.lang} type (it would hide it in the generated code).
     *
     * @throws InvalidInputException otherwise
     */
    static String checkTypeName(String name, Set<String> taken) {
        if (name == null || !TYPE_NAME.matcher(name).matches()) {
            throw new InvalidInputException("name", "'" + name + "' is not a name for generated classes: UpperCamelCase letters"
                    + " and digits starting with a capital letter, such as Order or OrderSummaries");
        }
        if (name.length() > MAX_NAME) {
            throw new InvalidInputException("name", "'" + name + "' is longer than " + MAX_NAME + " characters");
        }
        if (taken.contains(name) || javaLang(name)) {
            throw new InvalidInputException("name", "'" + name + "' would clash with a type the generated code uses; pick another name");
        }
        return name;
    }

    private static boolean javaLang(String name) {
        try {
            Class.forName("java.lang." + name, false, Scaffold.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The words of an UpperCamelCase name: {@code PurchaseOrder} has {@code purchase} and {@code order}. */
    static List<String> words(String name) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+").matcher(name);
        while (m.find()) out.add(m.group().toLowerCase(Locale.ROOT));
        return out;
    }

    /** {@code PurchaseOrder} as {@code purchase_order}. */
    static String snake(String name) {
        return String.join("_", words(name));
    }

    /** {@code PurchaseOrder} as {@code purchase-order}. */
    static String kebab(String name) {
        return String.join("-", words(name));
    }

    /** {@code PurchaseOrder} as {@code purchase order}. */
    static String spaced(String name) {
        return String.join(" ", words(name));
    }

    /** The indefinite article for a word: {@code an order}, {@code a task}. */
    static String article(String word) {
        return !word.isEmpty() && "aeio".indexOf(Character.toLowerCase(word.charAt(0))) >= 0 ? "an" : "a";
    }

    /** The values every template of a named unit uses. */
    static Map<String, String> nameValues(String pkg, String name) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("package", pkg);
        v.put("Name", name);
        v.put("words", spaced(name));
        v.put("a", article(spaced(name)));
        v.put("snake", snake(name));
        v.put("kebab", kebab(name));
        return v;
    }

    /** A package's folder under a source root. */
    static Path packageDir(Path sourceRoot, String pkg) {
        return sourceRoot.resolve(pkg.replace('.', '/'));
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes every file, or none: files that exist already are refused before anything is written,
     * and when a write fails the files written before it are removed again.
     *
     * @throws FactaException a file exists, or a write failed
     */
    static void writeAll(List<GeneratedFile> files) {
        List<String> existing = new ArrayList<>();
        for (GeneratedFile f : files) {
            if (Files.exists(f.path())) existing.add(f.path().toString());
        }
        if (!existing.isEmpty()) {
            throw new FactaException("refusing to overwrite " + String.join(", ", existing) + "; nothing was written");
        }
        List<Path> written = new ArrayList<>();
        List<Path> createdDirs = new ArrayList<>();
        try {
            for (GeneratedFile f : files) {
                createDirectories(f.path().getParent(), createdDirs);
                Files.writeString(f.path(), f.content(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW);
                written.add(f.path());
                if (f.executable()) makeExecutable(f.path());
            }
        } catch (IOException e) {
            for (Path p : written.reversed()) deleteQuietly(p);
            for (Path d : createdDirs.reversed()) deleteQuietly(d);
            String what = e instanceof FileAlreadyExistsException ? "it appeared while writing" : e.getMessage();
            throw new FactaException("cannot write the generated files (" + what + "); nothing was kept", e);
        }
    }

    private static void createDirectories(Path dir, List<Path> created) throws IOException {
        if (dir == null || Files.isDirectory(dir)) return;
        createDirectories(dir.getParent(), created);
        Files.createDirectory(dir);
        created.add(dir);
    }

    private static void makeExecutable(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(file));
            perms.add(PosixFilePermission.OWNER_EXECUTE);
            perms.add(PosixFilePermission.GROUP_EXECUTE);
            perms.add(PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(file, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): mvnw.cmd is what runs there
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the error that made us clean up is the one reported
        }
    }
}
