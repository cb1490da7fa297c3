package dev.facta.cli;

import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionRecord;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's commands against a store an application's projection engine wrote: what they
 * print, and that the flags they set are what the store then holds.
 */
class ProjectionCommandTest {
    @TempDir
    Path temp;
    Path file;
    String store;

    /** Counts orders; refuses the event typed "Poison" so that it ends up parked. */
    static final class OrderCount implements Projection {
        @Override
        public String name() {
            return "order-count";
        }

        @Override
        public Set<String> collections() {
            return Set.of("counts");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            if (event.type().equals("Poison")) throw new IllegalStateException("cannot count a poisoned order");
            context.collection("counts", DocumentCodec.json()).put(event.stream().value(), "{\"n\":" + (event.version() + 1) + "}");
        }
    }

    @BeforeEach
    void storeWithAProjection() {
        file = temp.resolve("facta.db");
        store = "sqlite:" + file;
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            for (int i = 0; i < 5; i++) {
                events.append(StreamId.of("order-" + i), ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{}"));
            }
            events.append(StreamId.of("order-9"), ExpectedVersion.noStream(), EventData.of("Poison", "{}"));
            try (ProjectionEngine engine = ProjectionEngine.builder(events, SqliteProjectionStore.on(events))
                    .register(new OrderCount(), ProjectionOptions.builder().maxAttempts(1)
                            .backoff(Duration.ofMillis(1), Duration.ofMillis(1)).onFailure(OnFailure.SKIP).build())
                    .pollInterval(Duration.ofMillis(20))
                    .build().start()) {
                assertThat(engine.awaitCaughtUp("order-count", Duration.ofSeconds(20))).isTrue();
            }
            events.append(StreamId.of("order-5"), ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{}"));
        }
    }

    private ProjectionRecord record() {
        try (SqliteEventStore events = SqliteEventStore.open(file)) {
            return SqliteProjectionStore.on(events).find(new ProjectionKey("order-count", 1)).orElseThrow();
        }
    }

    @Test
    void list_and_status_show_position_lag_and_dead_letters() {
        Facta list = Facta.run("projection", "list", "--store", store);
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.outLines().get(0)).contains("PROJECTION").contains("LAG").contains("PARKED");
        assertThat(list.outLines().get(1)).matches("order-count\\s+1\\s+ACTIVE\\s+1\\s+6\\s+1\\s+\\d+\\.\\d\\s+1\\s+-");

        Facta status = Facta.run("projection", "status", "order-count", "--store", store);
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("order-count version 1: ACTIVE")
                .contains("position 6 of 7, 1 events behind")
                .contains("dead letters: 1")
                .contains("cannot count a poisoned order")
                .contains("segment 0: checkpoint 6, no owner");
    }

    @Test
    void pause_resume_and_rebuild_set_the_flags_engines_act_on() {
        assertThat(Facta.run("projection", "pause", "order-count", "--store", store).out()).isEqualTo("order-count: paused\n");
        assertThat(record().paused()).isTrue();
        assertThat(Facta.run("projection", "list", "--store", store).out()).contains("paused");

        assertThat(Facta.run("projection", "resume", "order-count", "--store", store).out()).isEqualTo("order-count: resumed\n");
        assertThat(record().paused()).isFalse();

        Facta rebuild = Facta.run("projection", "rebuild", "order-count", "--store", store);
        assertThat(rebuild.exitCode()).as(rebuild.toString()).isZero();
        assertThat(record().rebuildRequested()).isTrue();
    }

    @Test
    void dead_letters_are_listed_and_discarded() {
        Facta letters = Facta.run("projection", "dead-letters", "order-count", "--store", store);
        assertThat(letters.exitCode()).as(letters.toString()).isZero();
        assertThat(letters.outLines()).hasSize(2);
        String row = letters.outLines().get(1);
        assertThat(row).contains("order-9").contains("Poison").contains("cannot count a poisoned order");
        String id = row.trim().split("\\s+")[0];

        Facta discard = Facta.run("projection", "dead-letters", "order-count", "--discard", id, "--store", store);
        assertThat(discard.exitCode()).as(discard.toString()).isZero();
        assertThat(discard.out()).contains("discarded dead letter " + id + " (position 6)");
        assertThat(Facta.run("projection", "dead-letters", "order-count", "--store", store).out()).isEqualTo("order-count: no dead letters\n");
        assertThat(record().parked()).isZero();

        Facta again = Facta.run("projection", "dead-letters", "order-count", "--discard", id, "--store", store);
        assertThat(again.exitCode()).isEqualTo(Main.FAILED);
        assertThat(again.err()).contains("has no dead letter " + id);
    }

    @Test
    void unknown_projections_and_bad_names_are_clear_errors() {
        Facta unknown = Facta.run("projection", "pause", "nope", "--store", store);
        assertThat(unknown.exitCode()).isEqualTo(Main.FAILED);
        assertThat(unknown.err()).contains("no projection named 'nope'");
        assertThat(record().paused()).isFalse();

        Facta bad = Facta.run("projection", "status", "Bad Name!", "--store", store);
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("projection name");

        Facta missing = Facta.run("projection", "list", "--store", "sqlite:" + temp.resolve("none.db"));
        assertThat(missing.exitCode()).isEqualTo(Main.FAILED);
        assertThat(missing.err()).contains("no store at");

        Facta noSub = Facta.run("projection");
        assertThat(noSub.exitCode()).isEqualTo(Main.USAGE);
    }
}
