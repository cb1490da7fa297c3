package dev.facta.jackson;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JacksonStateCodecTest {
    record Line(String sku, int quantity, BigDecimal price) {
    }

    record OrderState(String customer, List<Line> lines, Map<String, Integer> stock, Instant placedAt, boolean shipped) {
    }

    @Test
    void a_record_state_with_collections_and_times_round_trips() {
        var codec = JacksonStateCodec.of(OrderState.class);
        OrderState s = new OrderState("ana", List.of(new Line("A-1", 2, new BigDecimal("9.90"))), Map.of("A-1", 5),
                Instant.parse("2026-11-23T06:00:00.123456Z"), false);
        assertThat(codec.decode(codec.encode(s))).isEqualTo(s);
    }

    @Test
    void a_snapshot_that_no_longer_reads_fails_with_advice() {
        var codec = JacksonStateCodec.of(OrderState.class);
        assertThatThrownBy(() -> codec.decode("{\"lines\": 7}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("schema version");
    }
}
