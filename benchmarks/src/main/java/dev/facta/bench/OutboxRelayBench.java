package dev.facta.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.sun.net.httpserver.HttpServer;
import dev.facta.FactaException;
import dev.facta.kafka.EmbeddedKafka;
import dev.facta.kafka.KafkaPublisher;
import dev.facta.kafka.KafkaTopics;
import dev.facta.nats.NatsPublisher;
import dev.facta.nats.NatsSubjects;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.outbox.OutboxRelay;
import dev.facta.outbox.StoreInbox;
import dev.facta.outbox.WebhookPublisher;
import dev.facta.outbox.WebhookReceiver;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.rabbitmq.RabbitPublisher;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;

/**
 * outbox-relay: the append-batched load (200,000 events in 10,000 streams, runs of 10 events per stream)
 * is written first; then an {@link OutboxRelay} starts from the beginning of the log and is timed until
 * its checkpoint reaches the head, every message acknowledged by the destination (JetStream
 * PublishAck, RabbitMQ publisher confirm, Kafka acks=all, HTTP 204). Once per destination that answers:
 * the local NATS JetStream server (127.0.0.1:4222), the local RabbitMQ (127.0.0.1:5672, guest/guest),
 * Kafka (the cluster {@value #KAFKA_ENV} names, else a single KRaft broker started in this process for
 * the run, see {@code EmbeddedKafka}), and a webhook receiver in this process (the JDK's HTTP server,
 * signatures checked, duplicates dropped by an in-memory inbox). Afterwards the destination must hold
 * exactly one message per event: a relay that skipped or repeated messages would be fast for the wrong
 * reason. Each run uses its own JetStream stream, exchange and queue, or topic, deleted afterwards.
 */
final class OutboxRelayBench {
    private static final String RELAY = "bench-outbox";
    /** Bootstrap servers of a Kafka cluster to publish to instead of a broker started in this process. */
    static final String KAFKA_ENV = "FACTA_BENCH_KAFKA_BOOTSTRAP";
    /** Partitions of the Kafka topic: the streams spread over them by key. */
    private static final int KAFKA_PARTITIONS = 6;
    private static final byte[] SECRET = "facta-benchmark-webhook-secret!!".getBytes(StandardCharsets.UTF_8);

    /** A destination the relay publishes to. */
    enum Broker {
        NATS("nats", 4222), RABBITMQ("rabbitmq", 5672), KAFKA("kafka", -1), WEBHOOK("webhook", 0);

        final String id;
        /** Where it must answer on 127.0.0.1; 0: in this process; -1: Kafka, see {@link #kafkaBootstrap()}. */
        final int port;

        Broker(String id, int port) {
            this.id = id;
            this.port = port;
        }
    }

    record Timing(long events, long nanos) {
    }

    private OutboxRelayBench() {
    }

    /** The destinations reachable here; a note for each that is not. */
    static List<Broker> available(java.util.function.Consumer<String> notes) {
        List<Broker> out = new ArrayList<>();
        for (Broker b : Broker.values()) {
            if (b == Broker.KAFKA) {
                String external = kafkaBootstrap();
                if (external == null || answers(external)) out.add(b);
                else notes.accept("skipping outbox-relay to kafka: nothing answers at " + external + " (" + KAFKA_ENV + ")");
                continue;
            }
            if (b.port == 0 || answers(b.port)) out.add(b);
            else notes.accept("skipping outbox-relay to " + b.id + ": nothing answers on 127.0.0.1:" + b.port);
        }
        return out;
    }

    /** The external Kafka cluster's bootstrap servers, or null for a broker in this process. */
    static String kafkaBootstrap() {
        String v = System.getenv(KAFKA_ENV);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static boolean answers(String bootstrapServers) {
        String first = bootstrapServers.split(",")[0].trim();
        int colon = first.lastIndexOf(':');
        if (colon < 1) return false;
        try {
            return answers(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean answers(int port) {
        return answers("127.0.0.1", port);
    }

    private static boolean answers(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static Timing run(String url, Shape load, Broker broker) throws Exception {
        String name = "facta_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (EventStore events = EventStores.open(url)) {
            AppendLoad.run(load, new FactaSubject(events), false);
            long head = events.headPosition();
            if (head != load.events()) {
                throw new FactaException("outbox-relay: the log holds " + head + " events, the load wrote " + load.events());
            }
            ProjectionStore store = switch (events) {
                case PostgresEventStore p -> PostgresProjectionStore.on(p);
                case SqliteEventStore s -> SqliteProjectionStore.on(s);
                default -> new InMemoryProjectionStore();
            };
            try (Destination destination = open(broker, name)) {
                OutboxRelay relay = OutboxRelay.builder(RELAY, destination.publisher()).batchSize(1000)
                        .ackTimeout(Duration.ofSeconds(30)).backoff(Duration.ofMillis(100), Duration.ofSeconds(2)).build();
                relay.prepare(store);
                long t0 = System.nanoTime();
                try (ProjectionEngine engine = relay.registerOn(ProjectionEngine.builder(events, store)).build()) {
                    engine.start();
                    if (!engine.awaitCaughtUp(RELAY, Duration.ofMinutes(10))) {
                        throw new FactaException("outbox-relay to " + broker.id + ": not caught up within 10 minutes: " + engine.status(RELAY));
                    }
                    long elapsed = System.nanoTime() - t0;
                    long held = destination.count(head);
                    if (held != head) {
                        throw new FactaException("outbox-relay to " + broker.id + ": the destination holds " + held
                                + " messages, the log " + head);
                    }
                    if (!relay.parked(store).isEmpty()) throw new FactaException("outbox-relay to " + broker.id + ": messages were parked");
                    return new Timing(head, elapsed);
                }
            } finally {
                if (store instanceof AutoCloseable c) c.close();
            }
        }
    }

    /** Where messages go, and how many arrived. */
    private interface Destination extends AutoCloseable {
        OutboxPublisher publisher();

        /** How many distinct messages the destination holds, waiting briefly for up to {@code expected}. */
        long count(long expected) throws Exception;

        @Override
        void close() throws Exception;
    }

    private static Destination open(Broker broker, String name) throws Exception {
        return switch (broker) {
            case NATS -> nats(name);
            case RABBITMQ -> rabbit(name);
            case KAFKA -> kafka(name);
            case WEBHOOK -> webhook();
        };
    }

    private static Destination nats(String name) throws Exception {
        NatsPublisher publisher = NatsPublisher.builder("nats://127.0.0.1:4222").subjects(NatsSubjects.byCategory(name))
                .expectedStream(name).build();
        var jsm = publisher.connection().jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder().name(name).subjects(name + ".>").storageType(StorageType.File)
                .duplicateWindow(Duration.ofMinutes(2)).build());
        return new Destination() {
            public OutboxPublisher publisher() {
                return publisher;
            }

            public long count(long expected) throws Exception {
                return jsm.getStreamInfo(name).getStreamState().getMsgCount();
            }

            public void close() throws Exception {
                try {
                    jsm.deleteStream(name);
                } finally {
                    publisher.close();
                }
            }
        };
    }

    private static Destination rabbit(String name) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(5672);
        f.setUsername("guest");
        f.setPassword("guest");
        Connection admin = f.newConnection("facta-bench-admin");
        try (Channel ch = admin.createChannel()) {
            ch.exchangeDeclare(name, "topic", true);
            ch.queueDeclare(name, true, false, false, null);
            ch.queueBind(name, name, "#");
        }
        RabbitPublisher publisher = RabbitPublisher.builder(f, name).build();
        return new Destination() {
            public OutboxPublisher publisher() {
                return publisher;
            }

            public long count(long expected) throws Exception {
                try (Channel ch = admin.createChannel()) {
                    return ch.queueDeclarePassive(name).getMessageCount();
                }
            }

            public void close() throws Exception {
                publisher.close();
                try (Channel ch = admin.createChannel()) {
                    ch.queueDelete(name);
                    ch.exchangeDelete(name);
                } finally {
                    admin.close();
                }
            }
        };
    }

    private static Destination kafka(String name) throws Exception {
        String external = kafkaBootstrap();
        // started before the clock runs; in this process, so the broker shares the machine with the relay
        EmbeddedKafka broker = external == null ? EmbeddedKafka.builder().ignoreExternal().start() : null;
        String bootstrap = external != null ? external : broker.bootstrapServers();
        Admin admin = null;
        KafkaPublisher publisher = null;
        try {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            admin = Admin.create(p);
            admin.createTopics(List.of(new NewTopic(name, KAFKA_PARTITIONS, (short) -1))).all().get();
            publisher = KafkaPublisher.builder(bootstrap).topics(KafkaTopics.fixed(name)).build();
        } catch (Exception e) {
            if (admin != null) admin.close();
            if (broker != null) broker.close();
            throw e;
        }
        Admin a = admin;
        KafkaPublisher kp = publisher;
        return new Destination() {
            public OutboxPublisher publisher() {
                return kp;
            }

            /** The records in the topic: one per event, unless a message was written twice. */
            public long count(long expected) throws Exception {
                Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
                for (int i = 0; i < KAFKA_PARTITIONS; i++) latest.put(new TopicPartition(name, i), OffsetSpec.latest());
                long n = 0;
                for (var e : a.listOffsets(latest).all().get().values()) n += e.offset();
                return n;
            }

            public void close() throws Exception {
                try {
                    kp.close();
                    a.deleteTopics(List.of(name)).all().get();
                } finally {
                    a.close();
                    if (broker != null) broker.close();
                }
            }
        };
    }

    private static Destination webhook() throws Exception {
        StoreInbox inbox = StoreInbox.inMemory("bench");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.createContext("/hooks", WebhookReceiver.builder(inbox, SECRET, (m, ctx) -> { }).build().httpHandler());
        var executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.start();
        URI endpoint = URI.create(String.format(Locale.ROOT, "http://127.0.0.1:%d/hooks", server.getAddress().getPort()));
        WebhookPublisher publisher = WebhookPublisher.builder(endpoint, SECRET).build();
        return new Destination() {
            public OutboxPublisher publisher() {
                return publisher;
            }

            public long count(long expected) {
                return inbox.size();
            }

            public void close() {
                publisher.close();
                server.stop(0);
                executor.close();
            }
        };
    }
}
