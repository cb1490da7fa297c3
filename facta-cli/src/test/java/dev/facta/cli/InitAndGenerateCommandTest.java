package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code facta init} and {@code facta generate} without Maven: what they write and refuse, what they
 * install into a local Maven repository, and that the code they generate for PostgreSQL compiles (the
 * SQLite flavour is built and tested by Maven in {@link GeneratedProjectBuildTest}).
 */
class InitAndGenerateCommandTest {
    @TempDir
    Path temp;

    private Facta init(String... args) {
        String[] all = Stream.concat(Stream.of("init"), Stream.concat(Stream.of(args),
                Stream.of("--maven-repo", temp.resolve("m2").toString()))).toArray(String[]::new);
        return Facta.run(all);
    }

    @Test
    void init_writes_a_project_and_installs_the_facta_jars_it_needs() throws IOException {
        Path project = temp.resolve("shop");
        Facta r = init(project.toString(), "--package", "com.example.shop");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("installed facta-parent, facta-core, facta-test, facta-jackson, facta-sqlite")
                .contains("created " + project + " (package com.example.shop, sqlite store)");
        assertThat(project.resolve("pom.xml")).content()
                .contains("<groupId>com.example.shop</groupId>", "<artifactId>shop</artifactId>",
                        "<artifactId>facta-sqlite</artifactId>", "<facta.package>com.example.shop</facta.package>",
                        "<facta.version>" + FactaArtifacts.version() + "</facta.version>")
                .doesNotContain("{{");
        for (String f : List.of("README.md", ".gitignore", "mvnw", "mvnw.cmd", ".mvn/wrapper/maven-wrapper.properties",
                ".mvn/find-jdk.sh", "src/main/java/com/example/shop/App.java",
                "src/main/java/com/example/shop/task/TaskDecider.java", "src/main/java/com/example/shop/task/TaskActivity.java",
                "src/test/java/com/example/shop/task/TaskDeciderTest.java", "src/test/java/com/example/shop/task/TaskActivityTest.java",
                "src/test/java/com/example/shop/AppTest.java")) {
            assertThat(project.resolve(f)).as(f).isRegularFile();
        }
        assertThat(Files.getPosixFilePermissions(project.resolve("mvnw"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(project.resolve("src/test/java/com/example/shop/task/TaskDeciderTest.java")).content()
                .contains("DeciderFixture.of(new TaskDecider())");

        // the jars are the very ones the CLI runs on, with their poms and the parent pom they inherit from
        Path repo = temp.resolve("m2");
        for (FactaArtifacts.Artifact a : FactaArtifacts.onClassPath()) {
            Path dir = FactaArtifacts.directory(repo, a.artifactId(), FactaArtifacts.version());
            String base = a.artifactId() + "-" + FactaArtifacts.version();
            assertThat(dir.resolve(base + ".pom")).as(a.artifactId()).content().contains("<artifactId>" + a.artifactId() + "</artifactId>");
            assertThat(dir.resolve("_remote.repositories")).content().contains(base + ".pom>=");
            if (a.jar() != null) assertThat(Files.mismatch(a.jar(), dir.resolve(base + ".jar"))).isEqualTo(-1L);
        }
        assertThat(FactaArtifacts.directory(repo, "facta-parent", FactaArtifacts.version())
                .resolve("facta-parent-" + FactaArtifacts.version() + ".pom")).content().contains("<module>facta-core</module>");

        // a second project finds them installed
        Facta again = init(temp.resolve("other").toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).doesNotContain("installed").contains("(package com.example.other, sqlite store)");
    }

    @Test
    void init_refuses_a_folder_with_something_in_it_and_writes_nothing() throws IOException {
        Path project = Files.createDirectories(temp.resolve("busy"));
        Files.writeString(project.resolve("notes.txt"), "mine");

        Facta r = init(project.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("is not empty");
        try (Stream<Path> files = Files.list(project)) {
            assertThat(files).containsExactly(project.resolve("notes.txt"));
        }
        assertThat(temp.resolve("m2")).doesNotExist();

        Facta onFile = init(project.resolve("notes.txt").toString());
        assertThat(onFile.exitCode()).isEqualTo(1);
        assertThat(onFile.err()).contains("is a file");
    }

    @Test
    void init_refuses_bad_package_names_and_stores_as_bad_usage() {
        for (String pkg : List.of("com.example.class", "com..shop", "1shop", "com.example-shop", "java.shop", "")) {
            Facta r = init(temp.resolve("p").toString(), "--package", pkg);
            assertThat(r.exitCode()).as(pkg + ": " + r).isEqualTo(2);
            assertThat(r.errLines()).hasSize(1);
        }
        Facta store = init(temp.resolve("p").toString(), "--store", "mysql");
        assertThat(store.exitCode()).isEqualTo(2);
        assertThat(store.err()).contains("--store must be sqlite or postgres");
        assertThat(temp.resolve("p")).doesNotExist();
    }

    @Test
    void generate_refuses_to_overwrite_and_writes_nothing_then() throws IOException {
        Path project = temp.resolve("shop");
        assertThat(init(project.toString()).exitCode()).isZero();
        Facta first = Facta.run("generate", "aggregate", "Order", "--dir", project.toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.outLines()).contains("created src/main/java/com/example/shop/order/OrderDecider.java",
                "created src/test/java/com/example/shop/order/OrderDeciderTest.java");
        Path decider = project.resolve("src/main/java/com/example/shop/order/OrderDecider.java");
        Files.writeString(decider, "// edited by hand");
        Files.delete(project.resolve("src/main/java/com/example/shop/order/OrderEvent.java"));

        Facta again = Facta.run("generate", "aggregate", "Order", "--dir", project.toString());

        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains("refusing to overwrite").contains("OrderDecider.java").contains("nothing was written");
        assertThat(decider).hasContent("// edited by hand");
        assertThat(project.resolve("src/main/java/com/example/shop/order/OrderEvent.java")).doesNotExist();
    }

    @Test
    void generate_checks_names_packages_and_the_project_before_writing() throws IOException {
        Path project = temp.resolve("shop");
        assertThat(init(project.toString()).exitCode()).isZero();
        String dir = project.toString();

        for (String name : List.of("order", "Order-Lines", "String", "Import", "A".repeat(41))) {
            Facta r = Facta.run("generate", "aggregate", name, "--dir", dir);
            assertThat(r.exitCode()).as(name + ": " + r).isEqualTo(2);
        }
        assertThat(Facta.run("generate", "projection", "Projection", "--dir", dir).err()).contains("clashes");
        assertThat(Facta.run("generate", "projection", "Totals", "--category", "order-line", "--dir", dir).exitCode()).isEqualTo(2);
        assertThat(Facta.run("generate", "aggregate", "Order", "--package", "com.shop.new", "--dir", dir).exitCode()).isEqualTo(2);

        Facta noProject = Facta.run("generate", "aggregate", "Order", "--dir", Files.createDirectories(temp.resolve("empty")).toString());
        assertThat(noProject.exitCode()).isEqualTo(1);
        assertThat(noProject.err()).contains("no project in");

        // a project of its own, without facta.package: --package is needed, and taken as it is
        Path plain = Files.createDirectories(temp.resolve("plain/src/main/java"));
        Facta noPackage = Facta.run("generate", "projection", "Totals", "--dir", temp.resolve("plain").toString());
        assertThat(noPackage.exitCode()).isEqualTo(2);
        assertThat(noPackage.err()).contains("--package");
        Facta fromSrc = Facta.run("generate", "projection", "Totals", "--package", "org.acme.read",
                "--dir", temp.resolve("plain/src").toString());
        assertThat(fromSrc.exitCode()).as(fromSrc.toString()).isZero();
        assertThat(temp.resolve("plain/src/main/java/org/acme/read/Totals.java")).isRegularFile();
        assertThat(temp.resolve("plain/src/test/java/org/acme/read/TotalsTest.java")).isRegularFile();

        try (Stream<Path> files = Files.walk(project.resolve("src/main/java/com/example/shop"))) {
            assertThat(files.filter(Files::isDirectory).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("shop", "task");
        }
    }

    @Test
    void generate_saga_writes_a_process_manager_and_its_test_and_keeps_the_generators_rules() throws IOException {
        Path project = temp.resolve("shop");
        assertThat(init(project.toString()).exitCode()).isZero();
        String dir = project.toString();

        Facta r = Facta.run("generate", "saga", "OrderFulfilment", "--dir", dir);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.outLines()).containsExactly(
                "created src/main/java/com/example/shop/orderfulfilment/OrderFulfilment.java",
                "created src/test/java/com/example/shop/orderfulfilment/OrderFulfilmentTest.java",
                "2 files; build and test them with ./mvnw verify");
        Path source = project.resolve("src/main/java/com/example/shop/orderfulfilment/OrderFulfilment.java");
        assertThat(source).content()
                .contains("package com.example.shop.orderfulfilment;")
                .contains("public static final String NAME = \"order-fulfilment\";")
                .contains("public record OrderFulfilmentStarted(String id) implements Event")
                .contains(".startedBy(\"OrderFulfilmentStarted\", OrderFulfilmentStarted.class")
                .contains(".on(\"OrderFulfilmentConfirmed\", OrderFulfilmentConfirmed.class")
                .contains(".onDeadline(CONFIRMATION_TIMEOUT")
                .doesNotContain("{{");
        assertThat(project.resolve("src/test/java/com/example/shop/orderfulfilment/OrderFulfilmentTest.java")).content()
                .contains("SagaFixture.of(OrderFulfilment.PROCESS)").doesNotContain("{{");

        // nothing is overwritten, and a refused run writes nothing
        Files.writeString(source, "// edited by hand");
        Files.delete(project.resolve("src/test/java/com/example/shop/orderfulfilment/OrderFulfilmentTest.java"));
        Facta again = Facta.run("generate", "saga", "OrderFulfilment", "--dir", dir);
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains("refusing to overwrite").contains("OrderFulfilment.java").contains("nothing was written");
        assertThat(source).hasContent("// edited by hand");
        assertThat(project.resolve("src/test/java/com/example/shop/orderfulfilment/OrderFulfilmentTest.java")).doesNotExist();

        // names: bad shapes, java.lang types and the types it declares inside itself are bad usage
        for (String name : List.of("shipping", "Order-Fulfilment", "Object", "State", "Event", "Command", "Completed",
                "A".repeat(41))) {
            Facta bad = Facta.run("generate", "saga", name, "--dir", dir);
            assertThat(bad.exitCode()).as(name + ": " + bad).isEqualTo(2);
            assertThat(bad.out()).as(name).isEmpty();
        }
        for (String name : List.of("ProcessManager", "SagaRuntime", "Duration", "SagaFixture")) {
            Facta clash = Facta.run("generate", "saga", name, "--dir", dir);
            assertThat(clash.exitCode()).as(name + ": " + clash).isEqualTo(2);
            assertThat(clash.err()).as(name).contains("clashes");
        }
        assertThat(Facta.run("generate", "saga", "Shipping", "--package", "com.shop.new", "--dir", dir).exitCode()).isEqualTo(2);
        assertThat(Facta.run("generate", "saga", "--dir", dir).exitCode()).isEqualTo(2);
        Facta noProject = Facta.run("generate", "saga", "Shipping", "--dir",
                Files.createDirectories(temp.resolve("empty")).toString());
        assertThat(noProject.exitCode()).isEqualTo(1);
        assertThat(noProject.err()).contains("no project in");

        try (Stream<Path> files = Files.walk(project.resolve("src/main/java/com/example/shop"))) {
            assertThat(files.filter(Files::isDirectory).map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("shop", "task", "orderfulfilment");
        }
    }

    @Test
    void the_postgres_flavour_and_generated_units_compile() throws IOException {
        Path project = temp.resolve("pgshop");
        Facta r = init(project.toString(), "--store", "postgres", "--package", "org.acme.pg");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Facta.run("generate", "aggregate", "PurchaseOrder", "--dir", project.toString()).exitCode()).isZero();
        assertThat(Facta.run("generate", "projection", "OrderTotals", "--dir", project.toString()).exitCode()).isZero();
        assertThat(Facta.run("generate", "saga", "OrderFulfilment", "--dir", project.toString()).exitCode()).isZero();
        assertThat(project.resolve("pom.xml")).content().contains("<artifactId>facta-postgres</artifactId>")
                .doesNotContain("facta-sqlite").doesNotContain("enable-native-access");
        assertThat(project.resolve("src/main/java/org/acme/pg/App.java")).content()
                .contains("case PostgresEventStore s -> PostgresProjectionStore.on(s);")
                .contains("postgresql://postgres@127.0.0.1:5432/postgres");
        assertThat(project.resolve("src/main/java/org/acme/pg/purchaseorder/PurchaseOrderStorage.java")).content()
                .contains("CATEGORY = \"purchase_order\"");

        List<Path> sources;
        try (Stream<Path> files = Files.walk(project.resolve("src"))) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).hasSize(20);
        compile(sources, Files.createDirectories(temp.resolve("classes")));
    }

    /** Compiles with this JVM's compiler against the test class path (Facta, JUnit), failing with the diagnostics. */
    private static void compile(List<Path> sources, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "21", "-Xlint:all,-processing,-serial,-path", "-Werror",
                    "-d", out.toString(), "-cp", System.getProperty("java.class.path"));
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
            StringBuilder report = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) report.append(d).append('\n');
            assertThat(ok).as(report.toString()).isTrue();
            assertThat(diagnostics.getDiagnostics()).as(report.toString()).isEmpty();
        }
    }
}
