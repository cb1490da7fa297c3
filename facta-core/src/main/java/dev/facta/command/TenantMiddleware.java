package dev.facta.command;

import dev.facta.InvalidInputException;
import dev.facta.tenancy.TenantContext;

/**
 * Refuses commands without a legal tenant in their metadata, and runs each command inside its
 * tenant's {@link TenantContext}, so handlers, repositories on a
 * {@link dev.facta.tenancy.MultiTenantStore#routing() routing store} and everything they call work
 * on that tenant's data only.
 */
public final class TenantMiddleware implements CommandMiddleware {
    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        String tenant = command.metadata().tenant();
        if (tenant == null || tenant.isBlank()) {
            throw new InvalidInputException("metadata.tenant", "command " + command.type().getSimpleName() + " has no tenant");
        }
        try (TenantContext.Scope ignored = TenantContext.open(tenant)) {
            return next.proceed(command);
        }
    }
}
