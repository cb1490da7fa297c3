package dev.facta.examples.home;

import dev.facta.examples.home.api.LogService;
import dev.facta.runtime.Plugin;
import dev.facta.runtime.PluginContext;
import dev.facta.runtime.PluginEvent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs every event on the bus and every line other plugins send through the {@code logger}
 * service; keeps the last thousand lines in memory and each line in storage for a day
 * (setting {@code retention}, in seconds).
 */
public final class SystemLoggerPlugin implements Plugin {
    private static final int KEPT = 1000;
    private final Deque<String> lines = new ArrayDeque<>();
    private final AtomicLong sequence = new AtomicLong();
    private PluginContext context;
    private Duration retention;

    @Override
    public String id() {
        return "system-logger";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public void start(PluginContext context) {
        this.context = context;
        Object r = context.settings().getOrDefault("retention", 86_400);
        this.retention = Duration.ofSeconds(((Number) r).longValue());
        sequence.set(System.currentTimeMillis() * 1000);
        context.events().subscribe("*", this::onEvent);
        context.services().register(LogService.KEY, new LogService() {
            @Override
            public List<String> recent(int limit) {
                synchronized (lines) {
                    List<String> all = new ArrayList<>(lines);
                    return all.subList(Math.max(0, all.size() - limit), all.size());
                }
            }

            @Override
            public void log(String source, String message) {
                append(source + ": " + message);
            }
        });
    }

    private void onEvent(PluginEvent e) {
        append(e.topic() + " from " + e.source() + " " + e.data());
    }

    private void append(String line) {
        synchronized (lines) {
            lines.addLast(line);
            while (lines.size() > KEPT) lines.removeFirst();
        }
        context.storage().set(String.format("log/%020d", sequence.incrementAndGet()), line, retention);
    }

    @Override
    public void stop() {
        synchronized (lines) {
            lines.clear();
        }
    }
}
