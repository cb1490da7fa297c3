package dev.facta.server;

import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The application's own health checks in {@code /health}: each within the timeout, details only for callers with a token. */
class HealthChecksTest {
    private final InMemoryEventStore store = new InMemoryEventStore();
    private FactaServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
        store.close();
    }

    @Test
    void a_check_that_is_down_throws_or_hangs_makes_health_answer_503() {
        AtomicBoolean pluginsUp = new AtomicBoolean(true);
        server = FactaServer.builder(store).authToken("t0ken-with-enough-length").healthTimeout(Duration.ofMillis(500))
                .healthCheck("plugins", () -> pluginsUp.get() ? HealthCheck.Result.up(Map.of("running", "3"))
                        : HealthCheck.Result.down("plugin devices is down"))
                .build().start();
        Http anonymous = new Http(server);
        Http authorized = anonymous.withToken("t0ken-with-enough-length");

        Http.Reply ok = authorized.get("/health");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().at("/checks/plugins/status").asString()).isEqualTo("up");
        assertThat(ok.json().at("/checks/plugins/running").asString()).isEqualTo("3");

        pluginsUp.set(false);
        Http.Reply down = authorized.get("/health");
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().get("status").asString()).isEqualTo("down");
        assertThat(down.json().at("/checks/plugins/error").asString()).contains("devices");
        Http.Reply anonymousDown = anonymous.get("/health");
        assertThat(anonymousDown.status()).isEqualTo(503);
        assertThat(anonymousDown.body()).doesNotContain("devices");
    }

    @Test
    void throwing_and_hanging_checks_are_down_within_the_timeout() {
        server = FactaServer.builder(store).healthTimeout(Duration.ofMillis(300))
                .healthCheck("broker", () -> {
                    throw new IllegalStateException("no broker at localhost:5672");
                })
                .healthCheck("slow", () -> {
                    while (true) {
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException ignored) {
                            // a check that will not stop: /health must answer anyway
                        }
                    }
                })
                .build().start();
        long start = System.nanoTime();
        Http.Reply r = new Http(server).get("/health");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().at("/checks/broker/error").asString()).contains("localhost:5672");
        assertThat(r.json().at("/checks/slow/error").asString()).contains("no answer within");
        assertThatThrownBy(() -> FactaServer.builder(store).healthCheck("Bad Name", () -> HealthCheck.Result.up(Map.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
