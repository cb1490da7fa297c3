package dev.facta.server;

import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests the HTTP server refuses before any route sees them (a broken request line, headers too
 * large, a NUL in the path, a declared body over the limit) are answered in the API's error shape too,
 * over a raw socket since well-behaved clients cannot send them.
 */
class ProtocolErrorsTest {
    InMemoryEventStore store;
    FactaServer server;

    @BeforeEach
    void start() {
        store = new InMemoryEventStore();
        server = FactaServer.builder(store).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void assertShape(String response, int status, String code) {
        assertThat(response).startsWith("HTTP/1.1 " + status);
        assertThat(response).containsIgnoringCase("Content-Type: application/json");
        assertThat(response).contains("{\"error\":\"" + code + "\",\"message\":\"").doesNotContain("<html").doesNotContain("\tat ");
    }

    @Test
    void a_broken_request_line_is_400_in_the_error_shape() throws Exception {
        assertShape(raw("GARBAGE\r\n\r\n"), 400, "bad_request");
        assertShape(raw("GET /streams/x%00y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 400, "bad_request");
    }

    @Test
    void headers_over_the_limit_are_431_too_large() throws Exception {
        assertShape(raw("GET /all HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\nConnection: close\r\n\r\n"),
                431, "too_large");
    }

    @Test
    void a_declared_body_over_the_limit_is_413_before_it_is_read() throws Exception {
        String response = raw("POST /streams/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nConnection: close\r\n\r\n[]");

        assertShape(response, 413, "too_large");
        assertThat(store.headPosition()).isZero();
    }
}
