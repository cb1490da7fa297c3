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
