package dev.facta.kafka;

import dev.facta.InvalidInputException;
import dev.facta.outbox.OutboxMessage;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * How outbox messages map to Kafka topics. The default is one topic per stream category,
 * {@code <prefix>.<category>} (e.g. {@code facta.order}), like {@code NatsSubjects.byCategory} and the
 * RabbitMQ routing key: consumers subscribe to the categories they care about, and the stream id, as
 * the record key, keeps each stream in one partition. Or all messages go to one {@link #fixed} topic.
 *
 * <p>Topic names hold only {@code A-Z a-z 0-9 . _ -} and at most 249 characters, so in a category every
 * character outside {@code A-Z a-z 0-9 _} (including {@code -} and {@code .}) is written as {@code -HH}
 * of its UTF-8 bytes; a name that would still be too long fails the message as refused.
 */
public final class KafkaTopics {
    /** The longest topic name Kafka accepts. */
    public static final int MAX_LENGTH = 249;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private KafkaTopics() {
    }

    /** {@code <prefix>.<category>}: one topic per category. */
    public static Function<OutboxMessage, String> byCategory(String prefix) {
        String p = checkPrefix(prefix);
        return m -> checkLength(p + "." + token(m.category()));
    }

    /** Every message to the one topic. */
    public static Function<OutboxMessage, String> fixed(String topic) {
        String t = checkTopic("topic", topic);
        return m -> t;
    }

    /** A text as a part of a topic name (see the class comment). */
    public static String token(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '_')) sb.append(c);
            else sb.append('-').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
        return sb.toString();
    }

    /** A whole topic name as Kafka accepts it. */
    static String checkTopic(String field, String topic) {
        if (topic == null || topic.isEmpty() || topic.length() > MAX_LENGTH || topic.equals(".") || topic.equals("..")
                || !topic.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidInputException(field, "a Kafka topic is 1-" + MAX_LENGTH
                    + " characters of A-Z, a-z, 0-9, '.', '_' and '-' (and not '.' or '..'): " + topic);
        }
        return topic;
    }

    /** A prefix: one or more dot-separated parts of {@code A-Z a-z 0-9 - _}, short enough to leave room for a category. */
    static String checkPrefix(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*") || prefix.length() > MAX_LENGTH - 2) {
            throw new InvalidInputException("prefix", "a topic prefix is dot-separated parts of A-Z, a-z, 0-9, '-' and '_', at most "
                    + (MAX_LENGTH - 2) + " characters: " + prefix);
        }
        return prefix;
    }

    private static String checkLength(String topic) {
        if (topic.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the topic name would be " + topic.length() + " characters, Kafka takes at most "
                    + MAX_LENGTH + ": " + topic.substring(0, 40) + "...");
        }
        return topic;
    }
}
