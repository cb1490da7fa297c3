package dev.facta.examples.oms.inventory;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.Decider;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.CommitStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReleaseStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReserveStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.Restock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReturnStock;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockAdded;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockCommitted;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockReleased;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockReserved;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockReturned;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockShort;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stock of one SKU as a decider: units available, units held for orders (keyed by order id) and
 * units sold. Only open reservations are kept per order, so the state stays as small as the number of
 * orders in flight however long the stream grows.
 *
 * <p>Repeats are harmless: reserving for an order that already holds units, and releasing or
 * committing for an order that holds none, decide nothing. (A reservation repeated after it was
 * committed would hold units again; the saga's outbox dispatches an instance's commands in issue
 * order, so a repeated {@code ReserveStock} always comes before that order's {@code CommitStock}.)
 */
public final class Stock {
    private Stock() {
    }

    /** One SKU's stock. {@code reservations}: order id to units held; never changed in place. */
    public record State(boolean known, int available, int reserved, int committed, Map<String, Integer> reservations) {
        public static final State EMPTY = new State(false, 0, 0, 0, Map.of());

        State with(int available, int reserved, int committed, Map<String, Integer> reservations) {
            return new State(true, available, reserved, committed, reservations);
        }
    }

    /** The decider; its stream is {@code stock-<sku>}. */
    public static final Decider<InventoryCommand, InventoryEvent, State> DECIDER =
            Decider.of(() -> State.EMPTY, Stock::decide, Stock::evolve);

    static List<InventoryEvent> decide(InventoryCommand command, State s) {
        return switch (command) {
            case Restock r -> {
                positive("quantity", r.quantity());
                yield List.of(new StockAdded(r.sku(), r.quantity()));
            }
            case ReserveStock r -> {
                positive("quantity", r.quantity());
                if (s.reservations().containsKey(r.orderId())) yield List.of();
                yield r.quantity() <= s.available()
                        ? List.of(new StockReserved(r.orderId(), r.sku(), r.quantity()))
                        : List.of(new StockShort(r.orderId(), r.sku(), r.quantity(), s.available()));
            }
            case ReleaseStock r -> {
                Integer held = s.reservations().get(r.orderId());
                yield held == null ? List.of() : List.of(new StockReleased(r.orderId(), r.sku(), held, r.reason()));
            }
            case CommitStock c -> {
                Integer held = s.reservations().get(c.orderId());
                yield held == null ? List.of() : List.of(new StockCommitted(c.orderId(), c.sku(), held));
            }
            case ReturnStock r -> {
                positive("quantity", r.quantity());
                if (r.quantity() > s.committed()) {
                    throw new DomainRuleViolation("cannot return " + r.quantity() + " units of " + r.sku()
                            + ": only " + s.committed() + " were sold");
                }
                yield List.of(new StockReturned(r.orderId(), r.sku(), r.quantity()));
            }
        };
    }

    static State evolve(State s, InventoryEvent event) {
        return switch (event) {
            case StockAdded a -> s.with(s.available() + a.quantity(), s.reserved(), s.committed(), s.reservations());
            case StockReserved r -> {
                Map<String, Integer> m = new HashMap<>(s.reservations());
                m.put(r.orderId(), r.quantity());
                yield s.with(s.available() - r.quantity(), s.reserved() + r.quantity(), s.committed(), Map.copyOf(m));
            }
            case StockShort x -> s.known() ? s : s.with(0, 0, 0, Map.of());
            case StockReleased r -> s.with(s.available() + r.quantity(), s.reserved() - r.quantity(), s.committed(),
                    without(s.reservations(), r.orderId()));
            case StockCommitted c -> s.with(s.available(), s.reserved() - c.quantity(), s.committed() + c.quantity(),
                    without(s.reservations(), c.orderId()));
            case StockReturned r -> s.with(s.available() + r.quantity(), s.reserved(), s.committed() - r.quantity(),
                    s.reservations());
        };
    }

    private static Map<String, Integer> without(Map<String, Integer> m, String orderId) {
        Map<String, Integer> copy = new HashMap<>(m);
        copy.remove(orderId);
        return Map.copyOf(copy);
    }

    private static void positive(String field, int quantity) {
        if (quantity <= 0) throw new InvalidInputException(field, field + " must be positive, got " + quantity);
    }
}
