package dev.facta.nats;

import dev.facta.InvalidInputException;
import dev.facta.outbox.OutboxMessage;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.outbox.PublishException;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Publishes outbox messages to NATS JetStream with the official client: each message is published with
 * its id as {@code Nats-Msg-Id}, so JetStream drops a message sent again within the stream's duplicate
 * window, and it counts as delivered once the PublishAck (the stream stored it) has come back. The
 * {@link dev.facta.outbox.OutboxHeaders} travel as NATS headers; the subject comes from the message
 * ({@link NatsSubjects#byStream} by default).
 *
 * <p>While the connection is not up, messages fail at once as unavailable (the relay retries with
 * backoff), rather than waiting in the client's reconnect buffer. A JetStream API error for a message
 * (too large for the stream, refused by its limits) and a message the client cannot send (over the
 * server's maximum payload) are refusals; everything else (no stream answering, timeouts, lost
 * connections) means unavailable.
 */
public final class NatsPublisher implements OutboxPublisher {
    private static final System.Logger LOG = System.getLogger(NatsPublisher.class.getName());
    private final Connection connection;
    private final boolean ownConnection;
    private final JetStream jetStream;
    private final Function<OutboxMessage, String> subjects;
    private final String expectedStream;

    private NatsPublisher(Builder b) throws IOException {
        this.connection = b.connection;
        this.ownConnection = b.ownConnection;
        this.jetStream = connection.jetStream();
        this.subjects = b.subjects;
        this.expectedStream = b.expectedStream;
    }

    /** A publisher on an existing connection (not closed by the publisher). */
    public static Builder builder(Connection connection) {
        return new Builder(Objects.requireNonNull(connection, "connection"), false);
    }

    /**
     * A publisher with a connection of its own to {@code url} (e.g. {@code nats://127.0.0.1:4222}) that
     * reconnects for ever and does not buffer while disconnected; closed with the publisher.
     */
    public static Builder builder(String url) throws IOException, InterruptedException {
        return new Builder(connect(url), true);
    }

    /**
     * The connection options the URL constructor uses: reconnect for ever every 500 ms, no reconnect
     * buffer, and the client's connection errors logged once per outage (through
     * {@code System.Logger}) rather than on every reconnect attempt.
     */
    public static Options options(String url) {
        return new Options.Builder().server(url).maxReconnects(-1).reconnectWait(Duration.ofMillis(500))
                .connectionTimeout(Duration.ofSeconds(5)).reconnectBufferSize(0)
                .errorListener(new QuietErrors()).connectionListener((conn, event) ->
                        LOG.log(System.Logger.Level.INFO, "NATS connection to " + url + ": " + event))
                .build();
    }

    /** Logs the client's errors at DEBUG after the first of an outage, which is logged as a WARNING. */
    private static final class QuietErrors implements io.nats.client.ErrorListener {
        private volatile boolean reported;

        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.log(System.Logger.Level.WARNING, "NATS error: " + error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            boolean connected = conn != null && conn.getStatus() == Connection.Status.CONNECTED;
            if (connected) reported = false;
            LOG.log(reported ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, "NATS connection problem: " + exp);
            reported = !connected;
        }
    }

    static Connection connect(String url) throws IOException, InterruptedException {
        return Nats.connectReconnectOnConnect(options(url));
    }

    @Override
    public String name() {
        return "nats " + connection.getConnectedUrl();
    }

    /** The connection messages go through. */
    public Connection connection() {
        return connection;
    }

    @Override
    public CompletableFuture<Void> publish(OutboxMessage message) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            return CompletableFuture.failedFuture(PublishException.unavailable(
                    "NATS connection is " + connection.getStatus() + ": " + message + " not sent", null));
        }
        String subject;
        Headers headers = new Headers();
        try {
            subject = subjects.apply(message);
            for (var h : message.headers().entrySet()) headers.add(h.getKey(), h.getValue());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(PublishException.rejected("cannot map " + message + " to NATS: " + e.getMessage(), e));
        }
        PublishOptions.Builder options = PublishOptions.builder().messageId(message.id().toString());
        if (expectedStream != null) options.expectedStream(expectedStream);
        CompletableFuture<Void> result = new CompletableFuture<>();
        CompletableFuture<io.nats.client.api.PublishAck> ack;
        try {
            ack = jetStream.publishAsync(subject, headers, message.payload(), options.build());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(PublishException.rejected("NATS cannot carry " + message + ": " + e.getMessage(), e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(PublishException.unavailable("NATS publish of " + message + " failed: " + e, e));
        }
        ack.whenComplete((a, error) -> {
            if (error == null) {
                result.complete(null);
                return;
            }
            Throwable cause = error;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            JetStreamApiException refusal = apiError(cause);
            result.completeExceptionally(refusal != null
                    ? PublishException.rejected("JetStream refused " + message + " on " + subject + ": " + refusal.getMessage(), refusal)
                    : PublishException.unavailable("JetStream did not store " + message + " on " + subject + ": " + cause, cause));
        });
        return result;
    }

    /** The JetStream API error in a failure's causes (the client wraps it), if any. */
    private static JetStreamApiException apiError(Throwable t) {
        for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
            if (t instanceof JetStreamApiException api) return api;
        }
        return null;
    }

    @Override
    public void close() {
        if (!ownConnection) return;
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures a {@link NatsPublisher}. */
    public static final class Builder {
        private final Connection connection;
        private final boolean ownConnection;
        private Function<OutboxMessage, String> subjects = NatsSubjects.byStream("facta");
        private String expectedStream;

        private Builder(Connection connection, boolean ownConnection) {
            this.connection = connection;
            this.ownConnection = ownConnection;
        }

        /** The subject of each message (default {@code NatsSubjects.byStream("facta")}). */
        public Builder subjects(Function<OutboxMessage, String> subjects) {
            this.subjects = Objects.requireNonNull(subjects, "subjects");
            return this;
        }

        /** Refuse to store messages anywhere but in this JetStream stream (a guard against a wrong subject mapping). */
        public Builder expectedStream(String stream) {
            if (stream == null || stream.isBlank()) throw new InvalidInputException("expectedStream", "a stream name must not be blank");
            this.expectedStream = stream;
            return this;
        }

        public NatsPublisher build() {
            try {
                return new NatsPublisher(this);
            } catch (IOException e) {
                throw new dev.facta.FactaException("cannot open JetStream on the NATS connection: " + e, e);
            }
        }
    }
}
