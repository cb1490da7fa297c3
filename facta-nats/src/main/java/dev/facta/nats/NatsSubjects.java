package dev.facta.nats;

import dev.facta.InvalidInputException;
import dev.facta.outbox.OutboxMessage;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * How outbox messages map to NATS subjects. The default is {@code <prefix>.<category>.<stream>}, e.g.
 * {@code facta.order.order-42}, so consumers filter by category ({@code facta.order.>}) or by stream.
 * Subject tokens cannot hold {@code .}, whitespace or the wildcards, so every character outside
 * {@code A-Z a-z 0-9 - _ =} in a category or stream is written as {@code %HH} of its UTF-8 bytes.
 */
public final class NatsSubjects {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private NatsSubjects() {
    }

    /** {@code <prefix>.<category>.<stream>} with escaped tokens. */
    public static Function<OutboxMessage, String> byStream(String prefix) {
        String p = checkPrefix(prefix);
        return m -> p + "." + token(m.category()) + "." + token(m.stream());
    }

    /** {@code <prefix>.<category>}: one subject per category. */
    public static Function<OutboxMessage, String> byCategory(String prefix) {
        String p = checkPrefix(prefix);
        return m -> p + "." + token(m.category());
    }

    /** A text as one subject token (see the class comment). */
    public static String token(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '=')) sb.append(c);
            else sb.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
        return sb.toString();
    }

    /** A prefix: one or more dot-separated tokens of {@code A-Z a-z 0-9 - _}. */
    static String checkPrefix(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*")) {
            throw new InvalidInputException("prefix", "a subject prefix is dot-separated tokens of A-Z, a-z, 0-9, '-' and '_': " + prefix);
        }
        return prefix;
    }
}
