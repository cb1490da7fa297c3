package dev.facta.command;

/**
 * Refuses malformed commands before their handler runs, so nothing is written: commands that
 * implement {@link Validatable} are asked to {@code validate()} themselves.
 */
public final class ValidationMiddleware implements CommandMiddleware {
    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        if (command.payload() instanceof Validatable v) {
            v.validate();
        }
        return next.proceed(command);
    }
}
