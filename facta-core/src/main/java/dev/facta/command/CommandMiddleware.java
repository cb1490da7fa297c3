package dev.facta.command;

/**
 * One step of the dispatch pipeline around every handler: it may inspect or change the message,
 * short-circuit with a result, or call {@code next} (once, or again to retry).
 */
@FunctionalInterface
public interface CommandMiddleware {

    Object handle(CommandMessage<?> command, Next next) throws Exception;

    @FunctionalInterface
    interface Next {
        Object proceed(CommandMessage<?> command) throws Exception;
    }
}
