package dev.facta.server;

import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FactaServer#close()}: appends in flight finish and are stored, live subscriptions end with a
 * {@code shutdown} event, requests that arrive meanwhile are refused with 503 in the error shape, new
 * connections are refused, and a request that never finishes cannot hold the shutdown past its timeout.
 */
class GracefulShutdownTest {
    @TempDir
    Path temp;

    SqliteEventStore sqlite;
    FactaServer server;

    /** A store whose appends wait at a gate, so that requests are provably in flight when the server closes. */
    static final class GatedStore extends ForwardingEventStore {
        final CountDownLatch entered;
        final CountDownLatch gate = new CountDownLatch(1);

        GatedStore(EventStore delegate, int appends) {
            super(delegate);
            entered = new CountDownLatch(appends);
        }

        @Override
        public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return delegate.append(stream, expected, events);
        }
    }

    @AfterEach
    void cleanUp() {
        if (server != null) server.close();
        if (sqlite != null) sqlite.close();
    }

    @Test
    void appends_in_flight_finish_and_are_stored_then_new_connections_are_refused() throws Exception {
        sqlite = SqliteEventStore.open(temp.resolve("facta.db"));
        GatedStore gated = new GatedStore(sqlite, 8);
        server = FactaServer.builder(gated).shutdownTimeout(Duration.ofSeconds(20)).build().start();
        Http http = new Http(server);
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int k = i;
            clients.add(Thread.ofVirtual().start(() -> statuses.add(
                    http.post("/streams/order-" + k, "[{\"type\":\"Placed\",\"data\":{\"k\":" + k + "}}]").status())));
        }
        assertThat(gated.entered.await(10, TimeUnit.SECONDS)).as("all 8 appends are in flight").isTrue();

        Thread closer = Thread.ofVirtual().start(server::close);
        Thread.sleep(300);
        assertThat(closer.isAlive()).as("close waits for the appends in flight").isTrue();
        gated.gate.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(20));
        for (Thread c : clients) c.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(closer.isAlive()).isFalse();
        assertThat(statuses).hasSize(8).allMatch(s -> s == 201);
        assertThat(sqlite.headPosition()).isEqualTo(8);
        assertThatThrownBy(() -> http.get("/health")).isInstanceOf(java.io.UncheckedIOException.class)
                .cause().isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void a_request_arriving_during_shutdown_is_refused_with_503_in_the_error_shape() throws Exception {
        sqlite = SqliteEventStore.open(temp.resolve("facta.db"));
        GatedStore gated = new GatedStore(sqlite, 1);
        server = FactaServer.builder(gated).shutdownTimeout(Duration.ofSeconds(20)).build().start();
        Http http = new Http(server);
        Thread inFlight = Thread.ofVirtual().start(() -> http.post("/streams/a-1", "[{\"type\":\"A\",\"data\":{}}]"));
        assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue();
        try (Socket open = new Socket("127.0.0.1", server.port())) {
            Thread closer = Thread.ofVirtual().start(server::close);
            Thread.sleep(300);

            OutputStream out = open.getOutputStream();
            out.write("GET /all HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = open.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);

            assertThat(response).startsWith("HTTP/1.1 503");
            assertThat(response).contains("application/json").contains("{\"error\":\"unavailable\",\"message\":");
            gated.gate.countDown();
            closer.join(TimeUnit.SECONDS.toMillis(20));
            inFlight.join(TimeUnit.SECONDS.toMillis(20));
        }
        assertThat(sqlite.headPosition()).isEqualTo(1);
    }

    @Test
    void live_subscriptions_end_with_a_shutdown_event_and_the_end_of_the_stream() throws Exception {
        sqlite = SqliteEventStore.open(temp.resolve("facta.db"));
        server = FactaServer.builder(sqlite).build().start();
        Http http = new Http(server);
        http.append("order-1", "[{\"type\":\"Placed\",\"data\":{}}]");
        SseClient a = SseClient.open(http, "/subscribe/all");
        SseClient b = SseClient.open(http, "/subscribe/all?from=2");
        a.take(1, Duration.ofSeconds(10));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.openSubscriptions() < 2 && System.nanoTime() < deadline) Thread.sleep(10);

        long t0 = System.nanoTime();
        server.close();
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        for (SseClient c : List.of(a, b)) {
            c.ended.get(10, TimeUnit.SECONDS);
            SseClient.Event last = c.take(1, Duration.ofSeconds(1)).getFirst();
            assertThat(last.event()).isEqualTo("shutdown");
            assertThat(last.json().get("reason").stringValue()).contains("shutting down");
            c.close();
        }
        assertThat(closeMillis).as("subscriptions do not hold the shutdown").isLessThan(5_000);
    }

    @Test
    void a_request_that_never_finishes_cannot_hold_the_shutdown_past_its_timeout() throws Exception {
        sqlite = SqliteEventStore.open(temp.resolve("facta.db"));
        GatedStore gated = new GatedStore(sqlite, 1);
        server = FactaServer.builder(gated).shutdownTimeout(Duration.ofMillis(500)).build().start();
        Http http = new Http(server);
        Thread stuck = Thread.ofVirtual().start(() -> {
            try {
                http.post("/streams/a-1", "[{\"type\":\"A\",\"data\":{}}]");
            } catch (RuntimeException expected) {
                // the server cut the connection
            }
        });
        assertThat(gated.entered.await(10, TimeUnit.SECONDS)).isTrue();

        long t0 = System.nanoTime();
        server.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(millis).isBetween(400L, 5_000L);
        gated.gate.countDown();
        stuck.join(TimeUnit.SECONDS.toMillis(20));
    }
}
