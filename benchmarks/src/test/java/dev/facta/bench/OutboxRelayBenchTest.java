package dev.facta.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** outbox-relay at a tiny scale: one well-formed line per reachable broker and store, each broker named in a note. */
class OutboxRelayBenchTest {

    @TempDir
    Path temp;

    @Test
    void prints_one_line_per_broker_and_store_and_names_each_broker() {
        List<String> progress = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        BenchConfig config = new BenchConfig(List.of(StoreTarget.memory(), StoreTarget.sqlite(temp)), List.of(Scenario.OUTBOX_RELAY),
                List.of(Impl.values()), 0.001, BenchConfig.DEFAULT_PAGE_SIZE, false);
        new BenchmarkRunner(config, lines::add, progress::add).run();

        List<OutboxRelayBench.Broker> brokers = OutboxRelayBench.available(n -> { });
        assertThat(brokers).contains(OutboxRelayBench.Broker.WEBHOOK); // in process: always there
        if (OutboxRelayBench.kafkaBootstrap() == null) assertThat(brokers).contains(OutboxRelayBench.Broker.KAFKA); // a broker of its own
        assertThat(lines).hasSize(2 * brokers.size());
        assertThat(lines).allMatch(l -> l.matches("scenario=outbox-relay impl=facta store=(memory|sqlite) events=200 seconds=\\d+\\.\\d{3} events_per_s=\\d+"));
        for (OutboxRelayBench.Broker b : brokers) {
            assertThat(progress).anyMatch(p -> p.contains("measuring outbox-relay broker=" + b.id + " on memory"));
        }
        assertThat(progress).anyMatch(p -> p.contains("skipping outbox-relay impl=rawjdbc"));
    }
}
