package dev.facta.examples.oms.api;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.examples.oms.app.OrderNotFoundException;
import dev.facta.saga.SagaConcurrencyException;
import dev.facta.store.WrongExpectedVersionException;

/**
 * What a failed call tells its client, the same for the REST and the gRPC API: the kind of refusal (which each API
 * turns into its status: 400/404/409/500, INVALID_ARGUMENT/NOT_FOUND/FAILED_PRECONDITION/ABORTED/INTERNAL), a
 * machine-readable code, a message, and for bad input the field that was refused.
 *
 * @param kind    the refusal's kind
 * @param code    e.g. {@code bad_request}, {@code order_not_found}, {@code rule_violation}
 * @param message for people; never a stack trace or the server's insides
 * @param field   the refused part of the request ({@code lines[0].quantity}, {@code Idempotency-Key}), or null
 */
public record ApiFailure(Kind kind, String code, String message, String field) {

    /** The kinds of refusal. Nothing was changed by a refused call. */
    public enum Kind {
        /** The request is malformed; {@link #field()} names what. */
        INVALID,
        /** No such order. */
        NOT_FOUND,
        /** The order's state does not allow it (refunding an unpaid order, paying a cancelled one). */
        RULE,
        /** A concurrent change of the same order won; the client may retry. */
        CONFLICT,
        /** Anything else: the server's log has the details. */
        INTERNAL
    }

    public static ApiFailure invalid(String field, String message) {
        return new ApiFailure(Kind.INVALID, "bad_request", message, field);
    }

    /** Classifies what a use case threw; unexpected exceptions become {@link Kind#INTERNAL} with a neutral message. */
    public static ApiFailure of(Throwable e) {
        return switch (e) {
            case ApiRefusal refusal -> refusal.failure();
            case InvalidInputException bad -> invalid(bad.field(), bad.getMessage());
            case OrderNotFoundException nf -> new ApiFailure(Kind.NOT_FOUND, "order_not_found", nf.getMessage(), null);
            case DomainRuleViolation rule -> new ApiFailure(Kind.RULE, "rule_violation", rule.getMessage(), null);
            case WrongExpectedVersionException w -> new ApiFailure(Kind.CONFLICT, "concurrent_update",
                    "the order was changed concurrently; retry the request", null);
            case SagaConcurrencyException s -> new ApiFailure(Kind.CONFLICT, "concurrent_update",
                    "the order was changed concurrently; retry the request", null);
            default -> internal();
        };
    }

    public static ApiFailure internal() {
        return new ApiFailure(Kind.INTERNAL, "internal_error", "the service failed to handle the request; its log has the details", null);
    }

    /** The message with the field in front when there is one: {@code "lines[0].quantity: must be positive"}. */
    public String describe() {
        return field == null || message.startsWith(field) ? message : field + ": " + message;
    }
}
