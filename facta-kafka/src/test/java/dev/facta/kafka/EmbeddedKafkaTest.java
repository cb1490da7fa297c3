package dev.facta.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The test broker itself: starts in seconds, stores and serves records, and goes away with its data. */
class EmbeddedKafkaTest {

    @Test
    void startsStoresServesAndCleansUp() throws Exception {
        long t0 = System.nanoTime();
        EmbeddedKafka kafka = EmbeddedKafka.builder().ignoreExternal().start();
        System.out.println("embedded Kafka up in " + (System.nanoTime() - t0) / 1_000_000 + " ms at " + kafka.bootstrapServers());
        try (kafka; Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic("smoke", 2, (short) 1))).all().get();
            try (var producer = new KafkaProducer<String, String>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("smoke", "k" + (i % 3), "v" + i)).get();
            }
            List<String> got = new ArrayList<>();
            try (var consumer = new KafkaConsumer<String, String>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "smoke", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(Set.of("smoke"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.size() < 10 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) got.add(r.value());
                }
            }
            assertThat(got).hasSize(10);
        }
    }
}
