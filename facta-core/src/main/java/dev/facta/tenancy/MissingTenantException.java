package dev.facta.tenancy;

import dev.facta.InvalidInputException;

/** A tenant-scoped operation ran outside any tenant: nothing was read or written. */
public final class MissingTenantException extends InvalidInputException {
    public MissingTenantException(String operation) {
        super("tenant", operation + " needs a tenant: run it inside TenantContext.run(tenant, ...) or give the"
                + " command or request a tenant");
    }
}
