package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code facta generate aggregate|projection|saga <Name>}: source files with their tests, added to an
 * existing Maven project (the one {@code facta init} made, or any with {@code src/main/java}). Existing
 * files are never overwritten: when one of the files to write exists, nothing is written.
 *
 * <p>{@code facta generate proto|json-schema <files|dirs>}: records, enums, interfaces and handler skeletons
 * from schemas (facta-codegen), regenerated incrementally: hand-written code between {@code facta:begin} and
 * {@code facta:end} lines survives, and an edit elsewhere stops the run with a conflict, writing nothing.
 */
@Command(name = "generate",
        description = {"Add an aggregate (a decider with its commands, events and state), a projection or a process manager,"
                + " with tests, to a project; or generate commands, events and handler skeletons from .proto files or JSON Schema.",
                "aggregate, projection and saga write to src/main/java and src/test/java of the project in --dir and overwrite"
                        + " nothing; proto and json-schema regenerate their own files, keeping code between facta:begin and facta:end."},
        subcommands = {GenerateCommand.Aggregate.class, GenerateCommand.ProjectionGen.class, GenerateCommand.Saga.class,
                GenerateCommand.Proto.class, GenerateCommand.JsonSchema.class})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: aggregate, projection, saga, proto or json-schema");
    }

    /** The options every generator takes. */
    static final class Target {
        @Option(names = "--package", paramLabel = "PACKAGE",
                description = "Java package of the generated classes (default: the project's facta.package from its pom.xml"
                        + " plus the name in lower case, e.g. com.example.shop.order).")
        String pkg;

        @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
                description = "The project: a folder with pom.xml or src/main/java, or its src folder (default: the current folder).")
        Path dir;
    }

    /** Where a project keeps its sources, and the base package its pom names. */
    record Project(Path root, Path mainJava, Path testJava, String basePackage) {

        static Project at(Path dir) {
            Path d = dir.toAbsolutePath().normalize();
            if (!Files.isDirectory(d)) throw new FactaException("no folder " + d);
            Path root;
            Path main;
            Path test;
            if (Files.isRegularFile(d.resolve("pom.xml")) || Files.isDirectory(d.resolve("src/main/java"))) {
                root = d;
                main = d.resolve("src/main/java");
                test = d.resolve("src/test/java");
            } else if (Files.isDirectory(d.resolve("main/java"))) {
                root = d.getParent();
                main = d.resolve("main/java");
                test = d.resolve("test/java");
            } else {
                throw new FactaException("no project in " + d + ": it has neither a pom.xml nor src/main/java"
                        + " (create one with 'facta init', or name it with --dir)");
            }
            Path pom = root == null ? null : root.resolve("pom.xml");
            return new Project(root, main, test, pom != null && Files.isRegularFile(pom) ? basePackage(pom) : null);
        }

        /** The {@code facta.package} property of a pom, or null. */
        private static String basePackage(Path pom) {
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Element root = f.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
                for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (!(n instanceof Element properties) || !properties.getTagName().equals("properties")) continue;
                    for (Node p = properties.getFirstChild(); p != null; p = p.getNextSibling()) {
                        if (p instanceof Element e && e.getTagName().equals("facta.package")) {
                            String text = e.getTextContent().strip();
                            return text.isEmpty() ? null : text;
                        }
                    }
                }
                return null;
            } catch (Exception e) {
                throw new FactaException("cannot read " + pom + ": " + e.getMessage(), e);
            }
        }

        /** The package for a generated unit: the one given, else the base package plus the name in lower case. */
        String packageFor(String given, String name) {
            if (given != null) return Scaffold.checkPackage(given, "--package");
            if (basePackage == null) {
                throw new InvalidInputException("package", "name a package with --package: "
                        + (root == null ? "the project" : root.resolve("pom.xml")) + " has no facta.package property");
            }
            String pkg = Scaffold.checkPackage(basePackage, "facta.package") + "." + String.join("", Scaffold.words(name));
            if (!javax.lang.model.SourceVersion.isName(pkg)) {
                throw new InvalidInputException("package", "'" + pkg + "' is not a valid package (a Java keyword?); name one with --package");
            }
            return pkg;
        }
    }

    // ------------------------------------------------------------------ aggregate

    @Command(name = "aggregate", description = {"Generate a decider aggregate with its tests.",
            "<Name>Command and <Name>Event (sealed interfaces of records), <Name>Decider (state, decide, evolve),"
                    + " <Name>Storage (stream category, JSON mapping, repository); a Given/When/Then test (facta-test's"
                    + " DeciderFixture) and a repository test on the in-memory store.",
            "Needs facta-core, facta-jackson and (for tests) facta-test and JUnit 5, as 'facta init' projects have."})
    static final class Aggregate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The aggregate, in UpperCamelCase: Order, PurchaseOrder.")
        String name;

        @picocli.CommandLine.Mixin
        Target target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return generate(spec, target, checkName(name), (project, pkg) -> aggregateFiles(project, pkg, name));
        }

        static String checkName(String name) {
            return Scaffold.checkTypeName(name, Set.of());
        }
    }

    /** The files of an aggregate, checked for clashes between the names it generates and the ones it imports. */
    static List<Scaffold.GeneratedFile> aggregateFiles(Project project, String pkg, String name) {
        Aggregate.checkName(name);
        Map<String, String> v = Scaffold.nameValues(pkg, name);
        Path main = Scaffold.packageDir(project.mainJava(), pkg);
        Path test = Scaffold.packageDir(project.testJava(), pkg);
        List<Scaffold.GeneratedFile> files = List.of(
                file(main.resolve(name + "Command.java"), "aggregate/Command.java.tmpl", v),
                file(main.resolve(name + "Event.java"), "aggregate/Event.java.tmpl", v),
                file(main.resolve(name + "Decider.java"), "aggregate/Decider.java.tmpl", v),
                file(main.resolve(name + "Storage.java"), "aggregate/Storage.java.tmpl", v),
                file(test.resolve(name + "DeciderTest.java"), "aggregate/DeciderTest.java.tmpl", v),
                file(test.resolve(name + "StorageTest.java"), "aggregate/StorageTest.java.tmpl", v));
        checkNoClash(files, pkg, name);
        return files;
    }

    // ------------------------------------------------------------------ projection

    @Command(name = "projection", description = {"Generate a projection with its test.",
            "<Name> keeps one read-model document per stream (event count, last event) in a document collection;"
                    + " <Name>Test runs it in a real projection engine on the in-memory event and projection stores.",
            "Needs facta-core, facta-jackson and (for tests) JUnit 5, as 'facta init' projects have."})
    static final class ProjectionGen implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The projection class, in UpperCamelCase: OrderSummaries.")
        String name;

        @Option(names = "--category", paramLabel = "CATEGORY",
                description = "Only events of streams of this category (e.g. order for order-42); default: every event.")
        String category;

        @picocli.CommandLine.Mixin
        Target target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return generate(spec, target, Scaffold.checkTypeName(name, Set.of()),
                    (project, pkg) -> projectionFiles(project, pkg, name, category));
        }
    }

    private static final Pattern CATEGORY = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /** The files of a projection; {@code category} null for every event. */
    static List<Scaffold.GeneratedFile> projectionFiles(Project project, String pkg, String name, String category) {
        Scaffold.checkTypeName(name, Set.of());
        if (category != null && !CATEGORY.matcher(category).matches()) {
            throw new InvalidInputException("category", "--category takes a stream category: letters, digits and '_'"
                    + " (the part of a stream name before its first '-'), got '" + category + "'");
        }
        Map<String, String> v = Scaffold.nameValues(pkg, name);
        v.put("filtered", Boolean.toString(category != null));
        v.put("category", category != null ? category : "sample");
        v.put("filter", category != null ? "EventFilter.categories(\"" + category + "\")" : "EventFilter.all()");
        Path main = Scaffold.packageDir(project.mainJava(), pkg);
        Path test = Scaffold.packageDir(project.testJava(), pkg);
        List<Scaffold.GeneratedFile> files = List.of(
                file(main.resolve(name + ".java"), "projection/Projection.java.tmpl", v),
                file(test.resolve(name + "Test.java"), "projection/ProjectionTest.java.tmpl", v));
        checkNoClash(files, pkg, name);
        return files;
    }

    // ------------------------------------------------------------------ saga

    @Command(name = "saga", description = {"Generate a process manager with its test.",
            "<Name> is a state machine (a sealed interface of records) started by <Name>Started: it requests a"
                    + " confirmation and schedules a deadline, then completes on <Name>Confirmed or cancels when the"
                    + " deadline fires, ending either way; it carries the JSON mapping of its events and commands and"
                    + " runtime(...) to run it in a SagaRuntime. <Name>Test checks it Given/When/Then with facta-test's"
                    + " SagaFixture: commands issued, state, deadline scheduled and firing.",
            "Needs facta-core, facta-jackson and (for tests) facta-test and JUnit 5, as 'facta init' projects have."})
    static final class Saga implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The process manager, in UpperCamelCase: OrderFulfilment.")
        String name;

        @picocli.CommandLine.Mixin
        Target target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return generate(spec, target, checkName(name), (project, pkg) -> sagaFiles(project, pkg, name));
        }

        /** The types a process manager declares inside its class, which its own name must not repeat. */
        private static final Set<String> NESTED = Set.of("Event", "Command", "State", "AwaitingConfirmation", "Completed",
                "TimedOut");

        static String checkName(String name) {
            return Scaffold.checkTypeName(name, NESTED);
        }
    }

    /** The files of a process manager, checked for clashes between the names it generates and the ones it imports. */
    static List<Scaffold.GeneratedFile> sagaFiles(Project project, String pkg, String name) {
        Saga.checkName(name);
        Map<String, String> v = Scaffold.nameValues(pkg, name);
        Path main = Scaffold.packageDir(project.mainJava(), pkg);
        Path test = Scaffold.packageDir(project.testJava(), pkg);
        List<Scaffold.GeneratedFile> files = List.of(
                file(main.resolve(name + ".java"), "saga/ProcessManager.java.tmpl", v),
                file(test.resolve(name + "Test.java"), "saga/ProcessManagerTest.java.tmpl", v));
        checkNoClash(files, pkg, name);
        return files;
    }

    // ------------------------------------------------------------------ proto and json-schema

    /** The options both schema generators take. */
    static final class SchemaTarget {
        @Option(names = "--out", paramLabel = "DIR",
                description = "Where the generated sources go (default: src/main/java of the project in --dir).")
        Path out;

        @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
                description = "The project, for the default --out and --package (default: the current folder).")
        Path dir;

        @Option(names = "--force", description = "Overwrite generated files that were edited outside their facta:begin/facta:end"
                + " regions, and delete edited stale ones, instead of stopping with a conflict.")
        boolean force;

        /**
         * The generator's options: skeletons in {@code skeletons} (null: with the rest); a run over folders only
         * owns every earlier output of its kind, so it alone deletes the files of schemas that are gone.
         */
        dev.facta.codegen.Codegen.Options options(List<Path> inputs, Path skeletons) {
            Path o = out != null ? out.toAbsolutePath().normalize() : Project.at(dir).mainJava();
            return new dev.facta.codegen.Codegen.Options(o, skeletons == null ? o : skeletons.toAbsolutePath().normalize(),
                    force, inputs.stream().allMatch(Files::isDirectory));
        }
    }

    @Command(name = "proto", description = {"Generate records, enums and handler skeletons from .proto files (proto3).",
            "A message an rpc takes, or named *Command, or commented facta:command, is a command; one named *Event or"
                    + " commented facta:event is an event; the others are value records. Each file's commands and events"
                    + " implement the sealed interfaces <File>Command and <File>Event. A service becomes an interface with"
                    + " registerOn(CommandBus.Builder) and a <Service>Handler skeleton whose method bodies are yours; a file with"
                    + " commands and events also gets a <File>Decider skeleton, one case per command and per event.",
            "Run again after changing the schema: only changed files are rewritten, code between facta:begin and facta:end is"
                    + " kept, files of removed messages are deleted unless edited. See docs/codegen.md."})
    static final class Proto implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = ".proto files, or folders of them (imports are"
                + " relative to a folder given here, or to a --proto-path).")
        List<Path> inputs;

        @Option(names = "--proto-path", paramLabel = "DIR", description = "A folder where imports are looked up (repeatable).")
        List<Path> importPaths = new java.util.ArrayList<>();

        @Option(names = "--skeletons", paramLabel = "DIR", description = "Where handler and decider skeletons go (default: --out).")
        Path skeletons;

        @picocli.CommandLine.Mixin
        SchemaTarget target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            dev.facta.codegen.Codegen.Options options = target.options(inputs, skeletons);
            return schemaReport(spec, () -> dev.facta.codegen.Codegen.proto(inputs, importPaths, options));
        }
    }

    @Command(name = "json-schema", description = {"Generate records and enums from JSON Schema files (a draft 2020-12 subset).",
            "Each file's root object becomes a record named by its title (else the file name), each $defs entry a type of its"
                    + " own; $ref may point into the same file or another one. See docs/codegen.md."})
    static final class JsonSchema implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Schema files, or folders of *.json schemas.")
        List<Path> inputs;

        @Option(names = "--package", paramLabel = "PACKAGE",
                description = "Java package of the generated types (default: the project's facta.package from its pom.xml).")
        String pkg;

        @picocli.CommandLine.Mixin
        SchemaTarget target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            String p = pkg;
            if (p == null) {
                Project project = Project.at(target.dir);
                if (project.basePackage() == null) {
                    throw new InvalidInputException("package", "name a package with --package: the project in "
                            + project.root() + " has no facta.package property");
                }
                p = project.basePackage();
            }
            String checked = Scaffold.checkPackage(p, pkg != null ? "--package" : "facta.package");
            dev.facta.codegen.Codegen.Options options = target.options(inputs, null);
            return schemaReport(spec, () -> dev.facta.codegen.Codegen.jsonSchema(inputs, checked, options));
        }
    }

    /**
     * Runs a schema generator and lists what it did. A bad schema is a failed operation (exit 1), named with its
     * place; so is a conflict with hand-written code.
     */
    private static int schemaReport(CommandSpec spec, java.util.function.Supplier<dev.facta.codegen.GeneratedFiles.Report> run) {
        dev.facta.codegen.GeneratedFiles.Report report;
        try {
            report = run.get();
        } catch (dev.facta.codegen.CodegenException e) {
            throw new FactaException(e.getMessage() + "; nothing was written", e);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path base = Path.of("").toAbsolutePath();
        for (Path p : report.created()) out.println("created " + relative(base, p));
        for (Path p : report.updated()) out.println("updated " + relative(base, p));
        for (Path p : report.deleted()) out.println("deleted " + relative(base, p));
        for (String k : report.kept()) out.println("kept " + k);
        out.printf(Locale.ROOT, "%d created, %d updated, %d unchanged, %d deleted%n", report.created().size(),
                report.updated().size(), report.unchanged().size(), report.deleted().size());
        return Main.OK;
    }

    private static String relative(Path base, Path p) {
        return p.startsWith(base) ? base.relativize(p).toString() : p.toString();
    }

    // ------------------------------------------------------------------ shared

    /** Makes the files of one unit in a project's package. */
    @FunctionalInterface
    interface Unit {
        List<Scaffold.GeneratedFile> files(Project project, String pkg);
    }

    /** Finds the project and package of a checked name, writes the unit's files and lists them. */
    private static int generate(CommandSpec spec, Target target, String checkedName, Unit unit) {
        Project project = Project.at(target.dir);
        List<Scaffold.GeneratedFile> files = unit.files(project, project.packageFor(target.pkg, checkedName));
        Scaffold.writeAll(files);
        report(spec.commandLine().getOut(), project, files);
        return Main.OK;
    }

    private static Scaffold.GeneratedFile file(Path path, String template, Map<String, String> values) {
        return new Scaffold.GeneratedFile(path, Scaffold.template(template, values), false);
    }

    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\.(\\w+)\\s*;", Pattern.MULTILINE);
    private static final Pattern DECLARED = Pattern.compile("\\b(?:class|interface|record|enum)\\s+(\\w+)");

    /**
     * Refuses a name whose generated types would clash with a type the generated code imports from
     * elsewhere: a projection named {@code Projection}, an aggregate one of whose types would be
     * {@code DeciderRepository}.
     */
    private static void checkNoClash(List<Scaffold.GeneratedFile> files, String pkg, String name) {
        Set<String> imported = new HashSet<>();
        Set<String> declared = new HashSet<>();
        for (Scaffold.GeneratedFile f : files) {
            Matcher m = IMPORT.matcher(f.content());
            while (m.find()) {
                if (!(m.group(1) + ".").startsWith(pkg + ".")) imported.add(m.group(2));
            }
            Matcher d = DECLARED.matcher(f.content());
            while (d.find()) declared.add(d.group(1));
        }
        for (String type : declared) {
            if (imported.contains(type)) {
                throw new InvalidInputException("name", "'" + name + "' would make a type " + type
                        + " that clashes with the " + type + " the generated code imports; pick another name");
            }
        }
    }

    static void report(PrintWriter out, Project project, List<Scaffold.GeneratedFile> files) {
        Path base = project.root() == null ? Path.of("").toAbsolutePath() : project.root();
        for (Scaffold.GeneratedFile f : files) out.println("created " + base.relativize(f.path()));
        out.printf(Locale.ROOT, "%d files; build and test them with ./mvnw verify%n", files.size());
    }
}
