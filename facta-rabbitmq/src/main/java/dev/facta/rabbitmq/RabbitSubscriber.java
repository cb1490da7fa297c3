package dev.facta.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.outbox.DeliveryPolicy;
import dev.facta.outbox.Inbox;
import dev.facta.outbox.InboxHandler;
import dev.facta.outbox.InboxMessage;
import dev.facta.outbox.OutboxHeaders;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The event-bus bridge for consuming from RabbitMQ: consumes a queue with manual acknowledgements and
 * hands each message, in queue order, to a handler through an {@link Inbox}, so a message delivered
 * twice (published twice, or redelivered after a lost connection) has its effect once. A message is
 * acknowledged after its effect committed (or when it was a duplicate); a failing handler is retried in
 * place by the {@link DeliveryPolicy} and, when it keeps failing, the message is rejected without
 * requeueing (to the queue's dead-letter exchange, when it has one) and logged. The connection recovers
 * by itself (the client's automatic recovery), and unacknowledged messages are redelivered.
 *
 * <p>Message ids: the {@code message-id} property, else the {@code Facta-Message-Id} header; a message
 * with neither is rejected.
 */
public final class RabbitSubscriber implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RabbitSubscriber.class.getName());

    private final Connection connection;
    private final Channel channel;
    private final String queue;
    private volatile boolean closing;

    private RabbitSubscriber(Builder b) throws Exception {
        ConnectionFactory f = b.factory.clone();
        f.setAutomaticRecoveryEnabled(true);
        this.queue = b.queue;
        this.connection = f.newConnection("facta-inbox-" + queue);
        try {
            this.channel = connection.createChannel();
            channel.basicQos(b.prefetch);
            Inbox inbox = b.inbox;
            InboxHandler handler = b.handler;
            DeliveryPolicy policy = b.policy;
            channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) throws IOException {
                    InboxMessage message;
                    try {
                        message = toInbox(envelope, props, body);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "RabbitMQ message on " + queue + " cannot be handled: " + e + "; rejected");
                        getChannel().basicReject(envelope.getDeliveryTag(), false);
                        return;
                    }
                    switch (policy.deliver(inbox, message, handler, () -> closing)) {
                        case PROCESSED, DUPLICATE -> getChannel().basicAck(envelope.getDeliveryTag(), false);
                        case FAILED -> getChannel().basicReject(envelope.getDeliveryTag(), false);
                        case STOPPED -> { } // unacknowledged: redelivered when the channel closes
                    }
                }
            });
        } catch (Exception e) {
            connection.abort();
            throw e;
        }
    }

    /** Starts configuring a subscriber of {@code queue} handing messages to {@code handler} through {@code inbox}. */
    public static Builder builder(ConnectionFactory factory, String queue, Inbox inbox, InboxHandler handler) {
        return new Builder(factory, queue, inbox, handler);
    }

    /** A delivery as an inbox message. */
    static InboxMessage toInbox(Envelope envelope, AMQP.BasicProperties props, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (props.getHeaders() != null) {
            for (var e : props.getHeaders().entrySet()) if (e.getValue() != null) headers.put(e.getKey(), e.getValue().toString());
        }
        String id = props.getMessageId();
        if (id == null) id = headers.get(OutboxHeaders.MESSAGE_ID);
        if (id == null) throw new InvalidInputException("id", "the message has neither a message-id nor a " + OutboxHeaders.MESSAGE_ID + " header");
        return new InboxMessage(id, envelope.getRoutingKey(), headers, body == null ? new byte[0] : body);
    }

    /** Stops consuming; the message being handled is finished (or left unacknowledged, to be redelivered). */
    @Override
    public void close() {
        closing = true;
        try {
            connection.close(5000);
        } catch (IOException | RuntimeException e) {
            connection.abort();
        }
    }

    /** Configures a {@link RabbitSubscriber}. */
    public static final class Builder {
        private final ConnectionFactory factory;
        private final String queue;
        private final Inbox inbox;
        private final InboxHandler handler;
        private int prefetch = 100;
        private DeliveryPolicy policy = DeliveryPolicy.defaults();

        private Builder(ConnectionFactory factory, String queue, Inbox inbox, InboxHandler handler) {
            this.factory = Objects.requireNonNull(factory, "factory");
            if (queue == null || queue.isBlank()) throw new InvalidInputException("queue", "a queue name must not be blank");
            this.queue = queue;
            this.inbox = Objects.requireNonNull(inbox, "inbox");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** How many unacknowledged messages the broker sends ahead (default 100). */
        public Builder prefetch(int prefetch) {
            if (prefetch < 1 || prefetch > 65535) throw new InvalidInputException("prefetch", "prefetch must be 1..65535: " + prefetch);
            this.prefetch = prefetch;
            return this;
        }

        /** How a failing handler is retried (default {@link DeliveryPolicy#defaults()}). */
        public Builder policy(DeliveryPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Connects and starts consuming. */
        public RabbitSubscriber start() {
            try {
                return new RabbitSubscriber(this);
            } catch (Exception e) {
                throw new FactaException("cannot consume RabbitMQ queue " + queue + ": " + e, e);
            }
        }
    }
}
