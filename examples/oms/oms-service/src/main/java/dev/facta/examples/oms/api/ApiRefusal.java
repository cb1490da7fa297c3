package dev.facta.examples.oms.api;

import java.util.Objects;

/** A request refused by an API before it reached the use cases (a missing header, malformed JSON). */
public final class ApiRefusal extends RuntimeException {
    private final ApiFailure failure;

    public ApiRefusal(ApiFailure failure) {
        super(Objects.requireNonNull(failure, "failure").message(), null, false, false);
        this.failure = failure;
    }

    public ApiFailure failure() {
        return failure;
    }
}
