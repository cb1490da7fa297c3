package dev.facta.examples.oms.inventory;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.command.CommandMessage;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.CommitStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReleaseStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReserveStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.Restock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReturnStock;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InventoryTest {
    final InMemoryEventStore store = new InMemoryEventStore();
    final JacksonEventSerializer json = new JacksonEventSerializer(EventTypeRegistry.builder().registerSealed(InventoryEvent.class).build());
    final Inventory inventory = new Inventory(store, json);

    long send(InventoryCommand c) {
        return inventory.handle(CommandMessage.of(c));
    }

    List<String> types() {
        return store.readStream(StreamId.of("stock", "A")).stream().map(RecordedEvent::type).toList();
    }

    @Test
    void reservesReleasesCommitsAndReturnsByOrder() {
        send(new Restock("A", 5));
        send(new ReserveStock("o1", "A", 2));
        send(new ReserveStock("o1", "A", 2));            // the same order again: nothing
        send(new ReserveStock("o2", "A", 4));            // more than available: short
        send(new ReserveStock("o3", "A", 1));
        assertThat(inventory.stock("A")).isEqualTo(new StockLevelView("A", 2, 3, 0, 3));
        send(new ReleaseStock("o3", "A", "x"));
        send(new ReleaseStock("o3", "A", "x"));          // nothing held any more
        send(new CommitStock("o1", "A"));
        send(new CommitStock("o1", "A"));
        assertThat(inventory.stock("A")).isEqualTo(new StockLevelView("A", 3, 0, 2, 5));
        send(new ReturnStock("o1", "A", 2));
        assertThat(inventory.stock("A")).isEqualTo(new StockLevelView("A", 5, 0, 0, 6));
        assertThat(types()).containsExactly("StockAdded", "StockReserved", "StockShort", "StockReserved", "StockReleased",
                "StockCommitted", "StockReturned");
        assertThatThrownBy(() -> send(new ReturnStock("o9", "A", 1))).isInstanceOf(DomainRuleViolation.class);
        assertThatThrownBy(() -> send(new Restock("A", 0))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> send(new Restock("A-1", 1))).isInstanceOf(InvalidInputException.class);
        assertThat(types()).hasSize(7);
    }

    @Test
    void anUnknownSkuHasNothingToReserve() {
        send(new ReserveStock("o1", "Z", 1));
        assertThat(inventory.stock("Z")).isEqualTo(new StockLevelView("Z", 0, 0, 0, 0));
    }

    @Test
    void concurrentReservationsNeverOversellAndAnotherWriterIsCaughtUpWith() throws Exception {
        send(new Restock("A", 50));
        Inventory other = new Inventory(store, json);     // a second process on the same store
        AtomicInteger reserved = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            Inventory by = n % 2 == 0 ? inventory : other;
            threads.add(Thread.ofVirtual().start(() -> {
                by.handle(CommandMessage.of(new ReserveStock("o" + n, "A", 1)));
                reserved.incrementAndGet();
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(reserved).hasValue(200);
        assertThat(inventory.stock("A")).isEqualTo(new StockLevelView("A", 0, 50, 0, 200));
        assertThat(other.stock("A")).isEqualTo(inventory.stock("A"));
        long shorts = store.readStream(StreamId.of("stock", "A")).stream().filter(e -> e.type().equals("StockShort")).count();
        assertThat(shorts).isEqualTo(150);
    }
}
