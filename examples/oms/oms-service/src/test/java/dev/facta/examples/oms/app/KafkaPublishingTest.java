package dev.facta.examples.oms.app;

import dev.facta.kafka.EmbeddedKafka;
import dev.facta.outbox.OutboxHeaders;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** By configuration alone, the order events go out to Kafka through the outbox relay, keyed by order stream, in order. */
class KafkaPublishingTest {
    @TempDir
    Path dir;

    @Test
    void orderEventsArePublishedInStreamOrder() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String topic = "oms-orders-" + System.nanoTime();
            kafka.admin().createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            OmsConfig config = OmsConfig.builder("sqlite:" + dir.resolve("oms.db")).kafka(kafka.bootstrapServers(), topic).build();
            String orderId;
            try (OmsApplication app = OmsApplication.start(config)) {
                app.restock("K1", 3, RequestContext.of("restock"));
                orderId = app.placeOrder(new PlaceOrderRequest(null, "kim", "EUR",
                        List.of(new PlaceOrderRequest.Line("K1", 1, new BigDecimal("3.00"))), new PaymentDetails("card", "tok_visa")),
                        RequestContext.of("place")).orderId();
                assertThat(app.awaitTerminal(orderId, Duration.ofSeconds(30)).status()).isEqualTo(OrderView.Status.CONFIRMED);
                List<String> types = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : read(kafka, topic, 4)) {
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("order-" + orderId);
                    types.add(new String(r.headers().lastHeader(OutboxHeaders.EVENT_TYPE).value(), StandardCharsets.UTF_8));
                }
                assertThat(types).containsExactly("OrderPlaced", "OrderReserved", "OrderPaid", "OrderConfirmed");
                assertThat(app.kafkaRelay()).isPresent();
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(EmbeddedKafka kafka, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "oms-test", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
            }
        }
        return out;
    }
}
