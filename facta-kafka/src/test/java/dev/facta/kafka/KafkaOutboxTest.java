package dev.facta.kafka;

import dev.facta.InvalidInputException;
import dev.facta.outbox.EffectLog;
import dev.facta.outbox.Inbox;
import dev.facta.outbox.InboxHandler;
import dev.facta.outbox.OutboxBrokerContract;
import dev.facta.outbox.OutboxHeaders;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.store.EventData;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox contract against a real Kafka broker: a single KRaft node started in this JVM
 * ({@link EmbeddedKafka}), or the one {@value EmbeddedKafka#EXTERNAL_ENV} names. Each test has a topic
 * of its own ({@code <name>.order}, three partitions, records up to 64 KiB), deleted afterwards. The
 * poison message is a record over that limit, accepted once the topic's limit is raised.
 *
 * <p>The outage runs through the broker's routed listener: the test's proxy sits in front of it and
 * the listener advertises a port that leads through the proxy again, so the producer cannot get
 * around the cut by connecting to the broker's own address (see {@link EmbeddedKafka}). An external
 * broker has no such listener, and the outage test is skipped there.
 */
class KafkaOutboxTest extends OutboxBrokerContract {
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;
    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().routedListener().start();
        admin = kafka.admin();
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) admin.close();
        if (kafka != null) kafka.close();
    }

    static String topic(String name) {
        return name + ".order";
    }

    @Override
    protected InetSocketAddress brokerAddress() {
        if (!kafka.external()) return kafka.routedAddress();
        String first = kafka.bootstrapServers().split(",")[0].trim();
        int colon = first.lastIndexOf(':');
        return new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
    }

    @Override
    protected void createDestination(String name) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic(name), 3, (short) 1)
                .configs(Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES))))).all().get();
    }

    @Override
    protected void deleteDestination(String name) throws Exception {
        if (!kafka.external()) kafka.routeThrough(null);
        admin.deleteTopics(List.of(topic(name))).all().get();
    }

    @Override
    protected OutboxPublisher publisher(String name, InetSocketAddress via) {
        String bootstrap;
        if (via.equals(brokerAddress())) {
            bootstrap = kafka.bootstrapServers();
        } else {
            if (kafka.external()) Assumptions.abort("an external Kafka cannot be routed through the test's proxy");
            kafka.routeThrough(via);
            bootstrap = "127.0.0.1:" + via.getPort();
        }
        // records wait in the producer no longer than the relay waits for them (the contract's ackTimeout is 3 s)
        return KafkaPublisher.builder(bootstrap).topics(KafkaTopics.byCategory(name)).deliveryTimeout(Duration.ofSeconds(3)).build();
    }

    @Override
    protected AutoCloseable consume(String name, Inbox inbox, InboxHandler handler) {
        return KafkaSubscriber.builder(kafka.bootstrapServers(), name + "-consumer", inbox, handler).topics(topic(name)).start();
    }

    @Override
    protected String poisonStream() {
        return "order-poison";
    }

    @Override
    protected EventData poisonEvent() {
        return EventData.of("Huge", "{\"blob\":\"" + "x".repeat(MAX_MESSAGE_BYTES * 2) + "\"}");
    }

    @Override
    protected void acceptPoison(String name) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, topic(name));
        admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                new ConfigEntry("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES * 4)), AlterConfigOp.OpType.SET)))).all().get();
    }

    @Test
    void recordsAreKeyedByStreamCarryTheHeadersAndKeepEachStreamInOnePartitionInOrder() throws Exception {
        start(relay(counted(brokerAddress())).segments(2).build());
        for (int i = 0; i < 10; i++) {
            for (int s = 0; s < 6; s++) append("order-" + s, event(i));
        }
        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic(name), 60);
        Map<String, Integer> partitionOf = new HashMap<>();
        Map<String, List<Long>> versions = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            assertThat(header(r, OutboxHeaders.STREAM)).isEqualTo(key);
            assertThat(header(r, OutboxHeaders.MESSAGE_ID)).hasSize(36);
            assertThat(header(r, OutboxHeaders.EVENT_TYPE)).isEqualTo("Happened");
            assertThat(partitionOf.computeIfAbsent(key, k -> r.partition())).as("partition of " + key).isEqualTo(r.partition());
            versions.computeIfAbsent(key, k -> new ArrayList<>()).add(Long.parseLong(header(r, OutboxHeaders.STREAM_VERSION)));
        }
        assertThat(versions).hasSize(6).allSatisfy((stream, v) -> assertThat(v).isEqualTo(EffectLog.upTo(10)));
        assertThat(Set.copyOf(partitionOf.values())).hasSizeGreaterThan(1); // the streams are spread over the partitions
    }

    @Test
    void theProducerIsIdempotentWithAcksAllAndCannotBeConfiguredOtherwise() {
        assertThat(KafkaPublisher.builder("127.0.0.1:1").config())
                .containsEntry("enable.idempotence", "true").containsEntry("acks", "all");
        assertThat(refusedField(() -> KafkaPublisher.builder("127.0.0.1:1").property("enable.idempotence", "false"))).isEqualTo("enable.idempotence");
        assertThat(refusedField(() -> KafkaPublisher.builder("127.0.0.1:1").property("acks", "1"))).isEqualTo("acks");
        assertThat(refusedField(() -> KafkaPublisher.builder("127.0.0.1:1").property("value.serializer", "x"))).isEqualTo("value.serializer");
        assertThat(refusedField(() -> KafkaPublisher.builder(" "))).isEqualTo("bootstrapServers");
        assertThat(refusedField(() -> KafkaPublisher.builder("127.0.0.1:1").deliveryTimeout(Duration.ofMillis(5)))).isEqualTo("deliveryTimeout");
        assertThat(refusedField(() -> KafkaPublisher.builder("127.0.0.1:1").property("linger.ms", "1000")
                .deliveryTimeout(Duration.ofMillis(500)).build())).isEqualTo("deliveryTimeout");
        assertThat(KafkaPublisher.builder("127.0.0.1:1").property("acks", "all").config()).containsEntry("acks", "all");
        assertThat(KafkaPublisher.builder("127.0.0.1:1").deliveryTimeout(Duration.ofSeconds(3)).config())
                .containsEntry("delivery.timeout.ms", 3000).containsEntry("request.timeout.ms", 2999);
    }

    @Test
    void aMessageTheTopicFunctionCannotNameIsRefused() throws Exception {
        try (KafkaPublisher p = KafkaPublisher.builder(kafka.bootstrapServers()).topics(m -> "no spaces allowed").build()) {
            append("order-1", event(0));
            RecordedEvent e = events.readStream(StreamId.of("order-1")).getFirst();
            assertThat(p.publish(dev.facta.outbox.OutboxMessage.of(e))).failsWithin(Duration.ofSeconds(10))
                    .withThrowableThat().havingRootCause().isInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class);
        }
    }

    static String refusedField(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(t).isInstanceOf(InvalidInputException.class);
        return ((InvalidInputException) t).field();
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, name + "-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) out.add(r);
            }
        }
        assertThat(out).hasSize(expected);
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
