package dev.facta.outbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.facta.InvalidInputException;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The consuming side of Facta webhooks: checks a request's signature ({@link WebhookSignature}) and
 * hands the message to a handler through an {@link Inbox}, so a webhook sent twice has its effect once.
 * Usable with any HTTP server through {@link #receive}, and with the JDK's own server through
 * {@link #httpHandler()}.
 *
 * <p>Answers: 204 when the message was processed or was a duplicate; 401 when the signature is
 * missing, wrong or too old; 400 when the message id header is missing; 405 for other methods than
 * POST; 413 for bodies over the limit; 500 when the handler failed (the sender retries).
 */
public final class WebhookReceiver {
    private static final System.Logger LOG = System.getLogger(WebhookReceiver.class.getName());

    private final Inbox inbox;
    private final InboxHandler handler;
    private final List<byte[]> secrets;
    private final Duration tolerance;
    private final Clock clock;
    private final int maxBodyBytes;

    private WebhookReceiver(Builder b) {
        this.inbox = b.inbox;
        this.handler = b.handler;
        this.secrets = List.copyOf(b.secrets);
        this.tolerance = b.tolerance;
        this.clock = b.clock;
        this.maxBodyBytes = b.maxBodyBytes;
    }

    /** A receiver for webhooks signed with {@code secret}, handled by {@code handler} through {@code inbox}. */
    public static Builder builder(Inbox inbox, byte[] secret, InboxHandler handler) {
        return new Builder(inbox, secret, handler);
    }

    /**
     * Handles one request: checks the signature, then processes the message through the inbox.
     *
     * @param path    the request path (the message's destination)
     * @param headers looks a header up by name, ignoring case; null when absent
     * @return the HTTP status to answer
     */
    public int receive(String path, Function<String, String> headers, byte[] body) {
        if (!WebhookSignature.verify(secrets, headers.apply(WebhookSignature.TIMESTAMP_HEADER),
                headers.apply(WebhookSignature.SIGNATURE_HEADER), body, clock.instant(), tolerance)) {
            return 401;
        }
        String id = headers.apply(OutboxHeaders.MESSAGE_ID);
        if (id == null || id.isBlank() || id.length() > 512) return 400;
        Map<String, String> all = new LinkedHashMap<>();
        for (String name : HEADERS) {
            String v = headers.apply(name);
            if (v != null) all.put(name, v);
        }
        InboxMessage message = new InboxMessage(id.trim(), path, all, body);
        try {
            inbox.process(message, handler);
            return 204;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "webhook " + message + " failed: " + e, e);
            return 500;
        }
    }

    private static final List<String> HEADERS = List.of(OutboxHeaders.MESSAGE_ID, OutboxHeaders.STREAM,
            OutboxHeaders.STREAM_VERSION, OutboxHeaders.POSITION, OutboxHeaders.EVENT_TYPE, OutboxHeaders.RECORDED_AT,
            OutboxHeaders.CORRELATION_ID, OutboxHeaders.CAUSATION_ID, OutboxHeaders.TENANT, OutboxHeaders.METADATA,
            OutboxHeaders.TRACEPARENT, OutboxHeaders.TRACESTATE, "Content-Type");

    /** This receiver as a handler for {@code com.sun.net.httpserver.HttpServer}. */
    public HttpHandler httpHandler() {
        return this::exchange;
    }

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().add("Allow", "POST");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(maxBodyBytes + 1);
            }
            if (body.length > maxBodyBytes) {
                ex.sendResponseHeaders(413, -1);
                return;
            }
            int status = receive(ex.getRequestURI().getPath(), ex.getRequestHeaders()::getFirst, body);
            ex.sendResponseHeaders(status, -1);
        }
    }

    /** Configures a {@link WebhookReceiver}. */
    public static final class Builder {
        private final Inbox inbox;
        private final InboxHandler handler;
        private final List<byte[]> secrets = new ArrayList<>();
        private Duration tolerance = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();
        private int maxBodyBytes = 4 * 1024 * 1024;

        private Builder(Inbox inbox, byte[] secret, InboxHandler handler) {
            this.inbox = Objects.requireNonNull(inbox, "inbox");
            this.handler = Objects.requireNonNull(handler, "handler");
            this.secrets.add(WebhookSignature.checkSecret(secret));
        }

        /** Also accepts signatures by another secret (while rotating secrets). */
        public Builder alsoAccept(byte[] secret) {
            secrets.add(WebhookSignature.checkSecret(secret));
            return this;
        }

        /** How far a signature's timestamp may be from now (default 5 minutes); older requests are refused as replays. */
        public Builder tolerance(Duration tolerance) {
            if (tolerance == null || tolerance.isNegative()) throw new InvalidInputException("tolerance", "tolerance must not be negative");
            this.tolerance = tolerance;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The largest body accepted (default 4 MiB). */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1) throw new InvalidInputException("maxBodyBytes", "maxBodyBytes must be positive");
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public WebhookReceiver build() {
            return new WebhookReceiver(this);
        }
    }
}
