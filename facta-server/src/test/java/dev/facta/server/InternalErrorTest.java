package dev.facta.server;

import dev.facta.store.AllSlice;
import dev.facta.store.EventFilter;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** An unexpected failure is 500 {@code internal_error} without any detail of it; the server's log has it. */
class InternalErrorTest {
    /** A store whose disk has failed: reading the log throws what a broken driver would. */
    static final class BrokenStore extends ForwardingEventStore {
        BrokenStore() {
            super(new InMemoryEventStore());
        }

        @Override
        public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
            throw new IllegalStateException("disk /dev/sda1 failed at sector 4711 (password=hunter2)");
        }
    }

    /** A store whose reads of the log fail from a moment on, as when its database goes away. */
    static final class FailingLaterStore extends ForwardingEventStore {
        volatile boolean failing;

        FailingLaterStore() {
            super(new InMemoryEventStore());
        }

        @Override
        public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
            if (failing) throw new IllegalStateException("connection refused (password=hunter2)");
            return delegate.readAll(fromPosition, maxCount, filter);
        }
    }

    @Test
    void a_subscription_whose_store_fails_ends_with_an_error_event_and_resumes_after_the_last_event_seen() throws Exception {
        try (FailingLaterStore store = new FailingLaterStore(); FactaServer server = FactaServer.builder(store).build().start()) {
            Http http = new Http(server);
            http.append("order-1", "[{\"type\":\"A\",\"data\":{}},{\"type\":\"B\",\"data\":{}}]");
            SseClient sse = SseClient.open(http, "/subscribe/all");
            assertThat(sse.take(2, java.time.Duration.ofSeconds(10))).extracting(SseClient.Event::id).containsExactly("1", "2");

            store.failing = true;
            http.append("order-1", "[{\"type\":\"C\",\"data\":{}}]");

            SseClient.Event error = sse.take(1, java.time.Duration.ofSeconds(10)).getFirst();
            assertThat(error.event()).isEqualTo("error");
            assertThat(error.json().get("error").stringValue()).isEqualTo("internal_error");
            assertThat(error.data()).doesNotContain("hunter2");
            sse.ended.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(server.openSubscriptions()).isZero();

            store.failing = false;
            try (SseClient resumed = SseClient.open(http, "/subscribe/all", "Last-Event-ID", "2")) {
                SseClient.Event next = resumed.take(1, java.time.Duration.ofSeconds(10)).getFirst();
                assertThat(next.id()).isEqualTo("3");
                assertThat(next.json().get("type").stringValue()).isEqualTo("C");
            }
            sse.close();
        }
    }

    @Test
    void an_unexpected_exception_is_500_in_the_error_shape_and_logged_not_shown() {
        java.util.List<LogRecord> logged = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(FactaServer.class.getName());
        logger.addHandler(capture);
        try (BrokenStore store = new BrokenStore(); FactaServer server = FactaServer.builder(store).build().start()) {
            Http.Reply r = new Http(server).get("/all");

            assertThat(r.status()).isEqualTo(500);
            assertThat(r.error()).isEqualTo("internal_error");
            assertThat(r.body()).doesNotContain("sda1").doesNotContain("hunter2").doesNotContain("IllegalStateException")
                    .doesNotContain("\tat ");
            assertThat(logged).anySatisfy(rec -> assertThat(rec.getThrown()).hasMessageContaining("sda1"));
        } finally {
            logger.removeHandler(capture);
        }
    }
}
