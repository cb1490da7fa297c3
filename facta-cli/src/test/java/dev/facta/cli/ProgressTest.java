package dev.facta.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress bar's text and drawing, on a fake clock. */
class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void renders_bar_percentage_counts_rate_and_time_left() {
        String line = Progress.render("export", 45_000, 100_000, "events", 3 * SECOND, "", 200);

        String bar = "[" + "=".repeat(12) + ">" + " ".repeat(15) + "]";
        assertThat(line).isEqualTo("export  " + bar + "  45%  45,000/100,000 events  15,000/s  ETA 0:04");
    }

    @Test
    void the_bar_fills_exactly_and_never_overflows() {
        assertThat(Progress.bar(0.0, 10)).isEqualTo("[>         ]");
        assertThat(Progress.bar(0.5, 10)).isEqualTo("[=====>    ]");
        assertThat(Progress.bar(0.99, 10)).isEqualTo("[=========>]");
        assertThat(Progress.bar(1.0, 10)).isEqualTo("[==========]");
        // a head that moved on while exporting can put done past the total
        assertThat(Progress.render("x", 150, 100, "events", SECOND, "", 200)).contains("[" + "=".repeat(28) + "] 100%");
    }

    @Test
    void finished_or_unbounded_work_shows_the_elapsed_time_instead_of_a_guess() {
        assertThat(Progress.render("bench", 12, 12, "runs", 75 * SECOND, "", 200))
                .isEqualTo("bench  [" + "=".repeat(28) + "] 100%  12/12 runs  0.2/s  1:15");
        assertThat(Progress.render("export", 1_234, 0, "events", 2 * SECOND, "", 200))
                .isEqualTo("export  1,234 events  617/s  0:02");
    }

    @Test
    void the_first_second_shows_no_rate_and_no_estimate() {
        assertThat(Progress.render("rebuild p", 10, 100, "events", SECOND / 2, "", 200))
                .isEqualTo("rebuild p  [==>" + " ".repeat(25) + "]  10%  10/100 events");
    }

    @Test
    void a_detail_follows_the_figures_and_long_lines_are_cut_to_the_width() {
        assertThat(Progress.render("rebuild p", 0, 100, "events", 6 * SECOND, "waiting for an engine", 200))
                .isEqualTo("rebuild p  [>" + " ".repeat(27) + "]   0%  0/100 events  waiting for an engine");
        String cut = Progress.render("export", 1, 100, "events", 0, "x".repeat(300), 60);
        assertThat(cut).hasSize(60).endsWith("...");
    }

    @Test
    void counts_and_clock_format() {
        assertThat(Progress.count(0)).isEqualTo("0");
        assertThat(Progress.count(1_234_567)).isEqualTo("1,234,567");
        assertThat(Progress.clock(0)).isEqualTo("0:00");
        assertThat(Progress.clock(61)).isEqualTo("1:01");
        assertThat(Progress.clock(3_725)).isEqualTo("1:02:05");
    }

    @Test
    void redraws_in_place_at_most_every_100_ms_and_ends_its_line_on_close() {
        AtomicLong now = new AtomicLong();
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), true, "export", 10, "events", now::get, 200);

        p.update(1);                       // first draw
        now.addAndGet(50_000_000);
        p.update(2);                       // 50 ms later: throttled
        now.addAndGet(60_000_000);
        p.update(3);                       // 110 ms after the first: drawn
        p.close();
        p.update(9);                       // after close: nothing

        String s = text.toString();
        assertThat(s.chars().filter(c -> c == '\r').count()).isEqualTo(3);
        assertThat(s).contains("1/10 events").doesNotContain("2/10").contains("3/10 events").doesNotContain("9/10");
        assertThat(s).endsWith("\n").doesNotContain("\n\r");
    }

    @Test
    void a_message_wipes_the_bar_prints_its_line_and_draws_the_bar_again() {
        AtomicLong now = new AtomicLong();
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), true, "bench", 4, "runs", now::get, 200);
        p.update(1);
        p.message("bench: measuring read-all");

        String s = text.toString();
        int bar = s.indexOf("1/4 runs");
        int wipe = s.indexOf("\r", bar);
        int message = s.indexOf("bench: measuring read-all\n");
        assertThat(bar).isPositive();
        assertThat(wipe).isBetween(bar, message);
        assertThat(s.substring(wipe + 1, message).trim()).isEmpty(); // the bar's line is blanked first
        assertThat(s.lastIndexOf("1/4 runs")).isGreaterThan(message);
    }

    @Test
    void a_disabled_bar_draws_nothing_but_still_prints_messages() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), false, "export", 10, "events");
        p.update(5);
        p.detail("x");
        p.message("a note");
        p.close();

        assertThat(text.toString()).isEqualTo("a note" + System.lineSeparator());
        assertThat(p.done()).isEqualTo(5);
    }
}
