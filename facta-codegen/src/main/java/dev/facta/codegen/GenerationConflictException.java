package dev.facta.codegen;

import dev.facta.FactaException;

import java.util.List;

/**
 * Regeneration would lose hand-written code: a generated file was edited outside its
 * {@code facta:begin}/{@code facta:end} regions, a file the generator did not write is in the way, or a
 * region holding code belongs to something that was removed from the schema. Nothing was written;
 * {@link #conflicts()} lists every file concerned. Move the code into a region (or out of the generated
 * file) and run again, or run with {@code force} to overwrite.
 */
public class GenerationConflictException extends FactaException {
    private final List<String> conflicts;

    public GenerationConflictException(List<String> conflicts) {
        super("regeneration would overwrite hand-written code, so nothing was written:\n  "
                + String.join("\n  ", conflicts)
                + "\nmove the code into a facta:begin/facta:end region or out of the generated file, or force the overwrite");
        this.conflicts = List.copyOf(conflicts);
    }

    /** One line per file concerned: its path and what is wrong. */
    public List<String> conflicts() {
        return conflicts;
    }
}
