package dev.facta.cli;

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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A short walkthrough of the event store for a newcomer, on the embedded default store: an
 * order's events with correlation and causation, an optimistic-concurrency conflict, the stream
 * read back, and the global log filtered by category. Each run uses a new order, so it can be
 * run again and again on the same file.
 */
@Command(name = "demo", description = "Walk through the event store: append an order's events, hit a concurrency conflict, read them back.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    StoreOption store;

    @Spec
    CommandSpec spec;

    private PrintWriter out;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        String orderId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
        StreamId order = StreamId.of("order", orderId);
        StreamId customer = StreamId.of("customer", "ada-" + orderId);
        String correlation = UUID.randomUUID().toString();
        String placeOrder = "cmd-PlaceOrder-" + orderId;
        String payOrder = "cmd-PayOrder-" + orderId;
        String shipOrder = "cmd-ShipOrder-" + orderId;

        try (EventStore es = Stores.openForWrite(store.url)) {
            out.println("Facta demo: one order's life as events, stored in " + es.describe());
            out.println();

            step(1, "A customer places an order. The command " + placeOrder + " produces three events,");
            say("appended in one atomic batch to the new stream " + order + " (expected version: no_stream).");
            Metadata placed = Metadata.empty().withCorrelationId(correlation).withCausationId(placeOrder);
            AppendResult created = es.append(order, ExpectedVersion.noStream(), List.of(
                    EventData.of("OrderCreated", "{\"orderId\":\"" + orderId + "\",\"customer\":\"ada@example.com\",\"currency\":\"EUR\"}", placed),
                    EventData.of("ItemAdded", "{\"sku\":\"BOOK-42\",\"title\":\"Designing Event Stores\",\"quantity\":1,\"unitPrice\":\"39.90\"}", placed),
                    EventData.of("ItemAdded", "{\"sku\":\"MUG-7\",\"title\":\"Mug\",\"quantity\":2,\"unitPrice\":\"9.50\"}", placed)));
            say("-> versions 0..2 at global positions " + created.firstPosition() + ".." + created.lastPosition()
                    + "; next expected version " + created.nextExpectedVersion());
            out.println();

            step(2, "Payment arrives (" + payOrder + "). It is caused by a new command but belongs to the same");
            say("conversation, so it keeps the correlation id " + correlation + ".");
            Metadata paid = Metadata.empty().withCorrelationId(correlation).withCausationId(payOrder);
            AppendResult payment = es.append(order, ExpectedVersion.exactly(created.nextExpectedVersion()),
                    EventData.of("OrderPaid", "{\"amount\":\"58.90\",\"currency\":\"EUR\",\"method\":\"card\"}", paid));
            es.append(customer, ExpectedVersion.any(),
                    EventData.of("LoyaltyPointsEarned", "{\"points\":59,\"orderId\":\"" + orderId + "\"}", paid));
            say("-> OrderPaid is version " + payment.nextExpectedVersion() + " of " + order
                    + "; LoyaltyPointsEarned went to " + customer + " (another category)");
            out.println();

            step(3, "Optimistic concurrency. A clerk opened the order before it was paid (at version 2)");
            say("and now tries to cancel it, still expecting version 2:");
            try {
                es.append(order, ExpectedVersion.exactly(created.nextExpectedVersion()),
                        EventData.of("OrderCancelled", "{\"reason\":\"customer called\"}",
                                Metadata.empty().withCorrelationId(correlation).withCausationId("cmd-CancelOrder-" + orderId)));
                say("!! the stale cancellation was accepted; this store does not keep its promise");
                return Main.FAILED;
            } catch (WrongExpectedVersionException e) {
                say("-> refused: " + e.getMessage() + ". Nothing was written.");
                say("   The clerk re-reads the order, sees it is paid, and ships it at version " + e.actual() + " instead:");
            }
            AppendResult shipped = es.append(order, ExpectedVersion.exactly(payment.nextExpectedVersion()),
                    EventData.of("OrderShipped", "{\"carrier\":\"DHL\",\"tracking\":\"JD0146" + orderId + "\"}",
                            Metadata.empty().withCorrelationId(correlation).withCausationId(shipOrder)));
            say("-> OrderShipped is version " + shipped.nextExpectedVersion());
            out.println();

            step(4, "Reading " + order + " back, oldest first (this is how an aggregate is rebuilt):");
            List<RecordedEvent> history = es.readStream(order);
            out.printf("     %-3s %-8s %-14s %-24s %s%n", "V", "POSITION", "TYPE", "CAUSED BY", "DATA");
            for (RecordedEvent e : history) {
                out.printf("     %-3d %-8d %-14s %-24s %s%n", e.version(), e.position(), e.type(),
                        e.metadata().causationId(), EventJson.data(e));
            }
            out.println();

            step(5, "The tail of the global log, filtered by category 'order' (what a projection of orders reads):");
            long head = es.headPosition();
            List<RecordedEvent> tail = new ArrayList<>();
            long from = Math.max(1, head - 50);
            AllSlice slice;
            do {
                slice = es.readAll(from, 1000, EventFilter.categories("order"));
                tail.addAll(slice.events());
                from = slice.next();
            } while (!slice.endOfLog());
            List<RecordedEvent> last = tail.subList(Math.max(0, tail.size() - 8), tail.size());
            for (RecordedEvent e : last) {
                out.printf("     #%-6d %-14s v%-3d %s%n", e.position(), e.stream(), e.version(), e.type());
            }
            say("(" + customer + " is not listed: its category is 'customer')");
            out.println();

            where(order);
        }
        return Main.OK;
    }

    private void where(StreamId order) {
        // redacted: a password typed on the command line should not be echoed into the terminal's scrollback
        String storeFlag = StoreOption.DEFAULT.equals(store.url) ? "" : " --store '" + EventStores.redact(store.url) + "'";
        if (Stores.isSqlite(store.url)) {
            out.println("Your events live in " + Stores.sqlitePath(store.url).toAbsolutePath().normalize()
                    + " (one SQLite file; delete it to start over).");
        } else if (Stores.isMemory(store.url)) {
            out.println("Your events lived in memory and are gone now; run without --store to keep them in a file.");
            return;
        } else {
            out.println("Your events live in " + EventStores.redact(store.url) + ".");
        }
        out.println("Try next:");
        out.println("  ./facta stream list" + storeFlag);
        out.println("  ./facta stream show " + order + storeFlag);
        out.println("  ./facta stream export" + storeFlag + " --output events.jsonl");
        out.println("  ./facta stream append order-mine --type OrderCreated --data '{\"customer\":\"you\"}' --expected-version no_stream" + storeFlag);
        out.println("  ./facta bench --scale 0.1");
    }

    private void step(int n, String text) {
        out.println(" " + n + ". " + text);
    }

    private void say(String text) {
        out.println("    " + text);
    }
}
