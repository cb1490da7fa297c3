package dev.facta.nats;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.outbox.DeliveryPolicy;
import dev.facta.outbox.Inbox;
import dev.facta.outbox.InboxHandler;
import dev.facta.outbox.InboxMessage;
import dev.facta.outbox.OutboxHeaders;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The event-bus bridge for consuming from NATS JetStream: a durable pull consumer on a stream whose
 * messages are handed, one at a time and in stream order, to a handler through an {@link Inbox}, so a
 * message delivered twice (published twice, or redelivered) has its effect once. A message is
 * acknowledged after its effect committed (or when it was a duplicate); a failing handler is retried in
 * place by the {@link DeliveryPolicy} and, when it keeps failing, the message is terminated (JetStream
 * stops redelivering it) and logged. The durable consumer keeps its position on the server, so a
 * restarted subscriber goes on where it stopped.
 *
 * <p>Message ids: {@code Facta-Message-Id}, else {@code Nats-Msg-Id}, else the stream and sequence of
 * the message in JetStream (stable across redeliveries).
 */
public final class NatsSubscriber implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NatsSubscriber.class.getName());

    private final Connection connection;
    private final String stream;
    private final String durable;
    private final Inbox inbox;
    private final InboxHandler handler;
    private final DeliveryPolicy policy;
    private final IterableConsumer consumer;
    private final Thread thread;
    private volatile boolean closing;

    private NatsSubscriber(Builder b) throws IOException, JetStreamApiException {
        this.connection = b.connection;
        this.stream = b.stream;
        this.durable = b.durable;
        this.inbox = b.inbox;
        this.handler = b.handler;
        this.policy = b.policy;
        ConsumerConfiguration.Builder config = ConsumerConfiguration.builder().durable(durable).ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All).ackWait(b.ackWait);
        if (!b.filterSubjects.isEmpty()) config.filterSubjects(b.filterSubjects);
        ConsumerContext context = connection.getStreamContext(stream).createOrUpdateConsumer(config.build());
        this.consumer = context.iterate();
        this.thread = Thread.ofVirtual().name("facta-nats-subscriber-" + durable).start(this::run);
    }

    /**
     * Starts configuring a subscriber of the JetStream {@code stream} with the durable consumer
     * {@code durable}, handing messages to {@code handler} through {@code inbox}.
     */
    public static Builder builder(Connection connection, String stream, String durable, Inbox inbox, InboxHandler handler) {
        return new Builder(connection, stream, durable, inbox, handler);
    }

    private void run() {
        while (!closing) {
            Message m;
            try {
                m = consumer.nextMessage(Duration.ofMillis(500));
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (closing) return;
                LOG.log(System.Logger.Level.WARNING, "NATS consumer " + durable + " on " + stream + " failed: " + e);
                sleep();
                continue;
            }
            if (m == null) continue;
            InboxMessage message;
            try {
                message = toInbox(m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "NATS message on " + m.getSubject() + " cannot be handled: " + e + "; terminated");
                m.term();
                continue;
            }
            switch (policy.deliver(inbox, message, handler, () -> closing)) {
                case PROCESSED, DUPLICATE -> m.ack();
                case FAILED -> m.term();
                case STOPPED -> {
                    return; // unacknowledged: redelivered after the ack wait
                }
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A JetStream message as an inbox message. */
    static InboxMessage toInbox(Message m) {
        Map<String, String> headers = new LinkedHashMap<>();
        Headers h = m.getHeaders();
        if (h != null) {
            for (String key : h.keySet()) {
                String v = h.getFirst(key);
                if (v != null) headers.put(key, v);
            }
        }
        String id = headers.get(OutboxHeaders.MESSAGE_ID);
        if (id == null) id = headers.get("Nats-Msg-Id");
        if (id == null && m.isJetStream()) id = "nats:" + m.metaData().getStream() + ":" + m.metaData().streamSequence();
        if (id == null) throw new InvalidInputException("id", "the message on " + m.getSubject() + " has no id");
        return new InboxMessage(id, m.getSubject(), headers, m.getData() == null ? new byte[0] : m.getData());
    }

    /** Stops taking messages; the one being handled is finished (or left unacknowledged, to be redelivered). */
    @Override
    public void close() {
        closing = true;
        try {
            consumer.stop();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "stopping the NATS consumer failed", e);
        }
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            consumer.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the NATS consumer failed", e);
        }
    }

    /** Configures a {@link NatsSubscriber}. */
    public static final class Builder {
        private final Connection connection;
        private final String stream;
        private final String durable;
        private final Inbox inbox;
        private final InboxHandler handler;
        private List<String> filterSubjects = List.of();
        private DeliveryPolicy policy = DeliveryPolicy.defaults();
        private Duration ackWait = Duration.ofSeconds(60);

        private Builder(Connection connection, String stream, String durable, Inbox inbox, InboxHandler handler) {
            this.connection = Objects.requireNonNull(connection, "connection");
            if (stream == null || stream.isBlank()) throw new InvalidInputException("stream", "a stream name must not be blank");
            if (durable == null || !durable.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new InvalidInputException("durable", "a durable consumer name is 1-64 characters of A-Z, a-z, 0-9, '-' and '_': " + durable);
            }
            this.stream = stream;
            this.durable = durable;
            this.inbox = Objects.requireNonNull(inbox, "inbox");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** Only messages on these subjects (wildcards allowed; default: the whole stream). */
        public Builder filterSubjects(String... subjects) {
            this.filterSubjects = List.of(subjects);
            return this;
        }

        /** How a failing handler is retried (default {@link DeliveryPolicy#defaults()}). */
        public Builder policy(DeliveryPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * How long JetStream waits for an acknowledgement before redelivering (default 60 s). Keep it
         * longer than the policy's retries can take, or a redelivery may overtake them.
         */
        public Builder ackWait(Duration ackWait) {
            if (ackWait == null || ackWait.toMillis() < 1) throw new InvalidInputException("ackWait", "ackWait must be positive");
            this.ackWait = ackWait;
            return this;
        }

        /** Creates (or updates) the durable consumer and starts handling messages. */
        public NatsSubscriber start() {
            try {
                return new NatsSubscriber(this);
            } catch (IOException | JetStreamApiException e) {
                throw new FactaException("cannot create the NATS consumer " + durable + " on stream " + stream + ": " + e, e);
            }
        }
    }
}
