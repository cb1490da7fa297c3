package dev.facta.command;

import dev.facta.InvalidInputException;

/** Refuses commands without a tenant in their metadata, for applications where every command belongs to one. */
public final class TenantMiddleware implements CommandMiddleware {
    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        String tenant = command.metadata().tenant();
        if (tenant == null || tenant.isBlank()) {
            throw new InvalidInputException("metadata.tenant", "command " + command.type().getSimpleName() + " has no tenant");
        }
        return next.proceed(command);
    }
}
