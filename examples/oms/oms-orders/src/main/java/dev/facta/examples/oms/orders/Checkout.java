package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.inventory.InventoryCommand.CommitStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReleaseStock;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReserveStock;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockReserved;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent.StockShort;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Cancel;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Confirm;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkPaid;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkReserved;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancellationRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPaymentRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPlaced;
import dev.facta.examples.oms.contracts.orders.OrderLine;
import dev.facta.examples.oms.contracts.orders.PaymentMethod;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.ChargePayment;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.VoidPayment;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentCaptured;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentDeclined;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentRefunded;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentVoided;
import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.saga.ProcessContext;
import dev.facta.saga.ProcessManager;
import dev.facta.serialization.EventSerializer;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The checkout saga: a process manager per order (instance id = order id) that reserves every line's
 * stock, takes the payment and confirms the order, or compensates.
 *
 * <p>It leans on one promise of the saga runtime's outbox: an instance's commands are dispatched in the
 * order it issued them, each only after the one before was accepted. So a transition that decides the
 * outcome issues the whole rest of the story at once and ends (e.g. mark paid, commit stock, confirm),
 * instead of waiting for each step's event: fewer transitions per order, and a compensation issued after
 * a reservation always reaches inventory after it.
 *
 * <p>Stages: {@code RESERVING} (waiting for every line's answer), {@code RESERVED} (waiting for the
 * customer to pay), {@code PAYING} (charge sent, deadline running), {@code CANCELLING} (payment being
 * voided after a cancellation or timeout; waiting for the outcome to know what was refunded).
 */
public final class Checkout {
    /** The process manager's name (and its projection's). */
    public static final String NAME = "checkout";
    /** The deadline that gives up on a payment the gateway does not answer. */
    public static final String PAYMENT_DEADLINE = "payment-deadline";
    public static final String OUT_OF_STOCK = "out_of_stock";
    public static final String PAYMENT_DECLINED = "payment_declined";
    public static final String PAYMENT_TIMEOUT = "payment_timeout";

    private Checkout() {
    }

    /** Where an order's checkout is. */
    public enum Stage { RESERVING, RESERVED, PAYING, CANCELLING }

    /** An instance's state. {@code reserved}/{@code shorts}: SKUs answered so far; {@code reason}: why it is cancelling. */
    public record State(String orderId, String currency, List<OrderLine> lines, BigDecimal total, Stage stage,
                        List<String> reserved, List<String> shorts, PaymentMethod payment, String reason) {
        State stage(Stage s) {
            return new State(orderId, currency, lines, total, s, reserved, shorts, payment, reason);
        }

        State paying(PaymentMethod p) {
            return new State(orderId, currency, lines, total, stage, reserved, shorts, p, reason);
        }

        State cancelling(String why) {
            return new State(orderId, currency, lines, total, Stage.CANCELLING, reserved, shorts, payment, why);
        }

        State answered(String sku, boolean ok) {
            List<String> r = new ArrayList<>(reserved);
            List<String> s = new ArrayList<>(shorts);
            if (!r.contains(sku) && !s.contains(sku)) (ok ? r : s).add(sku);
            return new State(orderId, currency, lines, total, stage, List.copyOf(r), List.copyOf(s), payment, reason);
        }

        boolean allAnswered() {
            return reserved.size() + shorts.size() >= lines.size();
        }
    }

    /**
     * The definition.
     *
     * @param serializer      decodes the events (all three contexts')
     * @param paymentDeadline how long a charge may go unanswered before the order is cancelled
     */
    public static ProcessManager<State> definition(EventSerializer serializer, Duration paymentDeadline) {
        Objects.requireNonNull(paymentDeadline, "paymentDeadline");
        return ProcessManager.builder(NAME, JacksonDocumentCodec.of(State.class))
                .decodeWith(serializer)
                .categories(Orders.CATEGORY, "stock", "payment")
                .startedBy("OrderPlaced", OrderPlaced.class, OrderPlaced::orderId, (e, ctx) -> {
                    for (OrderLine l : e.lines()) ctx.send(new ReserveStock(e.orderId(), l.sku(), l.quantity()));
                    return new State(e.orderId(), e.currency(), e.lines(), e.total(), Stage.RESERVING, List.of(), List.of(),
                            e.payment(), null);
                })
                .on("StockReserved", StockReserved.class, StockReserved::orderId,
                        (s, e, ctx) -> answered(s, e.sku(), true, ctx, paymentDeadline))
                .on("StockShort", StockShort.class, StockShort::orderId,
                        (s, e, ctx) -> answered(s, e.sku(), false, ctx, paymentDeadline))
                .on("OrderPaymentRequested", OrderPaymentRequested.class, OrderPaymentRequested::orderId, (s, e, ctx) -> switch (s.stage()) {
                    case RESERVING -> s.paying(e.payment());
                    case RESERVED -> charge(s.paying(e.payment()), ctx, paymentDeadline);
                    default -> s;
                })
                .on("PaymentCaptured", PaymentCaptured.class, PaymentCaptured::orderId, (s, e, ctx) -> {
                    // while cancelling, the void gives a captured payment back: nothing to do here
                    if (s.stage() != Stage.PAYING) return s;
                    ctx.cancel(PAYMENT_DEADLINE);
                    ctx.send(new MarkPaid(s.orderId(), e.paymentId(), e.amount()));
                    for (OrderLine l : s.lines()) ctx.send(new CommitStock(s.orderId(), l.sku()));
                    ctx.send(new Confirm(s.orderId()));
                    ctx.end();
                    return s;
                })
                .on("PaymentDeclined", PaymentDeclined.class, PaymentDeclined::orderId, (s, e, ctx) -> switch (s.stage()) {
                    case PAYING -> {
                        ctx.cancel(PAYMENT_DEADLINE);
                        yield cancel(s, PAYMENT_DECLINED, BigDecimal.ZERO, ctx);
                    }
                    case CANCELLING -> cancel(s, s.reason(), BigDecimal.ZERO, ctx);
                    default -> s;
                })
                .on("PaymentVoided", PaymentVoided.class, PaymentVoided::orderId,
                        (s, e, ctx) -> s.stage() == Stage.CANCELLING ? cancel(s, s.reason(), BigDecimal.ZERO, ctx) : s)
                .on("PaymentRefunded", PaymentRefunded.class, PaymentRefunded::orderId,
                        (s, e, ctx) -> s.stage() == Stage.CANCELLING ? cancel(s, s.reason(), e.amount(), ctx) : s)
                .on("OrderCancellationRequested", OrderCancellationRequested.class,
                        e -> e.afterConfirmation() ? null : e.orderId(), (s, e, ctx) -> switch (s.stage()) {
                            case RESERVING, RESERVED -> cancel(s, e.reason(), BigDecimal.ZERO, ctx);
                            case PAYING -> {
                                ctx.cancel(PAYMENT_DEADLINE);
                                ctx.send(new VoidPayment(s.orderId(), e.reason()));
                                yield s.cancelling(e.reason());
                            }
                            case CANCELLING -> s;
                        })
                .onDeadline(PAYMENT_DEADLINE, (s, d, ctx) -> {
                    if (s.stage() != Stage.PAYING) return s;
                    ctx.send(new VoidPayment(s.orderId(), PAYMENT_TIMEOUT));
                    return s.cancelling(PAYMENT_TIMEOUT);
                })
                .build();
    }

    private static State answered(State s, String sku, boolean ok, ProcessContext ctx, Duration deadline) {
        if (s.stage() != Stage.RESERVING) return s;
        State next = s.answered(sku, ok);
        if (!next.allAnswered()) return next;
        if (!next.shorts().isEmpty()) return cancel(next, OUT_OF_STOCK, BigDecimal.ZERO, ctx);
        ctx.send(new MarkReserved(s.orderId()));
        State reserved = next.stage(Stage.RESERVED);
        return reserved.payment() == null ? reserved : charge(reserved, ctx, deadline);
    }

    private static State charge(State s, ProcessContext ctx, Duration deadline) {
        ctx.send(new ChargePayment(s.orderId(), s.total(), s.currency(), s.payment().method(), s.payment().token()));
        ctx.schedule(PAYMENT_DEADLINE, deadline);
        return s.stage(Stage.PAYING);
    }

    /** Gives back every line's held stock (a line that holds none is a no-op) and ends the order cancelled. */
    private static State cancel(State s, String reason, BigDecimal refunded, ProcessContext ctx) {
        for (OrderLine l : s.lines()) ctx.send(new ReleaseStock(s.orderId(), l.sku(), reason));
        ctx.send(new Cancel(s.orderId(), reason, refunded));
        ctx.end();
        return s;
    }
}
