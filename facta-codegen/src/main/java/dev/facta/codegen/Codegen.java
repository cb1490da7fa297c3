package dev.facta.codegen;

import dev.facta.codegen.CodeModel.Unit;
import dev.facta.codegen.GeneratedFiles.Report;
import dev.facta.codegen.GeneratedFiles.Target;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The code generator's entry points, shared by {@code facta generate proto|json-schema} and the Maven
 * plugin: read the schemas, then write the Java files incrementally ({@link GeneratedFiles}).
 */
public final class Codegen {

    private Codegen() {
    }

    /**
     * Where generated files go and how stale ones are treated.
     *
     * @param outputDirectory   records, enums and interfaces (rewritten on every change)
     * @param skeletonDirectory handler skeletons, meant to be edited in their regions (often {@code src/main/java})
     * @param force             overwrite edited files instead of stopping with a conflict
     * @param ownsAllOfItsKind  this run covers every schema of its kind: a generated file whose source is gone
     *                          is stale (true for whole folders, false for a list of files, which only owns
     *                          what those files generated)
     */
    public record Options(Path outputDirectory, Path skeletonDirectory, boolean force, boolean ownsAllOfItsKind) {
        public Options {
            Objects.requireNonNull(outputDirectory, "outputDirectory");
            if (skeletonDirectory == null) skeletonDirectory = outputDirectory;
        }
    }

    /**
     * Generates from {@code .proto} files and folders.
     *
     * @throws CodegenException the input is bad; nothing was written
     * @throws GenerationConflictException hand-written code would be lost; nothing was written
     */
    public static Report proto(List<Path> inputs, List<Path> importPaths, Options options) {
        ProtoReader.ProtoModel model = ProtoReader.read(inputs, importPaths);
        List<Target> targets = new ArrayList<>();
        targets.add(new Target(options.outputDirectory(), model.models()));
        if (options.skeletonDirectory().equals(options.outputDirectory())) {
            List<Unit> all = new ArrayList<>(model.models());
            all.addAll(model.skeletons());
            targets.set(0, new Target(options.outputDirectory(), all));
        } else {
            targets.add(new Target(options.skeletonDirectory(), model.skeletons()));
        }
        return GeneratedFiles.write(targets, prunable(model.sources(), "proto:", options), options.force());
    }

    /**
     * Generates records and enums in {@code pkg} from JSON Schema files and folders.
     *
     * @throws CodegenException the input is bad; nothing was written
     * @throws GenerationConflictException a generated file was edited; nothing was written
     */
    public static Report jsonSchema(List<Path> inputs, String pkg, Options options) {
        JsonSchemaReader.SchemaModel model = JsonSchemaReader.read(inputs, pkg);
        return GeneratedFiles.write(List.of(new Target(options.outputDirectory(), model.units())),
                prunable(model.sources(), "json-schema:", options), options.force());
    }

    private static Predicate<String> prunable(Set<String> sources, String kind, Options options) {
        return from -> sources.contains(from) || (options.ownsAllOfItsKind() && from.startsWith(kind));
    }
}
