package dev.facta.examples.oms.api.grpc;

import dev.facta.examples.oms.api.ApiRefusal;
import dev.facta.examples.oms.api.RequestHeaders;
import dev.facta.examples.oms.ops.RequestLog;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Reads the request metadata every call carries: {@code x-correlation-id} (a new id when missing; echoed in the
 * response headers) and {@code idempotency-key} (checked by the mutating methods), into the call's {@link Context};
 * and logs and times each call with its correlation id.
 */
public final class GrpcRequestInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> IDEMPOTENCY_KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> CORRELATION_ID = Metadata.Key.of("x-correlation-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> CORRELATION = Context.key("oms-correlation-id");
    static final Context.Key<String> IDEMPOTENCY = Context.key("oms-idempotency-key");

    private final RequestLog log;

    /** @param log where each call is logged and timed, or null for neither */
    public GrpcRequestInterceptor(RequestLog log) {
        this.log = log;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long t0 = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        String correlation;
        String refusal = null;
        try {
            correlation = RequestHeaders.correlationId(headers.get(CORRELATION_ID), "x-correlation-id");
        } catch (ApiRefusal e) {
            correlation = RequestHeaders.correlationId(null, "x-correlation-id");
            refusal = e.failure().describe();
        }
        String id = correlation;
        ServerCall<Q, R> observed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(CORRELATION_ID, id);
                super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                // a call that fails before sending headers still tells its correlation id
                if (!trailers.containsKey(CORRELATION_ID)) trailers.put(CORRELATION_ID, id);
                super.close(status, trailers);
                if (log != null) log.grpc(method, status.getCode().name(), System.nanoTime() - t0, id);
            }
        };
        if (refusal != null) {
            observed.close(Status.INVALID_ARGUMENT.withDescription(refusal), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        Context ctx = Context.current().withValue(CORRELATION, id).withValue(IDEMPOTENCY, headers.get(IDEMPOTENCY_KEY));
        return Contexts.interceptCall(ctx, observed, headers, next);
    }
}
