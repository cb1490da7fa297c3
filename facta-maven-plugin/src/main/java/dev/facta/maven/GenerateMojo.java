package dev.facta.maven;

import dev.facta.FactaException;
import dev.facta.codegen.Codegen;
import dev.facta.codegen.CodegenException;
import dev.facta.codegen.GeneratedFiles;
import dev.facta.codegen.GenerationConflictException;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code facta:generate}: regenerates Java sources from the project's {@code .proto} files and JSON Schemas in
 * every build, writing only what changed. Records, enums and interfaces go to {@code outputDirectory}
 * (added as a compile source root); handler skeletons, meant to be edited between their
 * {@code facta:begin}/{@code facta:end} lines, go to {@code skeletonDirectory} ({@code src/main/java}), where
 * regeneration keeps those edits. A bad schema or an edit regeneration would overwrite fails the build and
 * writes nothing.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class GenerateMojo extends AbstractMojo {

    /** The folder of {@code .proto} files (imports are relative to it); skipped when it does not exist. */
    @Parameter(property = "facta.protoDirectory", defaultValue = "${project.basedir}/src/main/proto")
    File protoDirectory;

    /** More folders where {@code .proto} imports are looked up; nothing is generated from them. */
    @Parameter
    List<File> protoImportPaths = new ArrayList<>();

    /** The folder of JSON Schema files ({@code *.json}); skipped when it does not exist. */
    @Parameter(property = "facta.jsonSchemaDirectory", defaultValue = "${project.basedir}/src/main/jsonschema")
    File jsonSchemaDirectory;

    /** The Java package of the types generated from JSON Schema; required when there are schemas. */
    @Parameter(property = "facta.jsonSchemaPackage")
    String jsonSchemaPackage;

    /** Where records, enums and interfaces go; added to the compile source roots. */
    @Parameter(property = "facta.outputDirectory", defaultValue = "${project.build.directory}/generated-sources/facta")
    File outputDirectory;

    /** Where handler skeletons go: a folder under version control, since they hold your code. */
    @Parameter(property = "facta.skeletonDirectory", defaultValue = "${project.basedir}/src/main/java")
    File skeletonDirectory;

    /** Overwrite generated files edited outside their regions (and delete stale edited ones) instead of failing. */
    @Parameter(property = "facta.force", defaultValue = "false")
    boolean force;

    /** Skip the goal. */
    @Parameter(property = "facta.skip", defaultValue = "false")
    boolean skip;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("facta:generate skipped");
            return;
        }
        Path out = outputDirectory.toPath();
        Path skeletons = skeletonDirectory.toPath();
        try {
            if (protoDirectory != null && Files.isDirectory(protoDirectory.toPath())) {
                List<Path> imports = protoImportPaths == null ? List.of() : protoImportPaths.stream().map(File::toPath).toList();
                report("proto", Codegen.proto(List.of(protoDirectory.toPath()), imports,
                        new Codegen.Options(out, skeletons, force, true)));
            } else {
                getLog().debug("no .proto folder at " + protoDirectory);
            }
            if (jsonSchemaDirectory != null && Files.isDirectory(jsonSchemaDirectory.toPath())) {
                if (jsonSchemaPackage == null || jsonSchemaPackage.isBlank()) {
                    throw new MojoFailureException("facta:generate: " + jsonSchemaDirectory + " holds JSON Schemas but no"
                            + " <jsonSchemaPackage> is configured for the types generated from them");
                }
                report("JSON Schema", Codegen.jsonSchema(List.of(jsonSchemaDirectory.toPath()), jsonSchemaPackage,
                        new Codegen.Options(out, null, force, true)));
            } else {
                getLog().debug("no JSON Schema folder at " + jsonSchemaDirectory);
            }
        } catch (CodegenException e) {
            String at = e.getMessage().contains(e.location()) ? "" : " (at " + e.location() + ")";
            throw new MojoFailureException("facta:generate: " + e.getMessage() + at + "; nothing was written", e);
        } catch (GenerationConflictException e) {
            throw new MojoFailureException("facta:generate: " + e.getMessage(), e);
        } catch (FactaException e) {
            throw new MojoExecutionException("facta:generate: " + e.getMessage(), e);
        }
        if (project != null) {
            project.addCompileSourceRoot(out.toAbsolutePath().toString());
            project.addCompileSourceRoot(skeletons.toAbsolutePath().toString());
        }
    }

    private void report(String what, GeneratedFiles.Report r) {
        getLog().info(String.format("facta:generate from %s: %d created, %d updated, %d unchanged, %d deleted",
                what, r.created().size(), r.updated().size(), r.unchanged().size(), r.deleted().size()));
        for (Path p : r.created()) getLog().debug("created " + p);
        for (Path p : r.updated()) getLog().debug("updated " + p);
        for (Path p : r.deleted()) getLog().info("deleted " + p);
        for (String k : r.kept()) getLog().warn(k);
    }
}
