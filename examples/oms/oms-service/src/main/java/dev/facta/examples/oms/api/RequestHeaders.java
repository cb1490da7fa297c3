package dev.facta.examples.oms.api;

import dev.facta.examples.oms.app.RequestContext;

import java.util.UUID;

/**
 * The per-request headers both APIs read: the idempotency key (required on mutations) and the correlation id
 * (optional; one is made when the client sent none). Malformed values are refused, naming the header.
 */
public final class RequestHeaders {
    /** The longest idempotency key or correlation id accepted. */
    public static final int MAX_LENGTH = 200;

    private RequestHeaders() {
    }

    /**
     * The client's correlation id, or a new one when it sent none.
     *
     * @throws ApiRefusal the id is longer than {@value #MAX_LENGTH} characters or holds control characters
     */
    public static String correlationId(String header, String headerName) {
        if (header == null || header.isBlank()) return UUID.randomUUID().toString();
        String id = header.strip();
        check(id, headerName);
        return id;
    }

    /**
     * The context of a mutating request.
     *
     * @throws ApiRefusal the idempotency key is missing or malformed
     */
    public static RequestContext mutation(String idempotencyKey, String keyHeaderName, String correlationId) {
        if (idempotencyKey == null || idempotencyKey.isBlank()) {
            throw new ApiRefusal(ApiFailure.invalid(keyHeaderName,
                    "the " + keyHeaderName + " header is required on this request (1-" + MAX_LENGTH + " characters)"));
        }
        String key = idempotencyKey.strip();
        check(key, keyHeaderName);
        return new RequestContext(key, correlationId, null);
    }

    private static void check(String value, String headerName) {
        if (value.length() > MAX_LENGTH) {
            throw new ApiRefusal(ApiFailure.invalid(headerName, "the " + headerName + " header is longer than " + MAX_LENGTH + " characters"));
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new ApiRefusal(ApiFailure.invalid(headerName, "the " + headerName + " header holds a control character"));
            }
        }
    }
}
