package dev.facta.crypto;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StoreLimits;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionAndExportTest {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    final InMemoryEventStore store = new InMemoryEventStore(StoreLimits.DEFAULT, clock);

    void append(String stream, int n) {
        for (int i = 0; i < n; i++) store.append(StreamId.of(stream), ExpectedVersion.any(), EventData.of("Seen", "{\"i\":" + i + "}"));
    }

    @Test
    void old_events_are_cut_off_old_streams_deleted_and_every_removal_audited() {
        append("session-a", 3);                   // all old
        now.set(now.get().plus(Duration.ofDays(10)));
        append("session-b", 2);                   // old
        now.set(now.get().plus(Duration.ofDays(10)));
        append("session-b", 2);                   // young
        append("sessionx-c", 5);                  // another category, untouched
        append("log-1", 10);
        now.set(now.get().plus(Duration.ofDays(1)));

        RetentionJob job = RetentionJob.builder(store).clock(clock)
                .policy(RetentionPolicy.maxAge("session", Duration.ofDays(5)))
                .policy(RetentionPolicy.maxCount("log", 4))
                .build();
        List<RetentionJob.Action> actions = job.runOnce();
        assertThat(actions).extracting(a -> a.stream().value() + " " + a.action() + " " + a.truncateBefore() + " " + a.eventsRemoved())
                .containsExactlyInAnyOrder("session-a deleted 3 3", "session-b truncated 2 2", "log-1 truncated 6 6");
        assertThatThrownBy(() -> store.readStream(StreamId.of("session-a"))).isInstanceOf(StreamDeletedException.class);
        assertThat(store.readStream(StreamId.of("session-b"))).extracting(e -> e.version()).containsExactly(2L, 3L);
        assertThat(store.readStream(StreamId.of("log-1"))).hasSize(4);
        assertThat(store.readStream(StreamId.of("sessionx-c"))).hasSize(5);
        var audit = store.readStream(StreamId.of("facta.retention"));
        assertThat(audit).hasSize(3).allMatch(e -> e.type().equals(RetentionJob.RETENTION_APPLIED));
        assertThat(audit.toString()).contains("\"stream\":\"session-a\"", "\"action\":\"deleted\"", "\"limits\":\"maxCount=4\"");

        assertThat(job.runOnce()).isEmpty(); // idempotent
        append("log-1", 1);
        assertThat(job.runOnce()).extracting(a -> a.truncateBefore()).containsExactly(7L);
    }

    @Test
    void the_background_job_runs_until_closed_and_refuses_bad_settings() throws Exception {
        append("log-1", 5);
        try (RetentionJob job = RetentionJob.builder(store).policy(RetentionPolicy.maxCount("log", 1))
                .interval(Duration.ofMillis(20)).build().start()) {
            ShredThenScanContract.await(() -> store.streamInfo(StreamId.of("facta.retention")).isPresent());
        }
        assertThat(store.readStream(StreamId.of("log-1"))).hasSize(1);
        assertThatThrownBy(() -> RetentionJob.builder(store).build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RetentionPolicy.maxCount("x", 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new RetentionPolicy("x", null, null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RetentionJob.builder(store).policy(RetentionPolicy.maxCount("x", 1))
                .policy(RetentionPolicy.maxCount("x", 2))).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void the_export_holds_every_event_naming_the_subject_decrypted_as_json_lines() {
        EncryptionPolicy policy = EncryptionPolicy.builder()
                .eventType("Registered").subject("id").fields("email")
                .eventType("Moved").subject("id").fields("city").build();
        EncryptedEventStore enc = EncryptedEventStore.builder(store, policy,
                DataKeys.builder(new InMemoryKeyStore(), LocalMasterKey.generate()).build()).build();
        enc.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Registered", "{\"id\":\"s-1\",\"email\":\"a@x\"}"));
        enc.append(StreamId.of("c-2"), ExpectedVersion.any(), EventData.of("Registered", "{\"id\":\"s-2\",\"email\":\"b@x\"}"));
        enc.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Moved", "{\"id\":\"s-1\",\"city\":\"Oslo\",\n\"n\":1}"));
        enc.append(StreamId.of("c-1"), ExpectedVersion.any(), EventData.of("Other", "{\"id\":\"s-1\"}"));
        StringBuilder out = new StringBuilder();
        assertThat(SubjectExport.export(enc, "s-1", out)).isEqualTo(2);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("{\"position\":1,\"stream\":\"c-1\",\"version\":0,\"type\":\"Registered\",\"recordedAt\":")
                .endsWith("\"metadata\":{},\"data\":{\"id\":\"s-1\",\"email\":\"a@x\"}}");
        assertThat(lines[1]).endsWith("\"data\":{\"id\":\"s-1\",\"city\":\"Oslo\",\"n\":1}}");
        enc.forget("s-1");
        out.setLength(0);
        assertThat(SubjectExport.export(enc, "s-1", out)).isEqualTo(3);
        assertThat(out.toString()).doesNotContain("a@x", "Oslo").contains("\"type\":\"SubjectForgotten\"");
        assertThatThrownBy(() -> SubjectExport.export(enc, "", out)).isInstanceOf(InvalidInputException.class);
    }
}
