package dev.facta.examples.oms.ops;

import dev.facta.InvalidInputException;
import dev.facta.examples.oms.OmsMain;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service's configuration from options and environment, as the Dockerfile and the Kubernetes manifests give it. */
class OmsMainTest {

    @Test
    void defaults() {
        OmsMain.Launch l = OmsMain.parse(new String[0], Map.of());
        assertThat(l.config().storeUrl()).isEqualTo("sqlite:./oms-data/oms.db");
        assertThat(l.config().paymentTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(l.config().kafkaBootstrap()).isNull();
        assertThat(l.settings().httpPort()).isEqualTo(8080);
        assertThat(l.settings().grpcPort()).isEqualTo(9090);
        assertThat(l.settings().host()).isEqualTo("0.0.0.0");
        assertThat(l.jsonLogs()).isTrue();
    }

    @Test
    void environmentThenOptions() {
        Map<String, String> env = Map.of("OMS_STORE_URL", "postgresql://oms@db:5432/oms", "OMS_HTTP_PORT", "8081",
                "OMS_GRPC_PORT", "9091", "OMS_PAYMENT_TIMEOUT", "1500ms", "OMS_KAFKA_BOOTSTRAP", "kafka:9092",
                "OMS_DB_PASSWORD", "s3cr/t", "OMS_LOG_FORMAT", "text");
        OmsMain.Launch l = OmsMain.parse(new String[]{"--grpc-port", "9999", "--payment-timeout=PT2S"}, env);
        assertThat(l.config().storeUrl()).isEqualTo("postgresql://oms:s3cr%2Ft@db:5432/oms");
        assertThat(l.settings().httpPort()).isEqualTo(8081);
        assertThat(l.settings().grpcPort()).isEqualTo(9999);
        assertThat(l.config().paymentTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(l.config().kafkaBootstrap()).isEqualTo("kafka:9092");
        assertThat(l.config().kafkaTopic()).isEqualTo("oms.orders");
        assertThat(l.jsonLogs()).isFalse();
    }

    @Test
    void badUsageNamesTheSetting() {
        assertThatThrownBy(() -> OmsMain.parse(new String[]{"--http-port", "eighty"}, Map.of()))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("http-port"));
        assertThatThrownBy(() -> OmsMain.parse(new String[]{"--colour", "red"}, Map.of()))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("--colour"));
        assertThatThrownBy(() -> OmsMain.parse(new String[0], Map.of("OMS_PAYMENT_TIMEOUT", "-1s")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("payment-timeout"));
        assertThatThrownBy(() -> OmsMain.parse(new String[]{"--store"}, Map.of()))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> OmsMain.parse(new String[0], Map.of("OMS_DB_PASSWORD", "x")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("db-password"));
        assertThat(OmsMain.parse(new String[]{"--help"}, Map.of())).isNull();
    }
}
