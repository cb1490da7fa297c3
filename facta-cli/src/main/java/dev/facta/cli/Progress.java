package dev.facta.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar for long operations ({@code stream export}, {@code projection rebuild --wait},
 * {@code bench}), redrawn in place with a carriage return on stderr:
 *
 * <pre>
 * export  [=============&gt;                ]  45%  45,000/100,000 events  12,300/s  ETA 0:04
 * </pre>
 *
 * It is drawn only when enabled ({@link ProgressOption}: stderr is a terminal, or {@code --progress});
 * a disabled bar ignores every call, so commands update it unconditionally. Redraws are throttled to
 * one per {@value #REDRAW_MILLIS} ms; {@link #message} prints a line above the bar and
 * {@link #close} draws it a last time and ends its line, so what follows starts on a clean line. It
 * never writes to stdout, where the commands' data goes.
 */
final class Progress implements AutoCloseable {
    static final int REDRAW_MILLIS = 100;
    static final int BAR_WIDTH = 28;

    private final PrintWriter err;
    private final boolean enabled;
    private final String unit;
    private final LongSupplier nanos;
    private final int maxWidth;
    private final long started;
    private String label;
    private String detail = "";
    private long done;
    private long total;
    private long lastDraw = Long.MIN_VALUE;
    private int drawnWidth;
    private boolean closed;

    Progress(PrintWriter err, boolean enabled, String label, long total, String unit) {
        this(err, enabled, label, total, unit, System::nanoTime, terminalColumns());
    }

    Progress(PrintWriter err, boolean enabled, String label, long total, String unit, LongSupplier nanos, int maxWidth) {
        this.err = err;
        this.enabled = enabled;
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.nanos = nanos;
        this.maxWidth = Math.max(20, maxWidth);
        this.started = nanos.getAsLong();
    }

    /** Sets how much is done; redraws when the last redraw is old enough. */
    synchronized void update(long done) {
        this.done = done;
        redraw(false);
    }

    /** Sets how much there is in all (the head of a log may move while it is followed); 0 or less: unknown. */
    synchronized void total(long total) {
        this.total = total;
        redraw(false);
    }

    /** Sets the word before the bar, e.g. the benchmark scenario being measured. */
    synchronized void label(String label) {
        this.label = label;
        redraw(true);
    }

    /** Sets a short note after the figures, e.g. what is being waited for; empty for none. */
    synchronized void detail(String detail) {
        String d = detail == null ? "" : detail;
        if (d.equals(this.detail)) return;
        this.detail = d;
        redraw(true);
    }

    /** Prints a line on stderr above the bar (which is drawn again below it); without a bar, just the line. */
    synchronized void message(String line) {
        above(() -> {
            err.println(line);
            err.flush();
        });
    }

    /**
     * Runs {@code print} with the bar wiped from its line and draws the bar again afterwards, so that
     * what {@code print} writes to a terminal the bar shares (such as a result line on stdout) starts
     * on a clean line.
     */
    synchronized void above(Runnable print) {
        if (enabled && !closed && drawnWidth > 0) {
            err.print('\r' + " ".repeat(drawnWidth) + '\r');
            err.flush();
            drawnWidth = 0;
        }
        print.run();
        if (enabled) redraw(true);
    }

    synchronized long done() {
        return done;
    }

    /** Draws the final state and ends the bar's line; later calls draw nothing. */
    @Override
    public synchronized void close() {
        if (closed) return;
        if (enabled) {
            redraw(true);
            err.println();
            err.flush();
        }
        closed = true;
    }

    private void redraw(boolean force) {
        if (!enabled || closed) return;
        long now = nanos.getAsLong();
        if (!force && lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_MILLIS * 1_000_000L) return;
        lastDraw = now;
        String line = render(label, done, total, unit, now - started, detail, maxWidth);
        int pad = Math.max(0, drawnWidth - line.length());
        err.print('\r' + line + " ".repeat(pad));
        err.flush();
        drawnWidth = line.length();
    }

    /**
     * The bar's text, without control characters: label, bar and percentage when the total is known,
     * done/total and unit, the average rate, the estimated time left, and the detail; cut to
     * {@code maxWidth} characters.
     */
    static String render(String label, long done, long total, String unit, long elapsedNanos, String detail, int maxWidth) {
        StringBuilder b = new StringBuilder();
        if (label != null && !label.isEmpty()) b.append(label).append("  ");
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        if (total > 0) {
            double fraction = Math.min(1.0, Math.max(0.0, (double) done / total));
            b.append(bar(fraction, BAR_WIDTH)).append(' ');
            b.append(String.format(Locale.ROOT, "%3d%%", (int) Math.floor(fraction * 100))).append("  ");
            b.append(count(done)).append('/').append(count(total));
        } else {
            b.append(count(done));
        }
        if (unit != null && !unit.isEmpty()) b.append(' ').append(unit);
        if (seconds >= 1 && done > 0) {
            b.append("  ").append(rate >= 10 ? count(Math.round(rate)) : String.format(Locale.ROOT, "%.1f", rate)).append("/s");
        }
        if (total > 0 && done < total && rate > 0 && seconds >= 1) {
            b.append("  ETA ").append(clock(Math.round((total - done) / rate)));
        } else if (total <= 0 || done >= total) {
            b.append("  ").append(clock(Math.round(seconds)));
        }
        if (detail != null && !detail.isEmpty()) b.append("  ").append(detail);
        if (b.length() > maxWidth) {
            b.setLength(maxWidth - 3);
            b.append("...");
        }
        return b.toString();
    }

    /** {@code [=====>      ]}: '=' for what is done, '>' at the front while unfinished. */
    static String bar(double fraction, int width) {
        int full = (int) Math.floor(fraction * width);
        StringBuilder b = new StringBuilder(width + 2).append('[');
        for (int i = 0; i < width; i++) {
            if (i < full) b.append('=');
            else if (i == full && fraction < 1.0) b.append('>');
            else b.append(' ');
        }
        return b.append(']').toString();
    }

    /** A count with thousands separators: 1234567 is {@code 1,234,567}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Seconds as {@code m:ss}, or {@code h:mm:ss} from an hour on. */
    static String clock(long seconds) {
        long s = Math.max(0, seconds);
        if (s >= 3600) return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** The terminal's width from {@code COLUMNS} when the shell exports it, else 100. */
    static int terminalColumns() {
        String columns = System.getenv("COLUMNS");
        if (columns != null) {
            try {
                int c = Integer.parseInt(columns.trim());
                if (c >= 20) return c - 1; // the last column would wrap on some terminals
            } catch (NumberFormatException ignored) {
                // not a number: use the default
            }
        }
        return 100;
    }
}
