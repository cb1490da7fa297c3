package dev.facta.examples.oms.api.grpc;

import dev.facta.examples.oms.app.HealthReport;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;

import java.util.function.Supplier;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health/Check}), answered from the service's readiness, so
 * that gRPC-native probes (Kubernetes' {@code grpc} probe, grpc-health-probe, load balancers) see what
 * {@code /health/ready} says: {@code SERVING} when ready, {@code NOT_SERVING} otherwise (also from the moment shutdown
 * begins). It knows the server as a whole ({@code ""}) and {@code facta.oms.v1.OrderService}; other names are
 * {@code NOT_FOUND}, as the protocol asks.
 */
public final class GrpcHealthService extends HealthGrpc.HealthImplBase {
    private final Supplier<HealthReport> readiness;

    public GrpcHealthService(Supplier<HealthReport> readiness) {
        this.readiness = readiness;
    }

    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
        String service = request.getService();
        if (!service.isEmpty() && !service.equals(dev.facta.examples.oms.api.grpc.v1.OrderServiceGrpc.SERVICE_NAME)) {
            response.onError(Status.NOT_FOUND.withDescription("no service '" + service + "' here").asRuntimeException());
            return;
        }
        boolean ready;
        try {
            ready = readiness.get().ready();
        } catch (RuntimeException e) {
            ready = false;
        }
        response.onNext(HealthCheckResponse.newBuilder()
                .setStatus(ready ? HealthCheckResponse.ServingStatus.SERVING : HealthCheckResponse.ServingStatus.NOT_SERVING)
                .build());
        response.onCompleted();
    }
}
