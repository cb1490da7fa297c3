package dev.facta.outbox;

import dev.facta.InvalidInputException;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes outbox messages as HTTP webhooks on the JDK's {@link HttpClient}: one {@code POST} per
 * message to the endpoint, the event data as body, the {@link OutboxHeaders} as headers (the message id
 * as {@value OutboxHeaders#MESSAGE_ID}), signed with HMAC-SHA256 ({@link WebhookSignature}).
 *
 * <p>A 2xx answer acknowledges the message. 408, 425, 429, any 5xx, timeouts and connection errors mean
 * the endpoint is unavailable: the relay retries with backoff until it answers. Any other answer
 * (400, 401, 404, 422, redirects, which are not followed) refuses the message: the relay parks it after
 * its maximum number of attempts. Receivers drop duplicates by the message id ({@link WebhookReceiver}
 * does so through an {@link Inbox}).
 */
public final class WebhookPublisher implements OutboxPublisher {
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final URI endpoint;
    private final byte[] secret;
    private final HttpClient client;
    private final boolean ownClient;
    private final Duration requestTimeout;
    private final String contentType;
    private final Clock clock;
    private final int maxConcurrent;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    private WebhookPublisher(Builder b) {
        this.endpoint = b.endpoint;
        this.secret = b.secret;
        this.ownClient = b.client == null;
        this.client = b.client != null ? b.client : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.requestTimeout = b.requestTimeout;
        this.contentType = b.contentType;
        this.clock = b.clock;
        this.maxConcurrent = b.maxConcurrent;
    }

    /**
     * Webhooks to {@code endpoint} (http or https), signed with {@code secret} (at least 16 bytes,
     * shared with the receiver).
     */
    public static Builder builder(URI endpoint, byte[] secret) {
        return new Builder(endpoint, secret);
    }

    @Override
    public String name() {
        return "webhook " + endpoint;
    }

    @Override
    public CompletableFuture<Void> publish(OutboxMessage message) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Runnable send = () -> send(message, result);
        if (inFlight.incrementAndGet() <= maxConcurrent) {
            send.run();
        } else {
            inFlight.decrementAndGet();
            waiting.add(send);
            drain();
        }
        return result;
    }

    private void drain() {
        while (!waiting.isEmpty()) {
            if (inFlight.incrementAndGet() > maxConcurrent) {
                inFlight.decrementAndGet();
                return;
            }
            Runnable next = waiting.poll();
            if (next == null) {
                inFlight.decrementAndGet();
                return;
            }
            next.run();
        }
    }

    private void send(OutboxMessage message, CompletableFuture<Void> result) {
        try {
            byte[] body = message.payload();
            long ts = clock.instant().getEpochSecond();
            HttpRequest.Builder req = HttpRequest.newBuilder(endpoint)
                    .timeout(requestTimeout)
                    .header("Content-Type", contentType)
                    .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(ts))
                    .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, ts, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            for (var h : message.headers().entrySet()) {
                if (!RESTRICTED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) req.header(h.getKey(), h.getValue());
            }
            client.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                inFlight.decrementAndGet();
                try {
                    if (error != null) {
                        Throwable cause = Dispatch.unwrap(error);
                        result.completeExceptionally(PublishException.unavailable("webhook " + endpoint + " for " + message + ": "
                                + (cause instanceof HttpTimeoutException ? "no answer within " + requestTimeout.toMillis() + " ms"
                                : cause instanceof IOException ? "connection failed: " + cause : cause.toString()), cause));
                    } else {
                        int status = response.statusCode();
                        if (status >= 200 && status < 300) {
                            result.complete(null);
                        } else if (status >= 500 || status == 408 || status == 425 || status == 429) {
                            result.completeExceptionally(PublishException.unavailable(
                                    "webhook " + endpoint + " answered " + status + " for " + message, null));
                        } else {
                            result.completeExceptionally(PublishException.rejected(
                                    "webhook " + endpoint + " refused " + message + " with status " + status, null));
                        }
                    }
                } finally {
                    drain();
                }
            });
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            result.completeExceptionally(e instanceof IllegalArgumentException
                    ? PublishException.rejected("webhook " + endpoint + " cannot carry " + message + ": " + e.getMessage(), e)
                    : e);
            drain();
        }
    }

    @Override
    public void close() {
        if (ownClient) client.close();
    }

    /** Configures a {@link WebhookPublisher}. */
    public static final class Builder {
        private final URI endpoint;
        private final byte[] secret;
        private HttpClient client;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private String contentType = "application/json";
        private Clock clock = Clock.systemUTC();
        private int maxConcurrent = 64;

        private Builder(URI endpoint, byte[] secret) {
            Objects.requireNonNull(endpoint, "endpoint");
            if (endpoint.getScheme() == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))
                    || endpoint.getHost() == null) {
                throw new InvalidInputException("endpoint", "a webhook endpoint is an absolute http or https URI: " + endpoint);
            }
            this.endpoint = endpoint;
            this.secret = WebhookSignature.checkSecret(secret);
        }

        /** The client to send with (default: a client of its own, HTTP/1.1, no redirects); not closed by the publisher. */
        public Builder client(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** How long to wait for a connection (default 5 s) when the publisher makes its own client. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** How long to wait for the answer to one request (default 10 s); then the endpoint counts as unavailable. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
            return this;
        }

        /** The Content-Type of the bodies (default {@code application/json}). */
        public Builder contentType(String contentType) {
            if (contentType == null || contentType.isBlank()) throw new InvalidInputException("contentType", "contentType must not be blank");
            this.contentType = contentType;
            return this;
        }

        /** How many requests may be in flight at once (default 64). */
        public Builder maxConcurrent(int maxConcurrent) {
            if (maxConcurrent < 1) throw new InvalidInputException("maxConcurrent", "maxConcurrent must be at least 1: " + maxConcurrent);
            this.maxConcurrent = maxConcurrent;
            return this;
        }

        /** The clock for the signature timestamps (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public WebhookPublisher build() {
            return new WebhookPublisher(this);
        }

        private static Duration positive(String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) throw new InvalidInputException(field, field + " must be positive");
            return d;
        }
    }
}
