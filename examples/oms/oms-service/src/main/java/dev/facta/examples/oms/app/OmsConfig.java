package dev.facta.examples.oms.app;

import dev.facta.InvalidInputException;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

import java.time.Duration;
import java.util.Objects;

/**
 * How the order management service runs. Everything but the store URL has a default:
 *
 * <pre>{@code
 * OmsConfig config = OmsConfig.builder("postgresql://postgres@127.0.0.1:5432/postgres?schema=oms")
 *         .paymentTimeout(Duration.ofSeconds(10))
 *         .kafka("127.0.0.1:9092", "oms.orders")
 *         .meterRegistry(registry)
 *         .build();
 * }</pre>
 *
 * @param storeUrl        the Facta store: {@code memory:}, {@code sqlite:PATH}, {@code postgresql://...} or a JDBC URL
 * @param paymentTimeout  how long the checkout waits for the card gateway's answer before it cancels the order (default 10 s)
 * @param gatewayLatency  how long the simulated card gateway takes to answer (default 0: within the charge)
 * @param kafkaBootstrap  Kafka bootstrap servers to publish order events to through the outbox relay, or null (no Kafka)
 * @param kafkaTopic      the topic order events are published to (default {@code oms.orders})
 * @param meterRegistry   Micrometer registry for command, projection and saga metrics, or null
 * @param openTelemetry   OpenTelemetry for command tracing, or null
 * @param sagaSegments    segments of the checkout's projection (default 2: two batches in flight side by side)
 * @param sagaBatchSize   events per checkout batch transaction (default 500)
 * @param sagaDispatchers dispatch batches of each process manager side by side (default 2)
 * @param pollInterval    how late the saga runtime may find a due deadline (default 200 ms)
 * @param instanceId      this process's identity in leases and claims (default: random)
 */
public record OmsConfig(String storeUrl, Duration paymentTimeout, Duration gatewayLatency, String kafkaBootstrap,
                        String kafkaTopic, MeterRegistry meterRegistry, OpenTelemetry openTelemetry, int sagaSegments,
                        int sagaBatchSize, int sagaDispatchers, Duration pollInterval, String instanceId) {

    public static final Duration DEFAULT_PAYMENT_TIMEOUT = Duration.ofSeconds(10);
    public static final String DEFAULT_TOPIC = "oms.orders";

    public OmsConfig {
        if (storeUrl == null || storeUrl.isBlank()) throw new InvalidInputException("storeUrl", "a store URL is required");
        positive("paymentTimeout", paymentTimeout);
        Objects.requireNonNull(gatewayLatency, "gatewayLatency");
        if (gatewayLatency.isNegative()) throw new InvalidInputException("gatewayLatency", "gatewayLatency must not be negative");
        if (kafkaBootstrap != null && kafkaBootstrap.isBlank()) kafkaBootstrap = null;
        if (kafkaTopic == null || kafkaTopic.isBlank()) kafkaTopic = DEFAULT_TOPIC;
        if (sagaSegments < 1 || sagaSegments > 64) throw new InvalidInputException("sagaSegments", "sagaSegments must be 1-64");
        if (sagaBatchSize < 1 || sagaBatchSize > 10_000) throw new InvalidInputException("sagaBatchSize", "sagaBatchSize must be 1-10000");
        if (sagaDispatchers < 1 || sagaDispatchers > 16) throw new InvalidInputException("sagaDispatchers", "sagaDispatchers must be 1-16");
        positive("pollInterval", pollInterval);
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new InvalidInputException(field, field + " must be positive");
    }

    /** The defaults on a store. */
    public static OmsConfig of(String storeUrl) {
        return builder(storeUrl).build();
    }

    public static Builder builder(String storeUrl) {
        return new Builder(storeUrl);
    }

    public Builder toBuilder() {
        Builder b = new Builder(storeUrl);
        b.paymentTimeout = paymentTimeout;
        b.gatewayLatency = gatewayLatency;
        b.kafkaBootstrap = kafkaBootstrap;
        b.kafkaTopic = kafkaTopic;
        b.meterRegistry = meterRegistry;
        b.openTelemetry = openTelemetry;
        b.sagaSegments = sagaSegments;
        b.sagaBatchSize = sagaBatchSize;
        b.sagaDispatchers = sagaDispatchers;
        b.pollInterval = pollInterval;
        b.instanceId = instanceId;
        return b;
    }

    /** Builds an {@link OmsConfig}. */
    public static final class Builder {
        private String storeUrl;
        private Duration paymentTimeout = DEFAULT_PAYMENT_TIMEOUT;
        private Duration gatewayLatency = Duration.ZERO;
        private String kafkaBootstrap;
        private String kafkaTopic = DEFAULT_TOPIC;
        private MeterRegistry meterRegistry;
        private OpenTelemetry openTelemetry;
        private int sagaSegments = 2;
        private int sagaBatchSize = 500;
        private int sagaDispatchers = 2;
        private Duration pollInterval = Duration.ofMillis(200);
        private String instanceId;

        private Builder(String storeUrl) {
            this.storeUrl = storeUrl;
        }

        public Builder storeUrl(String url) {
            this.storeUrl = url;
            return this;
        }

        public Builder paymentTimeout(Duration d) {
            this.paymentTimeout = d;
            return this;
        }

        public Builder gatewayLatency(Duration d) {
            this.gatewayLatency = d;
            return this;
        }

        /** Publishes order events to Kafka through the outbox relay. */
        public Builder kafka(String bootstrapServers, String topic) {
            this.kafkaBootstrap = bootstrapServers;
            this.kafkaTopic = topic;
            return this;
        }

        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
            return this;
        }

        public Builder sagaSegments(int n) {
            this.sagaSegments = n;
            return this;
        }

        public Builder sagaBatchSize(int n) {
            this.sagaBatchSize = n;
            return this;
        }

        public Builder sagaDispatchers(int n) {
            this.sagaDispatchers = n;
            return this;
        }

        public Builder pollInterval(Duration d) {
            this.pollInterval = d;
            return this;
        }

        public Builder instanceId(String id) {
            this.instanceId = id;
            return this;
        }

        public OmsConfig build() {
            return new OmsConfig(storeUrl, paymentTimeout, gatewayLatency, kafkaBootstrap, kafkaTopic, meterRegistry,
                    openTelemetry, sagaSegments, sagaBatchSize, sagaDispatchers, pollInterval, instanceId);
        }
    }
}
