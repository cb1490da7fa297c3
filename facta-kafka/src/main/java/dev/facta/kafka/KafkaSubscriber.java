package dev.facta.kafka;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.outbox.DeliveryPolicy;
import dev.facta.outbox.Inbox;
import dev.facta.outbox.InboxHandler;
import dev.facta.outbox.InboxMessage;
import dev.facta.outbox.OutboxHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The event-bus bridge for consuming from Kafka: a consumer in a consumer group whose records are
 * handed, one at a time and in partition order, to a handler through an {@link Inbox}, so a record
 * delivered twice (published twice, or read again after a rebalance or a crash) has its effect once.
 * Offsets are committed by the bridge (never automatically), only for records whose effect committed
 * (or that were duplicates): after each polled batch, when partitions are taken away, and on close.
 * Delivery is at least once. A failing handler is retried in place by the {@link DeliveryPolicy} and,
 * when it keeps failing, the record is given up (logged, and its offset committed past it). The
 * consumer reconnects by itself when the brokers go away, and the group keeps the position, so a
 * restarted subscriber goes on where it stopped ({@code auto.offset.reset=earliest} for a new group).
 *
 * <p>Message ids: the {@code Facta-Message-Id} header, else {@code kafka:<topic>:<partition>:<offset>}
 * (stable across redeliveries). The inbox message's destination is the topic; its headers are the
 * record's (the first value of each, UTF-8).
 */
public final class KafkaSubscriber implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KafkaSubscriber.class.getName());

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String groupId;
    private final Inbox inbox;
    private final InboxHandler handler;
    private final DeliveryPolicy policy;
    private final Duration commitTimeout;
    /** The next offset to commit per partition: handled, not committed yet. Touched by the consumer thread only. */
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    private final Thread thread;
    private volatile boolean closing;

    private KafkaSubscriber(Builder b) {
        this.groupId = b.groupId;
        this.inbox = b.inbox;
        this.handler = b.handler;
        this.policy = b.policy;
        this.commitTimeout = b.commitTimeout;
        try {
            this.consumer = new KafkaConsumer<>(b.config(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw new InvalidInputException("properties", "the Kafka consumer cannot be created with these settings: " + e.getMessage());
        }
        ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commit(partitions); // the next owner starts after what was handled here
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                LOG.log(System.Logger.Level.DEBUG, () -> "Kafka group " + groupId + " assigned " + partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                partitions.forEach(pending::remove); // no longer ours to commit; the next owner reads them again
            }
        };
        try {
            if (b.pattern != null) consumer.subscribe(b.pattern, listener);
            else consumer.subscribe(b.topics, listener);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw new FactaException("cannot subscribe Kafka group " + groupId + ": " + e, e);
        }
        // a platform thread: the consumer blocks in its own network I/O
        this.thread = Thread.ofPlatform().daemon().name("facta-kafka-subscriber-" + groupId).start(this::run);
    }

    /**
     * Starts configuring a subscriber in consumer group {@code groupId} on the Kafka cluster at
     * {@code bootstrapServers}, handing records to {@code handler} through {@code inbox}. Name the
     * topics with {@link Builder#topics} or {@link Builder#topicPattern}.
     */
    public static Builder builder(String bootstrapServers, String groupId, Inbox inbox, InboxHandler handler) {
        return new Builder(bootstrapServers, groupId, inbox, handler);
    }

    private void run() {
        try {
            while (!closing) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                } catch (WakeupException e) {
                    continue; // close() woke us up
                } catch (InterruptException e) {
                    return;
                } catch (KafkaException e) {
                    if (closing) return;
                    LOG.log(System.Logger.Level.WARNING, "Kafka consumer of group " + groupId + " failed: " + e);
                    pause();
                    continue;
                }
                for (TopicPartition tp : records.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        if (!handle(r)) return; // closing: the rest is read again by the next owner
                        pending.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    }
                }
                commit(List.copyOf(pending.keySet()));
            }
        } finally {
            commit(List.copyOf(pending.keySet()));
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the Kafka consumer failed", e);
            }
        }
    }

    /** Handles one record; false when the subscriber is closing and the record was left unhandled. */
    private boolean handle(ConsumerRecord<byte[], byte[]> r) {
        InboxMessage message;
        try {
            message = toInbox(r);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "Kafka record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " cannot be handled: " + e + "; skipped");
            return true;
        }
        return switch (policy.deliver(inbox, message, handler, () -> closing)) {
            case PROCESSED, DUPLICATE, FAILED -> true; // FAILED was logged by the policy; committed past it
            case STOPPED -> false;
        };
    }

    /** Commits what was handled on these partitions; a failure leaves it for the next commit. */
    private void commit(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = pending.get(tp);
            if (o != null) offsets.put(tp, o);
        }
        if (offsets.isEmpty()) return;
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                consumer.commitSync(offsets, commitTimeout);
                offsets.forEach(pending::remove);
                return;
            } catch (WakeupException e) {
                // close() woke the consumer up while committing: commit once more, then stop
            } catch (InterruptException e) {
                Thread.interrupted(); // the close path still commits and closes
                LOG.log(System.Logger.Level.DEBUG, "commit of Kafka group " + groupId + " interrupted");
                return;
            } catch (KafkaException e) {
                // a rebalance took the partitions, or the brokers are away: the records may be read again; the inbox drops them
                LOG.log(System.Logger.Level.WARNING, "Kafka group " + groupId + " could not commit " + offsets + ": " + e);
                return;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A consumer record as an inbox message. */
    static InboxMessage toInbox(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            if (h.value() != null) headers.putIfAbsent(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        String id = headers.get(OutboxHeaders.MESSAGE_ID);
        if (id == null) id = "kafka:" + r.topic() + ":" + r.partition() + ":" + r.offset();
        return new InboxMessage(id, r.topic(), headers, r.value() == null ? new byte[0] : r.value());
    }

    /**
     * Stops taking records: the one being handled is finished (or left uncommitted, to be read again),
     * what was handled is committed, and the consumer leaves its group.
     */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the subscriber's thread has ended (after {@link #close()}). */
    public boolean closed() {
        return !thread.isAlive();
    }

    /** Configures a {@link KafkaSubscriber}. */
    public static final class Builder {
        private final String groupId;
        private final Inbox inbox;
        private final InboxHandler handler;
        private final Map<String, Object> properties = new LinkedHashMap<>();
        private List<String> topics = List.of();
        private Pattern pattern;
        private DeliveryPolicy policy = DeliveryPolicy.defaults();
        private Duration commitTimeout = Duration.ofSeconds(10);

        private Builder(String bootstrapServers, String groupId, Inbox inbox, InboxHandler handler) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new InvalidInputException("bootstrapServers", "the bootstrap servers must not be blank");
            }
            if (groupId == null || groupId.isBlank()) throw new InvalidInputException("groupId", "a consumer group id must not be blank");
            this.groupId = groupId;
            this.inbox = Objects.requireNonNull(inbox, "inbox");
            this.handler = Objects.requireNonNull(handler, "handler");
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.trim());
        }

        /** The topics to consume. */
        public Builder topics(String... topics) {
            if (topics.length == 0) throw new InvalidInputException("topics", "name at least one topic");
            for (String t : topics) KafkaTopics.checkTopic("topics", t);
            this.topics = List.of(topics);
            this.pattern = null;
            return this;
        }

        /** The topics to consume: every topic whose whole name matches, e.g. {@code facta\.order.*}. */
        public Builder topicPattern(Pattern pattern) {
            this.pattern = Objects.requireNonNull(pattern, "pattern");
            this.topics = List.of();
            return this;
        }

        /**
         * One consumer setting (any of Kafka's {@code ConsumerConfig}), e.g. {@code max.poll.records} or
         * the security settings. Offsets are committed by the subscriber: {@code enable.auto.commit}
         * stays off, and the deserializers are its own.
         */
        public Builder property(String key, Object value) {
            if (key == null || key.isBlank()) throw new InvalidInputException("property", "a property name must not be blank");
            Objects.requireNonNull(value, "value");
            if (key.equals(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG) && !"false".equalsIgnoreCase(value.toString().trim())) {
                throw new InvalidInputException(key, "the subscriber commits offsets itself, after the inbox committed: " + value);
            }
            if (key.equals(ConsumerConfig.GROUP_ID_CONFIG)) throw new InvalidInputException(key, "the group id is the builder's groupId");
            if (key.equals(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG) || key.equals(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG)) {
                throw new InvalidInputException(key, "the subscriber reads bytes with deserializers of its own");
            }
            properties.put(key, value);
            return this;
        }

        /** Consumer settings, as {@link #property} one by one. */
        public Builder properties(Properties consumerProperties) {
            for (String key : consumerProperties.stringPropertyNames()) property(key, consumerProperties.getProperty(key));
            return this;
        }

        /** How a failing handler is retried (default {@link DeliveryPolicy#defaults()}). */
        public Builder policy(DeliveryPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** How long one offset commit may wait for the brokers (default 10 s); a commit that fails is tried with the next one. */
        public Builder commitTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) throw new InvalidInputException("commitTimeout", "commitTimeout must be positive");
            this.commitTimeout = timeout;
            return this;
        }

        Map<String, Object> config() {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
            c.put(ConsumerConfig.CLIENT_ID_CONFIG, "facta-inbox-" + groupId);
            c.putAll(properties);
            c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            return c;
        }

        /** Creates the consumer, subscribes and starts handling records. */
        public KafkaSubscriber start() {
            if (topics.isEmpty() && pattern == null) throw new InvalidInputException("topics", "name the topics (or a topic pattern) to consume");
            return new KafkaSubscriber(this);
        }
    }
}
