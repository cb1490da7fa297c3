package dev.facta.examples.oms.ops;

import dev.facta.examples.oms.OmsServer;
import dev.facta.examples.oms.app.OmsConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The gRPC server's standard services: reflection (tools list and call it without the .proto) and health (gRPC probes). */
class GrpcProbesTest {
    @TempDir
    Path dir;

    @Test
    void reflection_lists_the_order_service_and_health_answers_from_readiness() throws Exception {
        try (OmsServer server = OmsServer.start(OmsConfig.of("sqlite:" + dir.resolve("oms.db")),
                OmsServer.Settings.of(0, 0).withHost("127.0.0.1"))) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
            try {
                assertThat(listServices(channel)).contains("facta.oms.v1.OrderService", "grpc.health.v1.Health");

                HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
                assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                assertThat(health.check(HealthCheckRequest.newBuilder().setService("facta.oms.v1.OrderService").build())
                        .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> listServices(ManagedChannel channel) throws Exception {
        CompletableFuture<List<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse response) {
                names.complete(response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
            }

            @Override
            public void onError(Throwable t) {
                names.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                names.complete(List.of());
            }
        });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> result = names.get(10, TimeUnit.SECONDS);
        requests.onCompleted();
        return result;
    }
}
