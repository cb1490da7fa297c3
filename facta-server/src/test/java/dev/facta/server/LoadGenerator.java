package dev.facta.server;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator for the HTTP API, run as its own process against a server on loopback:
 * {@code LoadGenerator <baseUrl> <seconds> <clients>}. Each client loops over appends (1 to 5 events,
 * ~200-byte data, to one of 200 streams of its own, at the exact expected version it last saw), reads
 * of a stream's tail, and pages of the global log; one more follows the log over Server-Sent Events
 * and checks that it sees every position exactly once, in order. Any unexpected status, error or gap
 * counts as an error. It prints one result line:
 * {@code requests=<n> errors=<n> events_appended=<n> seconds=<s> requests_per_s=<x> p50_ms=<x> p99_ms=<x> max_ms=<x> sse_events=<n>}
 * and exits 0.
 */
public final class LoadGenerator {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong appended = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private volatile boolean stop;

    private LoadGenerator(String base) {
        this.base = base;
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        int seconds = Integer.parseInt(args[1]);
        int clients = Integer.parseInt(args[2]);
        System.exit(new LoadGenerator(base).run(seconds, clients));
    }

    private int run(int seconds, int clients) throws Exception {
        SseFollower follower = new SseFollower();
        Thread sse = Thread.ofPlatform().name("sse").start(follower);
        List<Thread> threads = new ArrayList<>();
        List<Client> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Client c = new Client(i);
            all.add(c);
            threads.add(Thread.ofPlatform().name("client-" + i).start(c));
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop = true;
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - t0) / 1e9;

        // the follower must reach the head: every appended event, exactly once
        long head = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).get("headPosition").asLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (follower.next - 1 < head && System.nanoTime() < deadline && follower.failure == null) Thread.sleep(50);
        follower.close();
        sse.join(5_000);
        if (follower.failure != null) error("sse: " + follower.failure);
        if (follower.next - 1 != head) error("sse reached " + (follower.next - 1) + " of head " + head);
        if (head != appended.get()) error("head " + head + " but " + appended.get() + " events were appended");

        long[] sorted = all.stream().map(c -> Arrays.copyOf(c.latencies, c.count)).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf("requests=%d errors=%d events_appended=%d seconds=%.3f requests_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f sse_events=%d%n",
                requests.get(), errors.get(), appended.get(), elapsed, requests.get() / elapsed,
                percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
                follower.next - 1);
        errorSamples.stream().limit(10).forEach(s -> System.out.println("error: " + s));
        System.out.flush();
        return 0;
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    private void error(String what) {
        errors.incrementAndGet();
        if (errorSamples.size() < 100) errorSamples.add(what);
    }

    private final class Client implements Runnable {
        final int id;
        final long[] versions = new long[200];
        long[] latencies = new long[1 << 16];
        int count;

        Client(int id) {
            this.id = id;
            Arrays.fill(versions, -1);
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long iteration = 0;
            while (!stop) {
                iteration++;
                int s = random.nextInt(versions.length);
                String stream = "load" + id + "-" + s;
                try {
                    if (iteration % 4 != 0) {
                        append(stream, s, 1 + random.nextInt(5), random);
                    } else if (iteration % 8 == 0) {
                        long from = 1 + random.nextLong(Math.max(1, appended.get()));
                        expect(send(HttpRequest.newBuilder(URI.create(base + "/all?from=" + from + "&limit=100")).GET()), 200, "GET /all");
                    } else if (versions[s] >= 0) {
                        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/streams/" + stream
                                + "?direction=backward&limit=20")).GET());
                        if (expect(r, 200, "GET stream")) {
                            JsonNode events = JSON.readTree(r.body()).get("events");
                            if (events.isEmpty() || events.get(0).get("version").asLong() != versions[s]) {
                                error("stream " + stream + " ends at " + (events.isEmpty() ? "nothing" : events.get(0).get("version"))
                                        + ", expected version " + versions[s]);
                            }
                        }
                    }
                } catch (Exception e) {
                    error(e.toString());
                }
            }
        }

        private void append(String stream, int s, int n, ThreadLocalRandom random) throws Exception {
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < n; i++) {
                body.append(i == 0 ? "" : ",").append("{\"type\":\"LoadTested\",\"data\":{\"client\":").append(id)
                        .append(",\"seq\":").append(random.nextLong()).append(",\"text\":\"")
                        .append("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis")
                        .append("\",\"amount\":").append(random.nextInt(100_000) / 100.0).append("},\"metadata\":{\"correlationId\":\"c-")
                        .append(id).append('-').append(s).append("\"}}");
            }
            String expected = versions[s] < 0 ? "no_stream" : Long.toString(versions[s]);
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/streams/" + stream))
                    .header("Facta-Expected-Version", expected).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.append(']').toString())));
            if (expect(r, 201, "POST " + stream)) {
                versions[s] = JSON.readTree(r.body()).get("nextExpectedVersion").asLong();
                appended.addAndGet(n);
            }
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            long nanos = System.nanoTime() - t0;
            requests.incrementAndGet();
            if (count == latencies.length) latencies = Arrays.copyOf(latencies, count * 2);
            latencies[count++] = nanos;
            return r;
        }

        private boolean expect(HttpResponse<String> r, int status, String what) {
            if (r.statusCode() == status) return true;
            error(what + " -> " + r.statusCode() + " " + r.body());
            return false;
        }
    }

    /** Follows the global log from position 1 and checks every position arrives once, in order. */
    private final class SseFollower implements Runnable {
        volatile long next = 1;
        volatile String failure;
        private volatile InputStream body;
        private volatile boolean closed;

        @Override
        public void run() {
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/subscribe/all?from=1"))
                        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
                body = r.body();
                if (r.statusCode() != 200) {
                    failure = "status " + r.statusCode();
                    return;
                }
                try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("id: ")) {
                            long position = Long.parseLong(line.substring(4));
                            if (position != next) {
                                failure = "expected position " + next + " but got " + position;
                                return;
                            }
                            next = position + 1;
                        }
                    }
                }
                if (!closed) failure = "the stream ended early at " + (next - 1);
            } catch (Exception e) {
                if (!closed) failure = e.toString();
            }
        }

        void close() {
            closed = true;
            try {
                if (body != null) body.close();
            } catch (Exception ignored) {
                // closing our end of the stream
            }
        }
    }
}
