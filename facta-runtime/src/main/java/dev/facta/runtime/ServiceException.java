package dev.facta.runtime;

import dev.facta.FactaException;

/** A service call or registration that did not succeed; {@link #reason()} says why. */
public class ServiceException extends FactaException {

    public enum Reason {
        /** No service of that name is registered (its plugin is not running). */
        NOT_FOUND,
        /** The service is registered with another Java type than the caller asked for. */
        WRONG_TYPE,
        /** Another plugin already registered a service of that name. */
        DUPLICATE,
        /** The service's rate limit refused the call; nothing was called. */
        RATE_LIMITED,
        /** The service's circuit breaker is open after repeated failures; nothing was called. */
        CIRCUIT_OPEN,
        /** The call took longer than the service's timeout. */
        TIMEOUT,
        /** The service threw; the cause is its exception. */
        FAILED
    }

    private final String service;
    private final Reason reason;

    public ServiceException(String service, Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.service = service;
        this.reason = reason;
    }

    public ServiceException(String service, Reason reason, String message) {
        this(service, reason, message, null);
    }

    public String service() {
        return service;
    }

    public Reason reason() {
        return reason;
    }
}
