package dev.facta.server;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A black-box client of the HTTP API over a real socket, as any outside tool would call it. */
final class Http {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    Http(String base, String token) {
        this.base = base;
        this.token = token;
    }

    Http(FactaServer server) {
        this(server.url(), null);
    }

    Http withToken(String t) {
        return new Http(base, t);
    }

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String error() {
            return json().get("error").stringValue();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    Reply get(String path, String... headers) {
        return send(request(path, headers).GET());
    }

    Reply delete(String path, String... headers) {
        return send(request(path, headers).DELETE());
    }

    Reply post(String path, String body, String... headers) {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    Reply post(String path, byte[] body, String... headers) {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Reply method(String method, String path, String... headers) {
        return send(request(path, headers).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /** Appends and expects 201. */
    JsonNode append(String stream, String events, String... headers) {
        Reply r = post("/streams/" + stream, events, headers);
        if (r.status() != 201) throw new AssertionError("append to " + stream + " failed: " + r);
        return r.json();
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpClient client() {
        return client;
    }

    String base() {
        return base;
    }

    /** All events of the global log through GET /all, following next. */
    List<JsonNode> all() {
        List<JsonNode> out = new ArrayList<>();
        long from = 0;
        while (true) {
            Reply r = get("/all?from=" + from + "&limit=1000");
            if (r.status() != 200) throw new AssertionError("GET /all failed: " + r);
            JsonNode page = r.json();
            page.get("events").forEach(out::add);
            if (page.get("events").isEmpty()) return out;
            from = page.get("next").asLong();
        }
    }

    static String events(Map<String, String> typeToData) {
        StringBuilder sb = new StringBuilder("[");
        typeToData.forEach((type, data) -> {
            if (sb.length() > 1) sb.append(',');
            sb.append("{\"type\":\"").append(type).append("\",\"data\":").append(data).append('}');
        });
        return sb.append(']').toString();
    }
}
