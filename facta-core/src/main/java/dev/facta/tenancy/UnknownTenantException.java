package dev.facta.tenancy;

import dev.facta.FactaException;

/** The tenant has not been provisioned and the store was told not to provision on first use. */
public final class UnknownTenantException extends FactaException {
    private final String tenant;

    public UnknownTenantException(String tenant) {
        super("unknown tenant '" + tenant + "'");
        this.tenant = tenant;
    }

    public String tenant() {
        return tenant;
    }
}
