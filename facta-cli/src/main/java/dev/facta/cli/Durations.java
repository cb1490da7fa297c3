package dev.facta.cli;

import dev.facta.InvalidInputException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them on a command line: {@code 500ms}, {@code 90s}, {@code 10m}, {@code 2h}, or ISO-8601. */
final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    private Durations() {
    }

    /**
     * Parses a positive duration; a bare number is seconds.
     *
     * @throws InvalidInputException anything else, naming the option
     */
    static Duration parse(String text, String option) {
        String t = text == null ? "" : text.strip();
        Duration d = null;
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
        } else if (t.regionMatches(true, 0, "PT", 0, 2)) {
            try {
                d = Duration.parse(t);
            } catch (DateTimeParseException ignored) {
                // reported below
            }
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidInputException(option, option + " must be a positive duration such as 500ms, 90s, 10m or 2h, got '" + text + "'");
        }
        return d;
    }
}
