package dev.facta.observability;

import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.command.LoggingMiddleware;
import dev.facta.store.Metadata;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthAndLoggingTest {
    record Fail() {}

    @Test
    void a_working_store_is_up_and_a_closed_one_down() {
        var store = new InMemoryEventStore();
        var health = new StoreHealth(store, Duration.ofSeconds(1));
        var up = health.check();
        assertThat(up.status()).isEqualTo(StoreHealth.Status.UP);
        assertThat(up.details()).containsEntry("headPosition", 0L).containsKeys("store", "latencyMs");

        store.close();
        var down = health.check();
        assertThat(down.status()).isEqualTo(StoreHealth.Status.DOWN);
        assertThat(down.details()).containsKeys("store", "error");
    }

    @Test
    void a_store_that_hangs_is_down_after_the_timeout() {
        var hanging = (dev.facta.store.EventStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[]{dev.facta.store.EventStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("headPosition")) Thread.sleep(5_000);
                    return method.getName().equals("describe") ? "hanging" : 0L;
                });
        var down = new StoreHealth(hanging, Duration.ofMillis(50)).check();
        assertThat(down.status()).isEqualTo(StoreHealth.Status.DOWN);
        assertThat((String) down.details().get("error")).startsWith("timed out");
    }

    @Test
    void json_lines_carry_level_logger_message_and_correlation_id() {
        var f = new JsonLogFormatter();
        var r = new LogRecord(Level.INFO, "order {0} placed, \"quoted\"\nnext");
        r.setLoggerName("shop");
        r.setParameters(new Object[]{"o-1", Metadata.empty().withCorrelationId("corr-1")});
        String line = f.format(r);
        assertThat(line).endsWith("}\n").doesNotContain("\nnext");
        assertThat(line).contains("\"level\":\"INFO\"", "\"logger\":\"shop\"",
                "\"message\":\"order o-1 placed, \\\"quoted\\\"\\nnext\"", "\"correlationId\":\"corr-1\"", "\"time\":\"");

        var plain = new LogRecord(Level.FINE, "nothing to correlate");
        assertThat(f.format(plain)).doesNotContain("correlationId");
    }

    @Test
    void the_core_logging_middleware_lines_get_their_correlation_id() {
        Logger jul = Logger.getLogger("dev.facta.command");
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override public void publish(LogRecord record) { records.add(record); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        jul.addHandler(capture);
        try (CommandBus bus = CommandBus.builder().use(new LoggingMiddleware())
                .register(Fail.class, c -> { throw new IllegalStateException("nope"); }).build()) {
            assertThatThrownBy(() -> bus.dispatch(CommandMessage.of(new Fail())
                    .withMetadata(Metadata.empty().withCorrelationId("corr-9")))).isInstanceOf(IllegalStateException.class);
        } finally {
            jul.removeHandler(capture);
        }
        assertThat(records).isNotEmpty();
        String line = new JsonLogFormatter().format(records.getLast());
        assertThat(line).contains("\"level\":\"WARNING\"", "\"correlationId\":\"corr-9\"", "command Fail");
    }
}
