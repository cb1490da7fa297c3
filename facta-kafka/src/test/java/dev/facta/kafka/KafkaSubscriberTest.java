package dev.facta.kafka;

import dev.facta.outbox.EffectLog;
import dev.facta.outbox.InboxMessage;
import dev.facta.outbox.OutboxHeaders;
import dev.facta.outbox.StoreInbox;
import dev.facta.outbox.TcpProxy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consuming bridge on its own, against an embedded broker: records written by a plain producer
 * (as the relay writes them: key = stream, {@code Facta-*} headers) reach the handler through the
 * inbox once and in stream order, across a broker outage long enough for the group to drop the
 * consumer, across a restart (committed offsets), and with duplicates and id-less records.
 */
class KafkaSubscriberTest {
    private static EmbeddedKafka kafka;
    private static Admin admin;
    private static KafkaProducer<byte[], byte[]> producer;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String topic;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder().routedListener().start();
        admin = kafka.admin();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) producer.close();
        if (admin != null) admin.close();
        if (kafka != null) kafka.close();
    }

    @BeforeEach
    void createTopic() throws Exception {
        topic = "bridge_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    }

    @AfterEach
    void deleteTopic() throws Exception {
        for (AutoCloseable c : closeables.reversed()) c.close();
        if (!kafka.external()) kafka.routeThrough(null);
        admin.deleteTopics(List.of(topic)).all().get();
    }

    private final Map<String, Integer> versions = new HashMap<>();

    /** Sends the next event of the stream, as the relay would, and returns its message id. */
    private String send(String stream) throws Exception {
        int v = versions.merge(stream, 1, Integer::sum) - 1;
        String id = UUID.randomUUID().toString();
        send(stream, id, v);
        return id;
    }

    private void send(String stream, String id, int version) throws Exception {
        RecordHeaders h = new RecordHeaders();
        if (id != null) h.add(OutboxHeaders.MESSAGE_ID, id.getBytes(StandardCharsets.UTF_8));
        h.add(OutboxHeaders.STREAM, stream.getBytes(StandardCharsets.UTF_8));
        h.add(OutboxHeaders.STREAM_VERSION, Integer.toString(version).getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>(topic, null, stream.getBytes(StandardCharsets.UTF_8),
                ("{\"v\":" + version + "}").getBytes(StandardCharsets.UTF_8), h)).get();
    }

    private KafkaSubscriber.Builder subscriber(String bootstrap, String group, StoreInbox inbox, AtomicInteger calls) {
        return KafkaSubscriber.builder(bootstrap, group, inbox, (m, ctx) -> {
            calls.incrementAndGet();
            EffectLog.HANDLER.handle(m, ctx);
        }).topics(topic);
    }

    private static void await(String what, Duration patience, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + patience + " waiting until " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void aBrokerOutageLongerThanTheSessionLosesNothingAndDuplicatesNoEffect() throws Exception {
        Assumptions.assumeFalse(kafka.external(), "an external Kafka cannot be routed through the test's proxy");
        StoreInbox inbox = StoreInbox.inMemory("bridge");
        AtomicInteger calls = new AtomicInteger();
        try (TcpProxy proxy = new TcpProxy(kafka.routedAddress())) {
            kafka.routeThrough(proxy.address());
            closeables.add(subscriber("127.0.0.1:" + proxy.port(), topic, inbox, calls)
                    .property("session.timeout.ms", 6000).property("heartbeat.interval.ms", 1000).start());
            for (int i = 0; i < 40; i++) send("order-" + (i % 4));
            await("the first records handled", Duration.ofSeconds(30), () -> EffectLog.total(inbox) == 40);
            proxy.cut();
            for (int i = 40; i < 80; i++) send("order-" + (i % 4));
            Thread.sleep(8000); // longer than the session: the group drops the consumer
            assertThat(EffectLog.total(inbox)).isEqualTo(40);
            proxy.restore();
            for (int i = 80; i < 100; i++) send("order-" + (i % 4));
            await("everything handled after the outage", Duration.ofSeconds(60), () -> EffectLog.total(inbox) == 100);
            Thread.sleep(500); // late duplicates would show up now
        }
        Map<String, List<Long>> got = EffectLog.read(inbox);
        assertThat(got).hasSize(4).allSatisfy((stream, v) -> assertThat(v).isEqualTo(EffectLog.upTo(25)));
    }

    @Test
    void aRestartedSubscriberGoesOnAfterTheCommittedOffsets() throws Exception {
        AtomicInteger first = new AtomicInteger();
        KafkaSubscriber s = subscriber(kafka.bootstrapServers(), topic, StoreInbox.inMemory("one"), first).start();
        for (int i = 0; i < 30; i++) send("order-" + (i % 3));
        await("handled", Duration.ofSeconds(30), () -> first.get() == 30);
        s.close();
        assertThat(s.closed()).isTrue();

        for (int i = 30; i < 45; i++) send("order-" + (i % 3));
        // a fresh inbox would let anything read again take effect again: only the offsets keep it out
        StoreInbox fresh = StoreInbox.inMemory("two");
        AtomicInteger second = new AtomicInteger();
        closeables.add(subscriber(kafka.bootstrapServers(), topic, fresh, second).start());
        await("the new records handled", Duration.ofSeconds(30), () -> second.get() >= 15);
        Thread.sleep(500);
        assertThat(second.get()).isEqualTo(15);
        assertThat(EffectLog.read(fresh)).allSatisfy((stream, v) -> assertThat(v).containsExactly(10L, 11L, 12L, 13L, 14L));
    }

    @Test
    void duplicatesAreDroppedByMessageIdAndRecordsWithoutOneAreIdentifiedByTheirPosition() throws Exception {
        StoreInbox inbox = StoreInbox.inMemory("ids");
        ConcurrentLinkedQueue<InboxMessage> received = new ConcurrentLinkedQueue<>();
        closeables.add(KafkaSubscriber.builder(kafka.bootstrapServers(), topic, inbox, (m, ctx) -> received.add(m))
                .topicPattern(Pattern.compile(Pattern.quote(topic))).start());
        String id = UUID.randomUUID().toString();
        send("order-1", id, 0);
        send("order-1", id, 0); // the relay sent it again after a crash
        send("order-2", null, 0); // not from a Facta relay
        await("handled", Duration.ofSeconds(30), () -> received.size() == 2 && inbox.duplicatesDropped() == 1);
        List<InboxMessage> list = List.copyOf(received);
        assertThat(list).extracting(InboxMessage::id).contains(id);
        InboxMessage other = list.stream().filter(m -> !m.id().equals(id)).findFirst().orElseThrow();
        assertThat(other.id()).matches("kafka:" + topic + ":\\d:0");
        assertThat(other.destination()).isEqualTo(topic);
        assertThat(other.stream()).isEqualTo("order-2");
        assertThat(other.payloadAsString()).isEqualTo("{\"v\":0}");
    }

    @Test
    void closeIsPromptWhileIdle() {
        KafkaSubscriber s = subscriber(kafka.bootstrapServers(), topic, StoreInbox.inMemory("idle"), new AtomicInteger()).start();
        long t0 = System.nanoTime();
        s.close();
        assertThat(s.closed()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void settingsThatWouldBreakTheGuaranteesAreRefused() {
        StoreInbox inbox = StoreInbox.inMemory("bad");
        var b = KafkaSubscriber.builder(kafka.bootstrapServers(), "g", inbox, (m, ctx) -> { });
        assertThat(KafkaOutboxTest.refusedField(() -> b.property("enable.auto.commit", "true"))).isEqualTo("enable.auto.commit");
        assertThat(KafkaOutboxTest.refusedField(() -> b.property("group.id", "other"))).isEqualTo("group.id");
        assertThat(KafkaOutboxTest.refusedField(b::start)).isEqualTo("topics");
        assertThat(KafkaOutboxTest.refusedField(() -> b.topics("no spaces"))).isEqualTo("topics");
        assertThat(KafkaOutboxTest.refusedField(() -> KafkaSubscriber.builder(kafka.bootstrapServers(), " ", inbox, (m, ctx) -> { })))
                .isEqualTo("groupId");
    }
}
