package dev.facta.command;

/**
 * Logs every command with its type, id, correlation id, duration and outcome through
 * {@link System.Logger}: DEBUG for success, WARNING for failure (the error is rethrown).
 */
public final class LoggingMiddleware implements CommandMiddleware {
    private static final System.Logger LOG = System.getLogger("dev.facta.command");

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        long t0 = System.nanoTime();
        try {
            Object result = next.proceed(command);
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, "command {0} id={1} correlation={2} ok in {3} µs",
                        command.type().getSimpleName(), command.id(), command.correlationId(), (System.nanoTime() - t0) / 1000);
            }
            return result;
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "command {0} id={1} correlation={2} failed in {3} µs: {4}",
                    command.type().getSimpleName(), command.id(), command.correlationId(), (System.nanoTime() - t0) / 1000,
                    e.toString());
            throw e;
        }
    }
}
