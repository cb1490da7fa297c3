package dev.facta.aggregate;

import dev.facta.FactaException;

/** A command refused by the domain: nothing was written. Throw it from decide or aggregate methods. */
public class DomainRuleViolation extends FactaException {
    public DomainRuleViolation(String message) {
        super(message);
    }
}
