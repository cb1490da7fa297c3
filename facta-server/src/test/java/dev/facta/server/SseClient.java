package dev.facta.server;

import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a Server-Sent Events stream the way a browser's EventSource does (fields id, event, data;
 * data lines joined with \n; comments kept apart), on its own thread, into a queue.
 */
final class SseClient implements AutoCloseable {
    record Event(String id, String event, String data) {
        JsonNode json() {
            return Http.JSON.readTree(data);
        }

        long position() {
            return Long.parseLong(id);
        }
    }

    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final List<String> comments = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Completes when the server ends the stream (EOF), or fails when reading fails. */
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    final int status;
    final String contentType;
    private final InputStream body;
    private final Thread reader;

    private SseClient(HttpResponse<InputStream> response) {
        this.status = response.statusCode();
        this.contentType = response.headers().firstValue("Content-Type").orElse("");
        this.body = response.body();
        this.reader = Thread.ofVirtual().start(this::read);
    }

    static SseClient open(Http http, String path, String... headers) {
        HttpRequest.Builder request = http.request(path, headers).header("Accept", "text/event-stream").GET()
                .timeout(Duration.ofMinutes(5));
        try {
            return new SseClient(http.client().send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) events.add(new Event(id, event == null ? "message" : event, data.toString()));
                    event = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) value = value.substring(1);
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> event = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
            ended.complete(null);
        } catch (IOException e) {
            ended.completeExceptionally(e);
        }
    }

    /** The next n events, failing when they do not come within the timeout. */
    List<Event> take(int n, Duration timeout) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out.size() < n) {
            Event e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) throw new AssertionError("got " + out.size() + " of " + n + " events within " + timeout + ": " + out);
            out.add(e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing a stream the server may have ended already
        }
        reader.interrupt();
    }
}
