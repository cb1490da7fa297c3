package dev.facta.test.saga;

import dev.facta.command.CommandBus;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.saga.CommandCodec;
import dev.facta.store.memory.InMemoryEventStore;
import org.opentest4j.AssertionFailedError;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** What both saga fixtures share: in-memory stores, a clock they move, failure messages. */
final class Fixtures {
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private Fixtures() {
    }

    /** The stores one fixture run works on. */
    record Stores(InMemoryEventStore events, InMemoryProjectionStore store, MovableClock clock) {
        static Stores fresh(Instant start) {
            return new Stores(new InMemoryEventStore(), new InMemoryProjectionStore(), new MovableClock(start));
        }
    }

    /** The fixture's clock: only the fixture moves it. */
    static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now;

        MovableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        void set(Instant t) {
            now.set(t);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    /**
     * Keeps issued commands as references into this map instead of JSON: process managers can be
     * tested before a JSON mapping of their commands exists. It lives as long as one fixture run.
     */
    static CommandCodec byReference() {
        Map<Long, Object> objects = new ConcurrentHashMap<>();
        AtomicLong next = new AtomicLong();
        return new CommandCodec() {
            @Override
            public Encoded encode(Object command) {
                long id = next.incrementAndGet();
                objects.put(id, command);
                return new Encoded(command.getClass().getName(), "{\"ref\":" + id + "}");
            }

            @Override
            public Object decode(String type, String json) {
                String digits = json.replaceAll("[^0-9]", "");
                return objects.get(Long.parseLong(digits));
            }
        };
    }

    /** A command bus with no handlers: the process manager fixture never dispatches. */
    static CommandBus noBus() {
        return CommandBus.builder().build();
    }

    static String listing(List<?> values) {
        if (values.isEmpty()) return "  (none)\n";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.size(); i++) sb.append("  #").append(i).append(' ').append(show(values.get(i))).append('\n');
        return sb.toString();
    }

    static String show(Object v) {
        if (v == null) return "null";
        String text = v instanceof String s ? "\"" + s + "\"" : v.toString();
        return text.length() > 500 ? text.substring(0, 499) + "…" : text;
    }

    static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    static AssertionFailedError error(String message) {
        return new AssertionFailedError(message.stripTrailing());
    }

    static AssertionFailedError error(String message, Object expected, Object actual) {
        return new AssertionFailedError(message.stripTrailing(), expected, actual);
    }

    static void check(boolean ok, String message) {
        if (!ok) throw error(message);
    }

    static <T> T notNull(T value, String what) {
        return Objects.requireNonNull(value, what + " must not be null");
    }
}
