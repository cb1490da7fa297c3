package dev.facta.outbox;

import java.util.concurrent.CompletableFuture;

/**
 * Sends outbox messages to one broker or endpoint: the SPI of the NATS JetStream, RabbitMQ and webhook
 * publishers. The {@link OutboxRelay} calls {@link #publish} for one message of a stream at a time (the
 * next one only after the previous was acknowledged) and for many streams at once, from several
 * threads.
 */
public interface OutboxPublisher extends AutoCloseable {

    /**
     * Sends one message. The future completes normally once the destination has acknowledged it
     * durably (a JetStream PublishAck, a RabbitMQ publisher confirm, an HTTP 2xx); exceptionally with a
     * {@link PublishException} saying whether to retry or count a refusal. It must send the message's
     * id in the destination's own deduplication field where there is one. Must not block for long:
     * wait for acknowledgements asynchronously.
     */
    CompletableFuture<Void> publish(OutboxMessage message);

    /** A short name for logs and errors, e.g. {@code nats} or {@code webhook}. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** Releases connections; messages not yet acknowledged fail. */
    @Override
    default void close() {
    }
}
