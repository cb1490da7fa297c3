package dev.facta.outbox;

import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class OutboxHeadersTest {

    @Test
    void valuesAreEscapedIntoPrintableAsciiAndBack() {
        for (String s : new String[]{"order-1", "ordre-ä 100%", "line\nbreak", "emoji-\uD83D\uDE00", "%zz", ""}) {
            String e = OutboxHeaders.encode(s);
            assertThat(e.chars().allMatch(c -> c >= 0x20 && c <= 0x7E)).as(e).isTrue();
            assertThat(OutboxHeaders.decode(e)).isEqualTo(s);
        }
        assertThat(OutboxHeaders.encode("order-1")).isEqualTo("order-1");
        assertThat(OutboxHeaders.decode("50%")).isEqualTo("50%"); // not an escape: kept
    }

    @Test
    void anEventsMetadataTravelsInHeadersAndComesBack() {
        Metadata meta = new Metadata("corr-1", "cause-1", "tenant-ä",
                Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "user", "ann"));
        RecordedEvent e = new RecordedEvent(UUID.randomUUID(), StreamId.of("order-ä"), 3, 42, "OrderPlaced",
                "{\"total\":1}".getBytes(), meta, Instant.parse("2026-01-02T03:04:05Z"));
        OutboxMessage m = OutboxMessage.of(e);
        assertThat(m.headers()).containsEntry(OutboxHeaders.MESSAGE_ID, e.id().toString())
                .containsEntry(OutboxHeaders.TRACEPARENT, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .containsEntry(OutboxHeaders.POSITION, "42");
        InboxMessage in = new InboxMessage(m.id().toString(), "x", m.headers(), m.payload());
        assertThat(in.stream()).isEqualTo("order-ä");
        assertThat(in.streamVersion()).isEqualTo(3);
        assertThat(in.type()).isEqualTo("OrderPlaced");
        assertThat(in.metadata()).isEqualTo(meta);
        assertThat(in.header("facta-message-id")).isEqualTo(e.id().toString());
    }
}
