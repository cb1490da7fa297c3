package dev.facta.observability;

import dev.facta.command.CommandMessage;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link java.util.logging.Formatter} that writes one JSON object per line:
 * {@code {"time":"2026-...Z","level":"WARNING","logger":"dev.facta.command","message":"...",
 * "correlationId":"...","exception":"..."}} — {@code correlationId} and {@code exception} only
 * when present. {@link System.Logger} goes to java.util.logging by default, so this formats
 * Facta's own log lines (e.g. {@link dev.facta.command.LoggingMiddleware}) as well as yours.
 *
 * <p>No MDC: the correlation id is taken from the record's parameters — the first
 * {@link CommandMessage}, {@link Metadata} or {@link RecordedEvent} among them, else the parameter
 * a {@code correlation={n}} or {@code correlationId={n}} placeholder in the message pattern names.
 *
 * <p>Install with {@code handler.setFormatter(new JsonLogFormatter())}, or in logging.properties:
 * {@code java.util.logging.ConsoleHandler.formatter = dev.facta.observability.JsonLogFormatter}.
 */
public final class JsonLogFormatter extends Formatter {
    private static final Pattern PLACEHOLDER = Pattern.compile("correlation(?:Id)?=\\{(\\d+)}");

    @Override
    public String format(LogRecord record) {
        StringBuilder b = new StringBuilder(160).append('{');
        field(b, "time", record.getInstant().toString());
        b.append(',');
        field(b, "level", record.getLevel().getName());
        b.append(',');
        field(b, "logger", record.getLoggerName() == null ? "" : record.getLoggerName());
        b.append(',');
        field(b, "message", formatMessage(record));
        String correlation = correlationId(record);
        if (correlation != null) {
            b.append(',');
            field(b, "correlationId", correlation);
        }
        if (record.getThrown() != null) {
            b.append(',');
            field(b, "exception", record.getThrown().toString());
        }
        return b.append('}').append('\n').toString();
    }

    static String correlationId(LogRecord record) {
        Object[] params = record.getParameters();
        if (params == null) return null;
        for (Object p : params) {
            if (p instanceof CommandMessage<?> c) return c.correlationId();
            if (p instanceof Metadata m && m.correlationId() != null) return m.correlationId();
            if (p instanceof RecordedEvent e && e.metadata().correlationId() != null) return e.metadata().correlationId();
        }
        if (record.getMessage() != null) {
            Matcher m = PLACEHOLDER.matcher(record.getMessage());
            if (m.find()) {
                int i = Integer.parseInt(m.group(1));
                if (i < params.length && params[i] != null) return String.valueOf(params[i]);
            }
        }
        return null;
    }

    private static void field(StringBuilder b, String name, String value) {
        quote(b, name);
        b.append(':');
        quote(b, value);
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
