package dev.facta.command;

import dev.facta.FactaException;

/** No handler is registered for a command or query type. */
public final class NoHandlerException extends FactaException {
    public NoHandlerException(Class<?> type, String known) {
        super("no handler for " + type.getName() + "; registered: " + known);
    }
}
