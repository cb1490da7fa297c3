package dev.facta.command;

/**
 * Makes every command part of a conversation: a command without a correlation id starts one
 * with its own id. Handlers then stamp their events with {@link CommandMessage#eventMetadata()}
 * (the same correlation id, the command as the cause). Nothing is kept in thread-locals: a
 * handler that dispatches further commands passes {@code eventMetadata()} along explicitly.
 */
public final class CorrelationMiddleware implements CommandMiddleware {
    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        if (command.metadata().correlationId() == null) {
            command = command.withMetadata(command.metadata().withCorrelationId(command.id().toString()));
        }
        return next.proceed(command);
    }
}
