package dev.facta.examples.oms.ops;

import dev.facta.observability.JsonLogFormatter;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Structured logs for the service: every java.util.logging record (and so every {@link System.Logger} line, the
 * framework's included) as one JSON object per line on standard output, through Facta's {@link JsonLogFormatter}:
 * {@code {"time":..., "level":..., "logger":..., "message":..., "correlationId":...}}.
 */
public final class JsonLogging {
    private JsonLogging() {
    }

    /** Replaces the root logger's handlers with one JSON line handler on {@code out} at {@code level}. */
    public static void install(PrintStream out, Level level) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        // the JDK closes every handler in a shutdown hook; closing the handler must not close standard output
        OutputStream keepOpen = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        Handler handler = new StreamHandler(keepOpen, new JsonLogFormatter()) {
            @Override
            public synchronized void publish(LogRecord record) {
                super.publish(record);
                // a line is worth nothing to a log collector until it is written
                flush();
            }
        };
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
    }
}
