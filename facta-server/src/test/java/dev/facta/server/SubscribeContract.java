package dev.facta.server;

import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /subscribe/all}: Server-Sent Events over a real socket, catch-up then live, resumable
 * with Last-Event-ID, on each store.
 */
abstract class SubscribeContract {
    EventStore store;
    FactaServer server;
    Http http;
    final List<SseClient> clients = new ArrayList<>();

    abstract EventStore newStore();

    void start(Duration heartbeat) {
        store = newStore();
        server = FactaServer.builder(store).heartbeat(heartbeat).build().start();
        http = new Http(server);
    }

    SseClient subscribe(String path, String... headers) {
        SseClient c = SseClient.open(http, path, headers);
        clients.add(c);
        return c;
    }

    @AfterEach
    void stop() {
        clients.forEach(SseClient::close);
        if (server != null) server.close();
        if (store != null) store.close();
    }

    void appendBatches(String prefix, int batches, int perBatch) {
        for (int b = 0; b < batches; b++) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < perBatch; i++) {
                sb.append(i == 0 ? "" : ",").append("{\"type\":\"Happened\",\"data\":{\"b\":").append(b).append(",\"i\":").append(i).append("}}");
            }
            http.append(prefix + "-" + (b % 7), sb.append(']').toString());
        }
    }

    @Test
    void catch_up_then_live_delivers_every_event_once_in_position_order_while_writers_append() throws Exception {
        start(Duration.ofSeconds(15));
        appendBatches("before", 40, 5);

        SseClient sse = subscribe("/subscribe/all");
        assertThat(sse.status).isEqualTo(200);
        assertThat(sse.contentType).startsWith("text/event-stream");
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int k = w;
            writers.add(Thread.ofVirtual().start(() -> appendBatches("live" + k, 25, 2)));
        }
        List<SseClient.Event> received = sse.take(400, Duration.ofSeconds(60));
        for (Thread t : writers) t.join();

        List<Long> positions = received.stream().map(SseClient.Event::position).toList();
        assertThat(positions).as("positions 1..400 exactly once, in order").isEqualTo(java.util.stream.LongStream.rangeClosed(1, 400).boxed().toList());
        List<JsonNode> log = http.all();
        assertThat(log).hasSize(400);
        for (int i = 0; i < 400; i++) {
            JsonNode viaSse = received.get(i).json();
            assertThat(received.get(i).event()).isEqualTo("message");
            assertThat(viaSse).as("the event as GET /all shows it").isEqualTo(log.get(i));
        }
        assertThat(sse.events.poll(300, TimeUnit.MILLISECONDS)).as("nothing more than was appended").isNull();
    }

    @Test
    void from_starts_at_a_position_and_last_event_id_resumes_after_the_last_event_seen() throws Exception {
        start(Duration.ofSeconds(15));
        appendBatches("s", 10, 10);

        SseClient fromMiddle = subscribe("/subscribe/all?from=60");
        assertThat(fromMiddle.take(41, Duration.ofSeconds(20)).stream().map(SseClient.Event::position).toList())
                .isEqualTo(java.util.stream.LongStream.rangeClosed(60, 100).boxed().toList());

        SseClient first = subscribe("/subscribe/all");
        List<SseClient.Event> seen = first.take(30, Duration.ofSeconds(20));
        first.close();
        String lastId = seen.getLast().id();
        assertThat(lastId).isEqualTo("30");

        // a reconnecting EventSource sends Last-Event-ID; it wins over the from of the original URL
        SseClient resumed = subscribe("/subscribe/all?from=1", "Last-Event-ID", lastId);
        List<SseClient.Event> rest = resumed.take(70, Duration.ofSeconds(20));
        assertThat(rest.getFirst().position()).isEqualTo(31);
        assertThat(rest.getLast().position()).isEqualTo(100);
        appendBatches("after", 1, 1);
        assertThat(resumed.take(1, Duration.ofSeconds(10)).getFirst().position()).as("then live").isEqualTo(101);
    }

    @Test
    void data_stored_on_several_lines_arrives_as_the_same_json() throws Exception {
        start(Duration.ofSeconds(15));
        store.append(StreamId.of("pretty-1"), ExpectedVersion.any(),
                EventData.of("Pretty", "{\n  \"a\": [1,\r\n 2],\r  \"b\": \"x\"\n}"));

        SseClient sse = subscribe("/subscribe/all");
        JsonNode event = sse.take(1, Duration.ofSeconds(10)).getFirst().json();

        assertThat(event.get("data").get("a").get(1).asInt()).isEqualTo(2);
        assertThat(event.get("data").get("b").stringValue()).isEqualTo("x");
    }

    @Test
    void a_quiet_stream_sends_keep_alive_comments_and_a_client_that_leaves_releases_its_subscription() throws Exception {
        start(Duration.ofMillis(150));
        SseClient sse = subscribe("/subscribe/all");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!sse.comments.contains("keep-alive") && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(sse.comments).contains("keep-alive");
        assertThat(server.openSubscriptions()).isEqualTo(1);

        sse.close();

        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.openSubscriptions() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(server.openSubscriptions()).as("the server noticed the client left").isZero();
    }
}
