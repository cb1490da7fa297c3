package dev.facta.examples.oms.app;

/**
 * Per-request context every API passes in: the client's idempotency key (required on mutating calls, 1-200
 * characters), the correlation id (the API makes one when the client sent none) and the tenant (may be null).
 */
public record RequestContext(String idempotencyKey, String correlationId, String tenant) {
    public static RequestContext of(String idempotencyKey) {
        return new RequestContext(idempotencyKey, null, null);
    }
}
