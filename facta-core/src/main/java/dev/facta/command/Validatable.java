package dev.facta.command;

/** A command that can check itself; {@link ValidationMiddleware} calls this before any handler runs. */
public interface Validatable {
    /** Throws {@link dev.facta.InvalidInputException} (or another exception) when the command is malformed. */
    void validate();
}
