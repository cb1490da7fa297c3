package dev.facta.codegen;

import dev.facta.InvalidInputException;

/**
 * A schema the generator cannot turn into code: a syntax error, a reference to an unknown type, two
 * definitions that would make the same Java name, a construct the generator does not support. Thrown
 * before anything is written. {@link #field()} is where the problem is, as {@code file:line:column}
 * when the parser knows it, else the file.
 */
public class CodegenException extends InvalidInputException {

    /** What kind of problem the input has. */
    public enum Kind {
        /** The file does not parse. */
        SYNTAX,
        /** A type, import or {@code $ref} names something that is not defined. */
        UNKNOWN_TYPE,
        /** Two definitions would make the same Java type or member, or a name Java refuses. */
        NAME_CLASH,
        /** The construct is valid in the schema language but has no Facta mapping. */
        UNSUPPORTED
    }

    private final Kind kind;

    public CodegenException(Kind kind, String location, String message) {
        super(location, message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Where the problem is: {@code file:line:column}, or the file. */
    public String location() {
        return field();
    }
}
