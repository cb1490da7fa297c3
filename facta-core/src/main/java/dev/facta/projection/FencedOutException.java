package dev.facta.projection;

import dev.facta.FactaException;

/** The lease a transaction ran under was taken over; the transaction's work was rolled back. */
public class FencedOutException extends FactaException {
    public FencedOutException(Lease lease) {
        super("lease on " + lease.key() + " segment " + lease.segment() + " (token " + lease.token()
                + ") is no longer held by " + lease.owner());
    }
}
