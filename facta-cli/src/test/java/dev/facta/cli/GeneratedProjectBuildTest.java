package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promise of {@code facta init} and {@code facta generate}: the project builds and its tests pass.
 * A project is created (installing the Facta jars into a fresh local repository), an aggregate, a
 * projection and a process manager are generated into it, and the project's own Maven wrapper builds
 * it offline. The fresh repository is the head of a chained local repository whose tail is this
 * machine's, so Facta comes from what {@code init} installed and everything else (plugins, JUnit,
 * Jackson) from what this machine's builds already downloaded.
 */
class GeneratedProjectBuildTest {
    @TempDir
    Path temp;

    @Test
    void an_initialized_project_with_generated_code_builds_and_passes_its_tests() throws Exception {
        Path repo = temp.resolve("m2");
        Path project = temp.resolve("shop");
        Facta init = Facta.run("init", project.toString(), "--package", "com.example.shop", "--maven-repo", repo.toString());
        assertThat(init.exitCode()).as(init.toString()).isZero();
        Facta aggregate = Facta.run("generate", "aggregate", "PurchaseOrder", "--dir", project.toString());
        assertThat(aggregate.exitCode()).as(aggregate.toString()).isZero();
        Facta projection = Facta.run("generate", "projection", "OrderSummaries", "--category", "purchase_order",
                "--dir", project.toString());
        assertThat(projection.exitCode()).as(projection.toString()).isZero();
        Facta saga = Facta.run("generate", "saga", "OrderFulfilment", "--dir", project.toString());
        assertThat(saga.exitCode()).as(saga.toString()).isZero();
        assertThat(FactaArtifacts.directory(repo, "facta-core", FactaArtifacts.version())).isDirectory();

        Path log = temp.resolve("build.log");
        ProcessBuilder pb = new ProcessBuilder(List.of(project.resolve("mvnw").toString(), "-B", "-o",
                "-Dmaven.repo.local=" + repo, "-Dmaven.repo.local.tail=" + FactaArtifacts.defaultLocalRepository(), "verify"))
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // the outer build's wrapper settings must not leak into the project's own build
        env.keySet().removeIf(k -> k.startsWith("MAVEN_") && !k.equals("MAVEN_OPTS"));
        Process maven = pb.start();
        boolean done = maven.waitFor(10, TimeUnit.MINUTES);
        if (!done) maven.destroyForcibly();
        String output = read(log);

        assertThat(done).as("the build ended within 10 minutes\n" + output).isTrue();
        assertThat(maven.exitValue()).as(output).isZero();
        assertThat(output).contains("BUILD SUCCESS");
        // 7 + 2 (Task) + 2 (TaskActivity) + 2 (App) + 7 + 2 (PurchaseOrder) + 2 (OrderSummaries) + 8 (OrderFulfilment)
        assertThat(output).as(output).contains("Tests run: 32, Failures: 0, Errors: 0, Skipped: 0");
        for (String test : List.of("task.TaskDeciderTest", "task.TaskStorageTest", "task.TaskActivityTest", "AppTest",
                "purchaseorder.PurchaseOrderDeciderTest", "purchaseorder.PurchaseOrderStorageTest",
                "ordersummaries.OrderSummariesTest", "orderfulfilment.OrderFulfilmentTest")) {
            assertThat(project.resolve("target/surefire-reports/com.example.shop." + test + ".txt")).as(test).exists();
        }
        assertThat(project.resolve("target/shop-0.1.0-SNAPSHOT.jar")).isRegularFile();
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no output)";
    }
}
