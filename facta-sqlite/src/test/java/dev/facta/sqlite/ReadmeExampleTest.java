package dev.facta.sqlite;

import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The README's "event store from Java" example, kept compiling and true. */
class ReadmeExampleTest {

    @Test
    void the_readme_example_runs_as_written(@TempDir Path dir) {
        List<String> printed = new ArrayList<>();
        try (EventStore store = EventStores.open("sqlite:" + dir.resolve("shop.db"))) {
            StreamId order = StreamId.of("order", 42);
            AppendResult placed = store.append(order, ExpectedVersion.noStream(),
                    EventData.of("OrderPlaced", "{\"customer\":\"c-7\",\"total\":30}",
                            Metadata.empty().withCorrelationId("req-1")));
            store.append(order, ExpectedVersion.exactly(placed.nextExpectedVersion()),
                    EventData.of("OrderPaid", "{\"amount\":30}"));
            for (RecordedEvent e : store.readStream(order)) {
                printed.add(e.version() + " " + e.type() + " " + e.dataAsString());
            }
            AllSlice page = store.readAll(0, 1000, EventFilter.categories("order"));

            assertThat(printed).containsExactly("0 OrderPlaced {\"customer\":\"c-7\",\"total\":30}", "1 OrderPaid {\"amount\":30}");
            assertThat(page.events()).hasSize(2);
            assertThat(page.events().getFirst().metadata().correlationId()).isEqualTo("req-1");
            assertThatThrownBy(() -> store.append(order, ExpectedVersion.exactly(placed.nextExpectedVersion()),
                    EventData.of("OrderPaid", "{}"))).isInstanceOf(WrongExpectedVersionException.class);
        }
    }
}
