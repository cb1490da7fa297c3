package dev.facta.kafka;

import dev.facta.InvalidInputException;
import dev.facta.outbox.OutboxMessage;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Topic names: one per category under a prefix, escaped into Kafka's alphabet, or one fixed topic. */
class KafkaTopicsTest {

    private static OutboxMessage message(String stream) {
        return OutboxMessage.of(new RecordedEvent(UUID.randomUUID(), StreamId.of(stream), 0, 1, "Placed", new byte[0],
                Metadata.empty(), Instant.now()));
    }

    @Test
    void oneTopicPerCategoryUnderThePrefix() {
        assertThat(KafkaTopics.byCategory("facta").apply(message("order-42"))).isEqualTo("facta.order");
        assertThat(KafkaTopics.byCategory("shop.eu").apply(message("order_line-7"))).isEqualTo("shop.eu.order_line");
        assertThat(KafkaTopics.byCategory("facta").apply(message("ordér-1"))).isEqualTo("facta.ord-C3-A9r");
        assertThat(KafkaTopics.byCategory("facta").apply(message("a.b c-1"))).isEqualTo("facta.a-2Eb-20c");
    }

    @Test
    void escapingIsReversibleBecauseTheEscapeCharacterIsEscapedToo() {
        assertThat(KafkaTopics.token("a-b")).isEqualTo("a-2Db");
        assertThat(KafkaTopics.token("a-2Db")).isEqualTo("a-2D2Db");
        assertThat(KafkaTopics.token("Order_1")).isEqualTo("Order_1");
    }

    @Test
    void aFixedTopicForEverything() {
        assertThat(KafkaTopics.fixed("events").apply(message("order-1"))).isEqualTo("events");
        assertThat(KafkaTopics.fixed("events").apply(message("payment-1"))).isEqualTo("events");
    }

    @Test
    void namesKafkaWouldRefuseAreRefusedUpFront() {
        assertThatThrownBy(() -> KafkaTopics.fixed("with space")).isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("topic");
        assertThatThrownBy(() -> KafkaTopics.fixed("..")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> KafkaTopics.fixed("x".repeat(250))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> KafkaTopics.byCategory("bad prefix")).isInstanceOf(InvalidInputException.class)
                .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("prefix");
        assertThatThrownBy(() -> KafkaTopics.byCategory("trailing.")).isInstanceOf(InvalidInputException.class);
        // a category too long for a topic name fails that message (the publisher reports it as refused)
        assertThatThrownBy(() -> KafkaTopics.byCategory("facta").apply(message("x".repeat(245) + "-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 249");
    }
}
