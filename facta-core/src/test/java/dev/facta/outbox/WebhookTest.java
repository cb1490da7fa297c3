package dev.facta.outbox;

import com.sun.net.httpserver.HttpServer;
import dev.facta.InvalidInputException;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Webhooks end to end against a real HTTP server (the JDK's): relay -> {@link WebhookPublisher} ->
 * {@link WebhookReceiver} -> inbox, with the server answering errors on demand.
 */
class WebhookTest {
    private static final byte[] SECRET = "a-shared-secret-of-32-bytes-long".getBytes(StandardCharsets.UTF_8);

    private final EventStore events = new InMemoryEventStore();
    private final ProjectionStore store = new InMemoryProjectionStore();
    private final StoreInbox inbox = StoreInbox.inMemory("hooks");
    private final List<ProjectionEngine> engines = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    /** Decides an answer before the receiver sees the request; null lets the receiver answer. */
    private volatile Function<String, Integer> chaos = stream -> null;
    private HttpServer server;
    private URI endpoint;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        var receiver = WebhookReceiver.builder(inbox, SECRET, EffectLog.HANDLER).build().httpHandler();
        server.createContext("/hooks", ex -> {
            requests.incrementAndGet();
            Integer status = chaos.apply(OutboxHeaders.decode(ex.getRequestHeaders().getFirst(OutboxHeaders.STREAM)));
            if (status != null) {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(status, -1);
                ex.close();
                return;
            }
            receiver.handle(ex);
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks");
    }

    @AfterEach
    void stop() {
        for (ProjectionEngine e : engines) e.close();
        server.stop(0);
    }

    private OutboxRelay.Builder relay(WebhookPublisher publisher) {
        return OutboxRelay.builder("hooks", publisher).backoff(Duration.ofMillis(10), Duration.ofMillis(100));
    }

    private WebhookPublisher publisher() {
        return WebhookPublisher.builder(endpoint, SECRET).requestTimeout(Duration.ofSeconds(5)).build();
    }

    private ProjectionEngine start(OutboxRelay relay) {
        ProjectionEngine e = relay.registerOn(ProjectionEngine.builder(events, store).pollInterval(Duration.ofMillis(20))
                .leaseTtl(Duration.ofSeconds(1))).build().start();
        engines.add(e);
        return e;
    }

    private void append(String stream, int n) {
        for (int i = 0; i < n; i++) events.append(StreamId.of(stream), ExpectedVersion.any(), EventData.of("Happened", "{\"i\":" + i + "}"));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void deliversEveryEventSignedOnceAndInStreamOrder() throws Exception {
        for (int s = 0; s < 5; s++) append("order-" + s, 8);
        start(relay(publisher()).build());
        await("all handled", () -> EffectLog.total(inbox) == 40);
        Map<String, List<Long>> got = EffectLog.read(inbox);
        assertThat(got).hasSize(5);
        for (List<Long> v : got.values()) assertThat(v).isEqualTo(EffectLog.upTo(8));
    }

    @Test
    void theReceiverRefusesBadSignaturesAndReplays() throws Exception {
        byte[] body = "{}".getBytes();
        long now = Instant.now().getEpochSecond();
        try (HttpClient client = HttpClient.newHttpClient()) {
            assertThat(post(client, body, now, WebhookSignature.sign("another-secret-of-enough-bytes!!".getBytes(), now, body))).isEqualTo(401);
            assertThat(post(client, body, now, WebhookSignature.sign(SECRET, now, "{\"x\":1}".getBytes()))).isEqualTo(401);
            assertThat(post(client, body, now - 3600, WebhookSignature.sign(SECRET, now - 3600, body))).isEqualTo(401);
            assertThat(post(client, body, now, "v1=zz")).isEqualTo(401);
            assertThat(post(client, body, now, WebhookSignature.sign(SECRET, now, body))).isEqualTo(204);
        }
        assertThat(inbox.size()).isEqualTo(1);
        assertThatThrownBy(() -> WebhookPublisher.builder(endpoint, "short".getBytes())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> WebhookPublisher.builder(URI.create("ftp://x/y"), SECRET)).isInstanceOf(InvalidInputException.class);
    }

    private int post(HttpClient client, byte[] body, long ts, String signature) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(endpoint).header(OutboxHeaders.MESSAGE_ID, UUID.randomUUID().toString())
                .header(OutboxHeaders.STREAM, "x-1").header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(ts))
                .header(WebhookSignature.SIGNATURE_HEADER, signature).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void serverErrorsAreRetriedUntilTheEndpointRecovers() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        chaos = stream -> failing.get() ? 503 : null;
        OutboxRelay relay = relay(publisher()).maxAttempts(2).build();
        start(relay);
        append("order-1", 5);
        await("retried several times", () -> requests.get() >= 6);
        failing.set(false);
        await("all handled", () -> EffectLog.total(inbox) == 5);
        assertThat(EffectLog.read(inbox).get("order-1")).isEqualTo(EffectLog.upTo(5));
        assertThat(relay.parked(store)).isEmpty();
    }

    @Test
    void aRefusingEndpointParksTheStreamAfterMaxAttemptsWhileOthersFlow() throws Exception {
        AtomicBoolean refusing = new AtomicBoolean(true);
        chaos = stream -> refusing.get() && stream.equals("bad-1") ? 422 : null;
        OutboxRelay relay = relay(publisher()).maxAttempts(3).build();
        start(relay);
        append("bad-1", 3);
        append("good-1", 3);
        await("good flowed", () -> EffectLog.read(inbox).getOrDefault("good-1", List.of()).size() == 3);
        await("bad parked", () -> relay.parked(store).size() == 3);
        assertThat(requests.get()).isEqualTo(3 + 3); // three attempts of the poison, three good ones
        refusing.set(false);
        ReleaseResult r = relay.retryParked(events, store, "bad-1");
        assertThat(r.released()).isTrue();
        assertThat(EffectLog.read(inbox).get("bad-1")).isEqualTo(EffectLog.upTo(3));
    }

    @Test
    void aRelayKilledAfterTheAcknowledgementResendsTheSameIdsAndTheyAreHandledOnce() throws Exception {
        append("order-1", 5);
        append("order-2", 5);
        AtomicBoolean acked = new AtomicBoolean();
        ProjectionEngine dying = start(relay(publisher()).onDelivered(batch -> {
            acked.set(true);
            throw new IllegalStateException("killed before the checkpoint");
        }).build());
        await("acknowledged", () -> acked.get() && EffectLog.total(inbox) == 10);
        dying.close();
        long before = requests.get();
        start(relay(publisher()).build());
        await("checkpoint committed", () -> store.list().getFirst().checkpoints().getFirst() == 10L);
        assertThat(requests.get() - before).isGreaterThanOrEqualTo(10); // sent again ...
        assertThat(inbox.duplicatesDropped()).isGreaterThanOrEqualTo(10); // ... and dropped as duplicates
        assertThat(EffectLog.read(inbox).get("order-1")).isEqualTo(EffectLog.upTo(5));
        assertThat(EffectLog.read(inbox).get("order-2")).isEqualTo(EffectLog.upTo(5));
    }
}
