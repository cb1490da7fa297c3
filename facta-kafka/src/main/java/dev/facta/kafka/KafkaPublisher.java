package dev.facta.kafka;

import dev.facta.InvalidInputException;
import dev.facta.outbox.OutboxMessage;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.outbox.PublishException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Publishes outbox messages to Apache Kafka with the official producer, idempotent and with
 * {@code acks=all}: a message counts as delivered once every in-sync replica of its partition has it
 * (the send's callback reported success), and the producer's own retries never write a message twice
 * or out of order within a partition.
 *
 * <p>Each record has the stream id as its key, so all messages of a stream land in one partition, in
 * stream order (the relay sends the next message of a stream only after the previous one was
 * acknowledged); the event data as its value; the {@link dev.facta.outbox.OutboxHeaders} as headers
 * (UTF-8), {@code Facta-Message-Id} among them. Kafka has no broker-side deduplication across
 * producers: a message the relay sends again after a crash is a second record with the same
 * {@code Facta-Message-Id}, which the consumer's {@link dev.facta.outbox.Inbox} drops. The topic comes
 * from the message ({@link KafkaTopics#byCategory} with prefix {@code facta} by default); topics must
 * exist (or the brokers create them).
 *
 * <p>Failures: a record Kafka refuses (over the topic's {@code max.message.bytes}, an invalid topic
 * name, not authorized for the topic, refused by a policy) is a refusal; everything else (brokers
 * unreachable, no acknowledgement within the delivery timeout, a topic not (yet) known, not enough
 * in-sync replicas) means unavailable, and the relay retries with backoff. While the brokers are
 * unreachable, records wait in the producer for at most the delivery timeout, so keep that at most
 * the relay's {@code ackTimeout}: a message the relay gave up on then does not arrive much later
 * beside its retry.
 */
public final class KafkaPublisher implements OutboxPublisher {
    private static final System.Logger LOG = System.getLogger(KafkaPublisher.class.getName());
    /** Producer settings the publisher's guarantees rest on; a caller may not change them. */
    private static final Map<String, String> FIXED = Map.of(
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.ACKS_CONFIG, "all");

    private final Map<String, Object> config;
    private final Function<OutboxMessage, String> topics;
    private final String bootstrap;
    private final Object lock = new Object();
    private Producer<byte[], byte[]> producer;
    private long lastReplacedNanos;
    private boolean closed;

    private KafkaPublisher(Builder b) {
        this.config = b.config();
        this.topics = b.topics;
        this.bootstrap = String.valueOf(config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.producer = create();
    }

    /** A publisher to the Kafka cluster at {@code bootstrapServers} (e.g. {@code 127.0.0.1:9092}). */
    public static Builder builder(String bootstrapServers) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new InvalidInputException("bootstrapServers", "the bootstrap servers must not be blank");
        }
        Builder b = new Builder();
        b.properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.trim());
        return b;
    }

    /**
     * A publisher with these producer settings (which must name {@code bootstrap.servers}; security,
     * compression, batching and so on as for any producer). Idempotence and {@code acks=all} are set by
     * the publisher, and the serializers are its own.
     */
    public static Builder builder(Properties producerProperties) {
        Objects.requireNonNull(producerProperties, "producerProperties");
        Builder b = new Builder();
        b.properties(producerProperties);
        Object bootstrap = b.properties.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.toString().isBlank()) {
            throw new InvalidInputException(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "the producer properties must name the bootstrap servers");
        }
        return b;
    }

    private Producer<byte[], byte[]> create() {
        try {
            return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            throw new InvalidInputException("properties", "the Kafka producer cannot be created with these settings: " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return "kafka " + bootstrap;
    }

    @Override
    public CompletableFuture<Void> publish(OutboxMessage message) {
        ProducerRecord<byte[], byte[]> record;
        String topic;
        try {
            topic = topics.apply(message);
            RecordHeaders headers = new RecordHeaders();
            for (var h : message.headers().entrySet()) headers.add(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8));
            // no timestamp of our own: the send time, so that a republished old event is not up for time-based deletion at once
            record = new ProducerRecord<>(topic, null, null, message.stream().getBytes(StandardCharsets.UTF_8), message.payload(), headers);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(PublishException.rejected("cannot map " + message + " to Kafka: " + e.getMessage(), e));
        }
        Producer<byte[], byte[]> p;
        synchronized (lock) {
            if (closed) return CompletableFuture.failedFuture(PublishException.unavailable("the Kafka publisher is closed", null));
            p = producer;
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            p.send(record, (metadata, error) -> {
                if (error == null) result.complete(null);
                else result.completeExceptionally(failure(p, message, topic, error));
            });
        } catch (RuntimeException e) {
            // errors the producer throws instead of reporting to the callback: closed, or broken for good
            result.completeExceptionally(failure(p, message, topic, e));
        }
        return result;
    }

    /** What a failed send means to the relay; a producer that cannot send any more is replaced. */
    private PublishException failure(Producer<byte[], byte[]> p, OutboxMessage message, String topic, Throwable error) {
        if (refusal(error)) {
            return PublishException.rejected("Kafka refused " + message + " on " + topic + ": " + error, error);
        }
        if (fatal(error)) replace(p, error);
        return PublishException.unavailable("Kafka did not store " + message + " on " + topic + ": " + error, error);
    }

    /** Errors about the record itself (or its topic), which sending it again will not cure. */
    static boolean refusal(Throwable error) {
        return error instanceof RecordTooLargeException
                || error instanceof InvalidConfigurationException // invalid topic, invalid record, batch too large
                || error instanceof TopicAuthorizationException
                || error instanceof PolicyViolationException
                || error instanceof SerializationException;
    }

    /** Whether the producer may be left in a state where every later send fails (never a retriable error). */
    private static boolean fatal(Throwable error) {
        return error instanceof AuthenticationException || error instanceof ClusterAuthorizationException
                || error instanceof UnsupportedVersionException || error instanceof IllegalStateException
                || error.getClass() == KafkaException.class;
    }

    /**
     * Replaces a producer that failed with an error that may have left it unusable ({@link #fatal}), at most once a
     * second; the old one is closed without waiting (its pending records fail as unavailable).
     */
    private void replace(Producer<byte[], byte[]> failed, Throwable error) {
        Producer<byte[], byte[]> old;
        synchronized (lock) {
            long now = System.nanoTime();
            if (closed || producer != failed || now - lastReplacedNanos < 1_000_000_000L) return;
            lastReplacedNanos = now;
            old = producer;
            try {
                producer = create();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot replace the Kafka producer: " + e);
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "replacing the Kafka producer for " + bootstrap + " after " + error);
        // never close from the producer's own I/O thread (the callback's): it would wait for itself
        Thread.ofVirtual().name("facta-kafka-producer-close").start(() -> old.close(Duration.ZERO));
    }

    /** Closes the producer, waiting a little for records in flight; those not acknowledged then fail as unavailable. */
    @Override
    public void close() {
        Producer<byte[], byte[]> p;
        synchronized (lock) {
            if (closed) return;
            closed = true;
            p = producer;
        }
        try {
            p.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the Kafka producer failed", e);
        }
    }

    /** Configures a {@link KafkaPublisher}. */
    public static final class Builder {
        private final Map<String, Object> properties = new LinkedHashMap<>();
        private Function<OutboxMessage, String> topics = KafkaTopics.byCategory("facta");
        private Duration deliveryTimeout = Duration.ofSeconds(10);
        private Duration maxBlock = Duration.ofSeconds(5);

        private Builder() {
        }

        /** The topic of each message (default {@code KafkaTopics.byCategory("facta")}). */
        public Builder topics(Function<OutboxMessage, String> topics) {
            this.topics = Objects.requireNonNull(topics, "topics");
            return this;
        }

        /**
         * One producer setting (any of Kafka's {@code ProducerConfig}), e.g. {@code compression.type} or
         * the security settings. {@code enable.idempotence} and {@code acks} cannot be changed, and the
         * serializers are the publisher's.
         */
        public Builder property(String key, Object value) {
            if (key == null || key.isBlank()) throw new InvalidInputException("property", "a property name must not be blank");
            Objects.requireNonNull(value, "value");
            String fixed = FIXED.get(key);
            if (fixed != null && !fixed.equalsIgnoreCase(value.toString().trim())) {
                throw new InvalidInputException(key, "the outbox publisher relies on " + key + "=" + fixed + ": " + value);
            }
            if (key.equals(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG) || key.equals(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG)) {
                throw new InvalidInputException(key, "the outbox publisher sends bytes with serializers of its own");
            }
            properties.put(key, value);
            return this;
        }

        /** Producer settings, as {@link #property} one by one. */
        public Builder properties(Properties producerProperties) {
            for (String key : producerProperties.stringPropertyNames()) property(key, producerProperties.getProperty(key));
            return this;
        }

        /**
         * How long a record may wait for its acknowledgement inside the producer, retries included
         * (default 10 s, Kafka's {@code delivery.timeout.ms}); the request timeout is kept below it. Keep
         * it at most the relay's {@code ackTimeout}.
         */
        public Builder deliveryTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 100 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new InvalidInputException("deliveryTimeout", "deliveryTimeout must be at least 100 ms: " + timeout);
            }
            this.deliveryTimeout = timeout;
            return this;
        }

        /**
         * How long a send may block the relay for the metadata of a topic it has not sent to yet, or for
         * room in a full buffer (default 5 s, Kafka's {@code max.block.ms}); then the message fails as
         * unavailable.
         */
        public Builder maxBlock(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new InvalidInputException("maxBlock", "maxBlock must not be negative: " + timeout);
            }
            this.maxBlock = timeout;
            return this;
        }

        Map<String, Object> config() {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put(ProducerConfig.CLIENT_ID_CONFIG, "facta-outbox");
            // the relay sends a burst (the next message of every stream in flight) and then waits for the
            // acknowledgements: 1 ms gathers the burst into few requests; more only delays every round
            c.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) maxBlock.toMillis());
            c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
            c.putAll(properties);
            c.putAll(FIXED);
            // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
            long linger = Long.parseLong(c.get(ProducerConfig.LINGER_MS_CONFIG).toString().trim());
            long delivery = Long.parseLong(c.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG).toString().trim());
            long request = c.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)
                    ? Long.parseLong(c.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG).toString().trim()) : 30_000;
            if (linger + request > delivery) {
                if (properties.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG) || delivery - linger < 1) {
                    throw new InvalidInputException("deliveryTimeout", "the delivery timeout (" + delivery
                            + " ms) must be at least linger.ms + request.timeout.ms (" + (linger + request) + " ms)");
                }
                c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (delivery - linger));
            }
            return c;
        }

        public KafkaPublisher build() {
            return new KafkaPublisher(this);
        }
    }
}
