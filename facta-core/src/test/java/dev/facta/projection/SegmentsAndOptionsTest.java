package dev.facta.projection;

import dev.facta.InvalidInputException;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SegmentsAndOptionsTest {

    @Test
    void the_segment_hash_is_32_bit_fnv_1a_of_the_utf8_name_the_same_in_every_jvm() {
        // reference values of FNV-1a (32 bit)
        assertThat(Segments.hash("")).isEqualTo(0x811c9dc5);
        assertThat(Segments.hash("a")).isEqualTo(0xe40c292c);
        assertThat(Segments.hash("foobar")).isEqualTo(0xbf9cf968);
        // non-ASCII names hash their UTF-8 bytes: "é" is C3 A9
        int h = 0x811c9dc5;
        for (int b : new int[]{0xc3, 0xa9}) {
            h ^= b;
            h *= 0x01000193;
        }
        assertThat(Segments.hash("é")).isEqualTo(h);
        assertThat(Segments.of(StreamId.of("foobar"), 7)).isEqualTo(Integer.remainderUnsigned(0xbf9cf968, 7));
    }

    @Test
    void every_stream_has_one_segment_and_streams_spread_over_all_segments() {
        int[] counts = new int[8];
        for (int i = 0; i < 8000; i++) {
            int s = Segments.of(StreamId.of("order-" + i), 8);
            assertThat(s).isBetween(0, 7).isEqualTo(Segments.of(StreamId.of("order-" + i), 8));
            counts[s]++;
        }
        for (int c : counts) assertThat(c).isBetween(800, 1200);
        assertThat(Segments.of(StreamId.of("anything"), 1)).isZero();
        assertThatThrownBy(() -> Segments.of(StreamId.of("x"), 0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void options_have_documented_defaults_and_refuse_bad_values() {
        ProjectionOptions d = ProjectionOptions.defaults();
        assertThat(d.segments()).isEqualTo(1);
        assertThat(d.batchSize()).isEqualTo(500);
        assertThat(d.maxAttempts()).isEqualTo(5);
        assertThat(d.initialBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(d.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.onFailure()).isEqualTo(OnFailure.STOP);
        assertThat(d.toBuilder().segments(4).build()).isEqualTo(new ProjectionOptions(4, 500, 5,
                Duration.ofMillis(100), Duration.ofSeconds(10), OnFailure.STOP));

        assertThatThrownBy(() -> ProjectionOptions.builder().segments(0).build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ProjectionOptions.builder().segments(5000).build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ProjectionOptions.builder().batchSize(0).build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ProjectionOptions.builder().maxAttempts(0).build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ProjectionOptions.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> ProjectionOptions.builder().onFailure(null).build()).isInstanceOf(InvalidInputException.class);
    }
}
