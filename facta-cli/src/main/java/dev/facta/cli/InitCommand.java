package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code facta init <dir>}: a new Maven project that builds and passes its tests at once: a sample
 * decider with Given/When/Then tests, a projection tested on a real engine, an {@code App} wiring both
 * to a store, the Maven wrapper, and a README.
 *
 * <p>Facta is not on Maven Central, so the command first installs the Facta jars it runs on into the
 * local Maven repository when they are not there yet (see {@link FactaArtifacts}); the new project
 * then resolves {@code dev.facta} like any other dependency, online or offline.
 */
@Command(name = "init",
        description = {"Create a new project: Maven (with the wrapper), Java 21, a sample decider aggregate and a projection with tests,"
                + " an App wiring them to a store, and a README. It builds and passes its tests as created.",
                "Installs the Facta jars this command runs on into the local Maven repository when they are missing there,"
                        + " since Facta is not on Maven Central."})
final class InitCommand implements Callable<Integer> {
    static final String SAMPLE = "Task";
    static final String SAMPLE_PROJECTION = "TaskActivity";

    @Parameters(index = "0", paramLabel = "DIR", description = "The new project's folder; must not exist or be empty.")
    Path dir;

    @Option(names = "--package", paramLabel = "PACKAGE",
            description = "Base Java package (default: com.example.<folder name>); also the Maven groupId.")
    String pkg;

    @Option(names = "--store", paramLabel = "STORE", defaultValue = "sqlite", completionCandidates = StoreKinds.class,
            description = "The store the project uses: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String store;

    @Option(names = "--maven-repo", paramLabel = "DIR",
            description = "The local Maven repository to install Facta into (default: Maven's own: -Dmaven.repo.local,"
                    + " else <localRepository> of ~/.m2/settings.xml, else ~/.m2/repository).")
    Path mavenRepo;

    @Spec
    CommandSpec spec;

    /** The stores a new project can use. */
    static final class StoreKinds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("sqlite", "postgres").iterator();
        }
    }

    @Override
    public Integer call() throws IOException {
        // every check before anything is written
        if (!store.equals("sqlite") && !store.equals("postgres")) {
            throw new InvalidInputException("store", "--store must be sqlite or postgres, got '" + store + "'");
        }
        Path target = dir.toAbsolutePath().normalize();
        String folder = target.getFileName() == null ? "app" : target.getFileName().toString();
        String basePackage = pkg != null ? Scaffold.checkPackage(pkg, "--package") : defaultPackage(folder);
        checkTarget(target);

        List<FactaArtifacts.Artifact> artifacts = FactaArtifacts.onClassPath();
        Path repository = mavenRepo != null ? mavenRepo.toAbsolutePath().normalize() : FactaArtifacts.defaultLocalRepository();
        List<Scaffold.GeneratedFile> files = projectFiles(target, basePackage, artifactId(folder), store, repository);

        PrintWriter out = spec.commandLine().getOut();
        List<String> installed = FactaArtifacts.installMissing(artifacts, repository);
        if (!installed.isEmpty()) {
            out.println("installed " + String.join(", ", installed) + " " + FactaArtifacts.version() + " into " + repository);
        }
        Scaffold.writeAll(files);
        out.println("created " + target + " (package " + basePackage + ", " + store + " store), " + files.size() + " files");
        out.println();
        out.println("next:");
        out.println("  cd " + dir);
        out.println("  ./mvnw verify                 # build and run the tests");
        out.println("  ./mvnw -q compile exec:java   # run the sample");
        out.println("  facta generate aggregate Order");
        return Main.OK;
    }

    /** Refuses a file, or a folder with anything in it. */
    private static void checkTarget(Path target) throws IOException {
        if (Files.isRegularFile(target)) throw new FactaException(target + " is a file; give a new or empty folder for the project");
        if (Files.isDirectory(target)) {
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new FactaException(target + " is not empty; give a new or empty folder for the project (nothing was written)");
                }
            }
        }
    }

    /** {@code com.example.} plus the folder's letters and digits in lower case. */
    static String defaultPackage(String folder) {
        String name = folder.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        if (name.isEmpty() || !Character.isLetter(name.charAt(0))) name = "app" + name;
        String pkg = "com.example." + name;
        if (!javax.lang.model.SourceVersion.isName(pkg)) {
            throw new InvalidInputException("package", "the folder name gives no valid package ('" + pkg + "'); name one with --package");
        }
        return pkg;
    }

    /** The folder's name as a Maven artifactId: lower-case letters, digits, '-', '_' and '.'. */
    static String artifactId(String folder) {
        String id = folder.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-._]+|[-._]+$", "");
        return id.isEmpty() ? "app" : id;
    }

    /** Every file of a new project. */
    static List<Scaffold.GeneratedFile> projectFiles(Path root, String basePackage, String artifactId, String store,
                                                     Path mavenRepository) {
        FactaArtifacts.ParentPom parent = FactaArtifacts.ParentPom.of(FactaArtifacts.parentPom());
        boolean sqlite = store.equals("sqlite");
        String samplePackage = String.join("", Scaffold.words(SAMPLE));
        Map<String, String> v = new java.util.LinkedHashMap<>();
        v.put("package", basePackage);
        v.put("package-path", basePackage.replace('.', '/'));
        v.put("group-id", basePackage);
        v.put("artifact-id", artifactId);
        v.put("store", store);
        v.put("sqlite", Boolean.toString(sqlite));
        v.put("store-title", sqlite ? "embedded SQLite" : "PostgreSQL");
        v.put("default-store", sqlite ? "sqlite:./data/" + artifactId + ".db" : "postgresql://postgres@127.0.0.1:5432/postgres");
        v.put("store-class", sqlite ? "SqliteEventStore" : "PostgresEventStore");
        v.put("store-class-import", sqlite ? "dev.facta.sqlite.SqliteEventStore" : "dev.facta.postgres.PostgresEventStore");
        v.put("projection-store-class", sqlite ? "SqliteProjectionStore" : "PostgresProjectionStore");
        v.put("projection-store-class-import", sqlite ? "dev.facta.sqlite.SqliteProjectionStore" : "dev.facta.postgres.PostgresProjectionStore");
        v.put("facta-version", parent.version());
        v.put("maven-repo", mavenRepository.resolve("dev/facta").toString());
        v.put("junit-version", parent.junitVersion());
        for (String plugin : List.of("clean", "resources", "compiler", "surefire", "jar", "install")) {
            v.put(plugin + "-plugin-version", parent.plugin("maven-" + plugin + "-plugin"));
        }
        v.put("Sample", SAMPLE);
        v.put("sample-words", Scaffold.spaced(SAMPLE));
        v.put("sample-package", samplePackage);
        v.put("Projection", SAMPLE_PROJECTION);
        v.put("projection-package", samplePackage);

        Path mainJava = root.resolve("src/main/java");
        Path testJava = root.resolve("src/test/java");
        Path basePath = Scaffold.packageDir(mainJava, basePackage);
        List<Scaffold.GeneratedFile> files = new ArrayList<>();
        files.add(new Scaffold.GeneratedFile(root.resolve("pom.xml"), Scaffold.template("project/pom.xml.tmpl", v), false));
        files.add(new Scaffold.GeneratedFile(root.resolve("README.md"), Scaffold.template("project/README.md.tmpl", v), false));
        files.add(new Scaffold.GeneratedFile(root.resolve(".gitignore"), Scaffold.template("project/gitignore.tmpl", v), false));
        files.add(new Scaffold.GeneratedFile(basePath.resolve("App.java"), Scaffold.template("project/App.java.tmpl", v), false));
        files.add(new Scaffold.GeneratedFile(Scaffold.packageDir(testJava, basePackage).resolve("AppTest.java"),
                Scaffold.template("project/AppTest.java.tmpl", v), false));
        // the Maven wrapper Facta builds with, including its search for a JDK 21+
        files.add(wrapperFile(root, "mvnw", true));
        files.add(wrapperFile(root, "mvnw.cmd", false));
        files.add(wrapperFile(root, ".mvn/wrapper/maven-wrapper.properties", false));
        files.add(wrapperFile(root, ".mvn/find-jdk.sh", false));
        files.add(wrapperFile(root, ".mvn/jvm.config", false));

        GenerateCommand.Project project = new GenerateCommand.Project(root, mainJava, testJava, basePackage);
        String samplePkg = basePackage + "." + samplePackage;
        files.addAll(GenerateCommand.aggregateFiles(project, samplePkg, SAMPLE));
        files.addAll(GenerateCommand.projectionFiles(project, samplePkg, SAMPLE_PROJECTION, Scaffold.snake(SAMPLE)));
        return files;
    }

    private static Scaffold.GeneratedFile wrapperFile(Path root, String name, boolean executable) {
        return new Scaffold.GeneratedFile(root.resolve(name), FactaArtifacts.resource(FactaArtifacts.CHECKOUT + name), executable);
    }
}
