package dev.facta.command;

/** Handles one command type and returns its result; the message gives ids and metadata for the events it appends. */
@FunctionalInterface
public interface CommandHandler<C, R> {
    R handle(CommandMessage<C> command) throws Exception;
}
