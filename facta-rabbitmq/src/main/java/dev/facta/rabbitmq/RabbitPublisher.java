package dev.facta.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import dev.facta.InvalidInputException;
import dev.facta.outbox.OutboxMessage;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.outbox.PublishException;

import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;

/**
 * Publishes outbox messages to a RabbitMQ exchange with the official client, with publisher confirms
 * and mandatory routing: a message counts as delivered when the broker confirms it (for persistent
 * messages on durable queues: once it is written), and a message no queue is bound for comes back as
 * returned and is refused (the relay parks it after its attempts). A broker nack, a lost connection or
 * a failed reconnect mean unavailable: the relay retries with backoff.
 *
 * <p>Properties: {@code message-id} is the message id (the event id; RabbitMQ does not deduplicate,
 * consumers drop duplicates through an {@link dev.facta.outbox.Inbox}), {@code type} the event type,
 * {@code correlation-id} the correlation id, {@code timestamp} the recording time, delivery mode
 * persistent, and the {@link dev.facta.outbox.OutboxHeaders} as headers. The routing key is the
 * stream's category by default.
 *
 * <p>The publisher keeps one connection and channel of its own, opened on first use and opened again
 * (at most every {@code reconnectDelay}) after it was lost; automatic recovery of the client is off, so
 * that confirms of a lost channel are never mistaken for those of a new one.
 */
public final class RabbitPublisher implements OutboxPublisher {
    private static final System.Logger LOG = System.getLogger(RabbitPublisher.class.getName());

    /** One connection and channel with the messages awaiting its confirms. */
    private final class Link {
        final Connection connection;
        final Channel channel;
        final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
        final Map<String, Pending> byId = new ConcurrentHashMap<>();
        volatile boolean dead;

        Link(Connection connection, Channel channel) {
            this.connection = connection;
            this.channel = channel;
        }

        void confirmed(long tag, boolean multiple, boolean ack) {
            Map<Long, Pending> done = multiple ? pending.headMap(tag, true) : pending.containsKey(tag) ? Map.of(tag, pending.get(tag)) : Map.of();
            for (var e : Map.copyOf(done).entrySet()) {
                pending.remove(e.getKey());
                Pending p = e.getValue();
                byId.remove(p.id, p);
                if (!ack) {
                    p.result.completeExceptionally(PublishException.unavailable("RabbitMQ nacked " + p.description, null));
                } else if (p.returned != null) {
                    p.result.completeExceptionally(PublishException.rejected("RabbitMQ returned " + p.description + ": " + p.returned, null));
                } else {
                    p.result.complete(null);
                }
            }
        }

        void lost(String why) {
            dead = true;
            for (Long tag : pending.keySet()) {
                Pending p = pending.remove(tag);
                if (p != null) p.result.completeExceptionally(PublishException.unavailable(
                        "RabbitMQ connection lost before confirming " + p.description + ": " + why, null));
            }
            byId.clear();
        }
    }

    private static final class Pending {
        final String id;
        final String description;
        final CompletableFuture<Void> result = new CompletableFuture<>();
        volatile String returned;

        Pending(String id, String description) {
            this.id = id;
            this.description = description;
        }
    }

    private final ConnectionFactory factory;
    private final String exchange;
    private final Function<OutboxMessage, String> routingKeys;
    private final long reconnectDelayNanos;
    private final Object lock = new Object();
    private Link link;
    private long lastAttemptNanos;
    private String lastConnectError;
    private boolean closed;

    private RabbitPublisher(Builder b) {
        this.factory = b.factory.clone();
        this.factory.setAutomaticRecoveryEnabled(false);
        this.factory.setConnectionTimeout((int) b.connectTimeout.toMillis());
        this.exchange = b.exchange;
        this.routingKeys = b.routingKeys;
        this.reconnectDelayNanos = b.reconnectDelay.toNanos();
    }

    /** A publisher to {@code exchange} (which must exist) on the broker the factory points at. */
    public static Builder builder(ConnectionFactory factory, String exchange) {
        return new Builder(factory, exchange);
    }

    @Override
    public String name() {
        return "rabbitmq " + factory.getHost() + ":" + factory.getPort() + " exchange " + exchange;
    }

    @Override
    public CompletableFuture<Void> publish(OutboxMessage message) {
        String routingKey;
        AMQP.BasicProperties props;
        try {
            routingKey = routingKeys.apply(message);
            props = properties(message);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(PublishException.rejected("cannot map " + message + " to RabbitMQ: " + e.getMessage(), e));
        }
        synchronized (lock) {
            Link l;
            try {
                l = link();
            } catch (PublishException e) {
                return CompletableFuture.failedFuture(e);
            }
            Pending p = new Pending(message.id().toString(), message + " (routing key " + routingKey + ")");
            long tag = l.channel.getNextPublishSeqNo();
            l.pending.put(tag, p);
            l.byId.put(p.id, p);
            try {
                l.channel.basicPublish(exchange, routingKey, true, props, message.payload());
            } catch (IOException | ShutdownSignalException e) {
                l.pending.remove(tag);
                l.byId.remove(p.id, p);
                drop(l, e.toString());
                return CompletableFuture.failedFuture(PublishException.unavailable("RabbitMQ publish of " + message + " failed: " + e, e));
            }
            return p.result;
        }
    }

    private static AMQP.BasicProperties properties(OutboxMessage m) {
        Map<String, Object> headers = new LinkedHashMap<>(m.headers());
        return new AMQP.BasicProperties.Builder()
                .messageId(m.id().toString())
                .type(m.type())
                .contentType("application/json")
                .deliveryMode(2)
                .timestamp(Date.from(m.event().recordedAt()))
                .correlationId(m.event().metadata().correlationId())
                .appId("facta")
                .headers(headers)
                .build();
    }

    /** The live link, opened now when there is none (and the last attempt is long enough ago). */
    private Link link() {
        if (closed) throw PublishException.unavailable("the RabbitMQ publisher is closed", null);
        if (link != null && !link.dead && link.channel.isOpen()) return link;
        if (link != null) drop(link, "channel closed");
        long now = System.nanoTime();
        if (lastConnectError != null && now - lastAttemptNanos < reconnectDelayNanos) {
            throw PublishException.unavailable("RabbitMQ is unreachable: " + lastConnectError, null);
        }
        lastAttemptNanos = now;
        Connection c = null;
        try {
            c = factory.newConnection("facta-outbox");
            Channel ch = c.createChannel();
            ch.confirmSelect();
            Link l = new Link(c, ch);
            ch.addConfirmListener((tag, multiple) -> l.confirmed(tag, multiple, true), (tag, multiple) -> l.confirmed(tag, multiple, false));
            ch.addReturnListener(r -> {
                String id = r.getProperties() == null ? null : r.getProperties().getMessageId();
                Pending p = id == null ? null : l.byId.get(id);
                if (p != null) p.returned = r.getReplyCode() + " " + r.getReplyText() + " (routing key " + r.getRoutingKey() + ")";
            });
            ch.addShutdownListener(cause -> l.lost(String.valueOf(cause.getMessage())));
            c.addShutdownListener(cause -> l.lost(String.valueOf(cause.getMessage())));
            lastConnectError = null;
            link = l;
            return l;
        } catch (Exception e) {
            if (c != null) {
                try {
                    c.abort();
                } catch (RuntimeException ignored) {
                    // already gone
                }
            }
            lastConnectError = e.toString();
            throw PublishException.unavailable("cannot connect to RabbitMQ at " + factory.getHost() + ":" + factory.getPort() + ": " + e, e);
        }
    }

    private void drop(Link l, String why) {
        l.lost(why);
        if (link == l) link = null;
        try {
            l.connection.abort();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "aborting the RabbitMQ connection failed", e);
        }
    }

    /** Closes the connection; messages not yet confirmed fail as unavailable. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (link != null) {
                Link l = link;
                link = null;
                try {
                    l.connection.close(2000);
                } catch (IOException | RuntimeException e) {
                    l.connection.abort();
                }
                l.lost("publisher closed");
            }
        }
    }

    /** Configures a {@link RabbitPublisher}. */
    public static final class Builder {
        private final ConnectionFactory factory;
        private final String exchange;
        private Function<OutboxMessage, String> routingKeys = OutboxMessage::category;
        private Duration reconnectDelay = Duration.ofMillis(500);
        private Duration connectTimeout = Duration.ofSeconds(5);

        private Builder(ConnectionFactory factory, String exchange) {
            this.factory = Objects.requireNonNull(factory, "factory");
            if (exchange == null) throw new InvalidInputException("exchange", "an exchange name must not be null ('' is the default exchange)");
            this.exchange = exchange;
        }

        /** The routing key of each message (default: the stream's category). */
        public Builder routingKeys(Function<OutboxMessage, String> routingKeys) {
            this.routingKeys = Objects.requireNonNull(routingKeys, "routingKeys");
            return this;
        }

        /** The least time between two connection attempts while the broker is unreachable (default 500 ms). */
        public Builder reconnectDelay(Duration delay) {
            if (delay == null || delay.isNegative()) throw new InvalidInputException("reconnectDelay", "reconnectDelay must not be negative");
            this.reconnectDelay = delay;
            return this;
        }

        /**
         * How long one connection attempt may take (default 5 s, replacing the factory's setting): a
         * publish that has to reconnect waits this long at most before failing as unavailable.
         */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new InvalidInputException("connectTimeout", "connectTimeout must be positive");
            }
            this.connectTimeout = timeout;
            return this;
        }

        public RabbitPublisher build() {
            return new RabbitPublisher(this);
        }
    }
}
