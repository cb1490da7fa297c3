package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.schema.Compatibility;
import dev.facta.schema.CompatibilityReport;
import dev.facta.schema.CompatibilityReport.Change;
import dev.facta.schema.CompatibilityReport.Step;
import dev.facta.schema.EventSchema;
import dev.facta.schema.SchemaDirectory;
import dev.facta.schema.SchemaRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code facta schema ...}: the event schemas of a schema folder ({@code schemas/<Type>/v<N>.json},
 * see {@link SchemaDirectory}) and whether each version can read the events of the one before.
 */
@Command(name = "schema",
        description = {"List event schemas, show one, and check that each version is compatible with the one before.",
                "Schemas are read from a folder: <dir>/<EventType>/v1.json, v2.json, ..."},
        subcommands = {SchemaCommand.ListSchemas.class, SchemaCommand.Show.class, SchemaCommand.Check.class})
final class SchemaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: list, show or check");
    }

    /** {@code --dir} and {@code --classpath}, shared by the subcommands. */
    static final class Source {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "schemas",
                description = "The schema folder: one folder per event type holding v1.json, v2.json, ... (default: ./${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--classpath", paramLabel = "PATH",
                description = "The application's classes (jars and class folders, separated by ':', or ';' on Windows;"
                        + " 'dir/*' adds every jar in dir): records named by x-facta-record and upcasters"
                        + " declared by x-facta-upcaster are loaded from them.")
        String classpath;

        /** The class loader of --classpath, or null without one. */
        URLClassLoader classLoader() {
            if (classpath == null) {
                return null;
            }
            List<URL> urls = new ArrayList<>();
            for (String entry : classpath.split(File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                if (entry.endsWith("/*") || entry.endsWith(File.separator + "*")) {
                    Path folder = Path.of(entry.substring(0, entry.length() - 2));
                    if (!Files.isDirectory(folder)) {
                        throw new InvalidInputException("classpath", "--classpath entry " + entry + ": " + folder
                                + " is not a folder");
                    }
                    try (Stream<Path> jars = Files.list(folder)) {
                        for (Path jar : (Iterable<Path>) jars.filter(p -> p.toString().endsWith(".jar")).sorted()::iterator) {
                            urls.add(url(jar));
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    continue;
                }
                Path p = Path.of(entry);
                if (!Files.exists(p)) {
                    throw new InvalidInputException("classpath", "--classpath entry " + entry + " does not exist");
                }
                urls.add(url(p));
            }
            return new URLClassLoader(urls.toArray(URL[]::new), SchemaCommand.class.getClassLoader());
        }

        private static URL url(Path p) {
            try {
                return p.toAbsolutePath().toUri().toURL();
            } catch (MalformedURLException e) {
                throw new InvalidInputException("classpath", "--classpath entry " + p + " is not a usable path");
            }
        }

        /** What a subcommand does with the schemas of --dir and the class loader of --classpath (null without one). */
        interface Work {
            int run(SchemaRegistry registry, ClassLoader loader);
        }

        /** Loads the schemas of --dir, records resolved through --classpath, runs {@code work}, closes the loader. */
        int run(Work work) throws IOException {
            try (URLClassLoader loader = classLoader()) {
                SchemaRegistry registry = SchemaRegistry.create();
                SchemaDirectory.load(dir, registry, loader);
                return work.run(registry, loader);
            }
        }
    }

    @Command(name = "list", description = "List the event types of the schema folder with their versions.")
    static final class ListSchemas implements Callable<Integer> {
        @Mixin
        Source source;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            return source.run((registry, loader) -> {
                if (registry.eventTypes().isEmpty()) {
                    out.println("no schemas in " + source.dir);
                    return Main.OK;
                }
                out.printf("%-40s %-16s %s%n", "EVENT TYPE", "VERSIONS", "UPCASTERS");
                for (String type : registry.eventTypes()) {
                    List<Integer> versions = registry.versions(type);
                    String upcasters = versions.stream()
                            .map(v -> registry.schema(type, v).orElseThrow())
                            .filter(s -> s.upcaster().isPresent())
                            .map(s -> "v" + s.version() + ": " + s.upcaster().get())
                            .collect(Collectors.joining(", "));
                    out.printf("%-40s %-16s %s%n", type,
                            versions.stream().map(String::valueOf).collect(Collectors.joining(", ")),
                            upcasters.isEmpty() ? "-" : upcasters);
                }
                return Main.OK;
            });
        }
    }

    @Command(name = "show", description = "Print the JSON Schema of an event type (its latest version unless --version is given).")
    static final class Show implements Callable<Integer> {
        private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

        @Mixin
        Source source;

        @Parameters(index = "0", paramLabel = "TYPE", description = "The event type, e.g. OrderPlaced.")
        String type;

        @Option(names = "--version", paramLabel = "N", description = "The schema version (default: the latest).")
        Integer version;

        // --version here is the schema's, so the inherited standard options stand aside; help stays
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (version != null && version < 1) {
                throw new InvalidInputException("version", "--version must be at least 1, got " + version);
            }
            return source.run((registry, loader) -> {
                requireType(registry, type, source.dir);
                EventSchema schema = version == null ? registry.latest(type).orElseThrow()
                        : registry.schema(type, version).orElseThrow(() -> new InvalidInputException("version",
                        "event type '" + type + "' has no schema version " + version + "; its versions are "
                                + versions(registry, type)));
                var node = schema.schema();
                schema.upcaster().ifPresent(u -> node.put(EventSchema.UPCASTER_KEY, u));
                spec.commandLine().getOut().println(JSON.writeValueAsString(node));
                return Main.OK;
            });
        }
    }

    @Command(name = "check", description = {
            "Compare each schema version with the one before and report breaking changes.",
            "Exit code 0 when every change is compatible or covered by an upcaster, 1 when a breaking change is not."})
    static final class Check implements Callable<Integer> {
        @Mixin
        Source source;

        @Parameters(index = "0", arity = "0..1", paramLabel = "TYPE", description = "Check only this event type (default: all).")
        String type;

        @Option(names = "--quiet", description = "Print only the steps with breaking changes.")
        boolean quiet;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<String> failures = new ArrayList<>();
            source.run((registry, loader) -> {
                List<String> types;
                if (type != null) {
                    requireType(registry, type, source.dir);
                    types = List.of(type);
                } else {
                    types = List.copyOf(registry.eventTypes());
                }
                if (types.isEmpty()) {
                    out.println("no schemas in " + source.dir);
                }
                for (String t : types) {
                    print(out, registry, Compatibility.check(registry, t, loader), failures);
                }
                return Main.OK;
            });
            if (!failures.isEmpty()) {
                throw new FactaException("schema check failed: " + failures.size() + " breaking change"
                        + (failures.size() == 1 ? "" : "s") + " not covered by an upcaster: " + String.join("; ", failures));
            }
            return Main.OK;
        }

        private void print(PrintWriter out, SchemaRegistry registry, CompatibilityReport report, List<String> failures) {
            String t = report.eventType();
            if (report.steps().isEmpty()) {
                if (!quiet) {
                    out.println(t + " v" + registry.versions(t).getFirst() + ": only one version, nothing to compare");
                }
                return;
            }
            for (Step step : report.steps()) {
                List<Change> breaking = step.breaking();
                if (quiet && breaking.isEmpty()) {
                    continue;
                }
                String head = t + " v" + step.fromVersion() + " -> v" + step.toVersion() + ": ";
                if (breaking.isEmpty()) {
                    out.println(head + (step.changes().isEmpty() ? "no changes" : "compatible"));
                } else if (step.ok()) {
                    out.println(head + breaking.size() + " breaking change" + (breaking.size() == 1 ? "" : "s")
                            + ", covered by upcaster " + step.upcaster() + " (" + coverage(step) + ")");
                } else {
                    out.println(head + "BREAKING, " + (step.upcaster() == null ? "no upcaster"
                            : "upcaster " + step.upcaster() + " unusable: " + step.note()));
                    for (Change c : breaking) {
                        failures.add(t + " v" + step.fromVersion() + " -> v" + step.toVersion() + " field "
                                + field(c) + " (" + c.description() + ")");
                    }
                }
                for (Change c : step.changes()) {
                    out.println("  " + (c.breaking() ? "breaking " : "ok       ") + field(c) + ": " + c.description());
                }
            }
        }

        private static String coverage(Step step) {
            return switch (step.coverage()) {
                case REGISTERED -> "registered";
                case VERIFIED -> step.note().isEmpty() ? "verified" : "verified; " + step.note();
                case DECLARED_UNVERIFIED -> "declared, not verified: give --classpath to check it";
                case NONE, INVALID -> step.note();
            };
        }

        private static String field(Change c) {
            return c.field().isEmpty() ? "(the whole event)" : c.field();
        }
    }

    private static void requireType(SchemaRegistry registry, String type, Path dir) {
        if (!registry.has(type)) {
            throw new InvalidInputException("type", "no schema for event type '" + type + "' in " + dir + "; types: "
                    + (registry.eventTypes().isEmpty() ? "none" : String.join(", ", registry.eventTypes())));
        }
    }

    private static String versions(SchemaRegistry registry, String type) {
        return registry.versions(type).stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}
