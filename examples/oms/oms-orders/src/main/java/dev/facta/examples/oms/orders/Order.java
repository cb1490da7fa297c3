package dev.facta.examples.oms.orders;

import dev.facta.aggregate.Decider;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.examples.oms.contracts.orders.OrderCommand;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Cancel;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Confirm;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkPaid;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkRefunded;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkReserved;
import dev.facta.examples.oms.contracts.orders.OrderCommand.PlaceOrder;
import dev.facta.examples.oms.contracts.orders.OrderCommand.RequestCancellation;
import dev.facta.examples.oms.contracts.orders.OrderCommand.RequestPayment;
import dev.facta.examples.oms.contracts.orders.OrderCommand.RequestRefund;
import dev.facta.examples.oms.contracts.orders.OrderEvent;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancellationRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancelled;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderConfirmed;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPaid;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPaymentRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderPlaced;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderRefundRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderRefunded;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderReserved;
import dev.facta.examples.oms.contracts.orders.OrderLine;
import dev.facta.examples.oms.contracts.orders.PaymentMethod;

import java.math.BigDecimal;
import java.util.List;

/**
 * The order aggregate (stream {@code order-<orderId>}) as a decider.
 *
 * <p>Lifecycle: {@code CREATED -> RESERVED -> PAID -> CONFIRMED}, ending {@code CANCELLED} from any
 * state before it, or {@code CANCELLED}/{@code REFUNDED} after confirmation. Customers' requests
 * (pay, cancel, refund) are checked against the state and refused with a {@link DomainRuleViolation};
 * the saga's commands (mark reserved, paid, confirm, cancel, mark refunded) report what already
 * happened elsewhere, so they are never refused: one that no longer applies, or is repeated, decides
 * nothing. A refused saga command would stop that order's later commands in the saga's outbox.
 */
public final class Order {
    private Order() {
    }

    /** A command for an order that was never placed. */
    public static final class NotFound extends DomainRuleViolation {
        private final String orderId;

        public NotFound(String orderId) {
            super("order " + orderId + " does not exist");
            this.orderId = orderId;
        }

        public String orderId() {
            return orderId;
        }
    }

    /** Where an order is in its lifecycle. */
    public enum Status { NEW, CREATED, RESERVED, PAID, CONFIRMED, CANCELLED, REFUNDED }

    /** An order's state; {@code pending} is a cancellation or refund asked for and not yet carried out. */
    public record State(Status status, String orderId, String customerId, String currency, List<OrderLine> lines,
                        BigDecimal total, PaymentMethod payment, String paymentId, BigDecimal paid, BigDecimal refunded,
                        String reason, Pending pending, String pendingReason) {
        public static final State EMPTY = new State(Status.NEW, null, null, null, List.of(), BigDecimal.ZERO, null, null,
                BigDecimal.ZERO, BigDecimal.ZERO, null, Pending.NONE, null);

        State status(Status s) {
            return new State(s, orderId, customerId, currency, lines, total, payment, paymentId, paid, refunded, reason, pending,
                    pendingReason);
        }

        State pending(Pending p, String why) {
            return new State(status, orderId, customerId, currency, lines, total, payment, paymentId, paid, refunded, reason, p, why);
        }

        boolean ended() {
            return status == Status.CANCELLED || status == Status.REFUNDED;
        }
    }

    /** A customer request being carried out. */
    public enum Pending { NONE, CANCELLATION, REFUND }

    public static final Decider<OrderCommand, OrderEvent, State> DECIDER = Decider.of(() -> State.EMPTY, Order::decide, Order::evolve);

    static List<OrderEvent> decide(OrderCommand command, State s) {
        if (!(command instanceof PlaceOrder) && s.status() == Status.NEW) {
            throw new NotFound(command.orderId());
        }
        return switch (command) {
            case PlaceOrder p -> {
                if (s.status() != Status.NEW) throw new DomainRuleViolation("order " + p.orderId() + " exists already");
                BigDecimal total = BigDecimal.ZERO;
                for (OrderLine l : p.lines()) total = total.add(l.amount());
                yield List.of(new OrderPlaced(p.orderId(), p.customerId(), p.currency(), List.copyOf(p.lines()), total, p.payment()));
            }
            case RequestPayment r -> {
                if (s.status() != Status.CREATED && s.status() != Status.RESERVED) {
                    throw new DomainRuleViolation("order " + r.orderId() + " is " + s.status() + ": only created or reserved orders can be paid");
                }
                if (s.payment() != null) throw new DomainRuleViolation("order " + r.orderId() + " is being paid already");
                if (s.pending() != Pending.NONE) throw new DomainRuleViolation("order " + r.orderId() + " is being cancelled");
                yield List.of(new OrderPaymentRequested(r.orderId(), r.payment()));
            }
            case RequestCancellation r -> {
                if (s.ended()) throw new DomainRuleViolation("order " + r.orderId() + " is " + s.status() + " already");
                if (s.pending() != Pending.NONE) {
                    throw new DomainRuleViolation("order " + r.orderId() + " has a " + s.pending().name().toLowerCase() + " in progress");
                }
                boolean confirmed = s.status() == Status.CONFIRMED;
                yield List.of(new OrderCancellationRequested(r.orderId(), r.reason(), confirmed, s.paid(), s.lines()));
            }
            case RequestRefund r -> {
                if (s.status() != Status.CONFIRMED) {
                    throw new DomainRuleViolation("order " + r.orderId() + " is " + s.status() + ": only confirmed orders can be refunded");
                }
                if (s.pending() != Pending.NONE) {
                    throw new DomainRuleViolation("order " + r.orderId() + " has a " + s.pending().name().toLowerCase() + " in progress");
                }
                yield List.of(new OrderRefundRequested(r.orderId(), r.reason(), s.paid()));
            }
            case MarkReserved m -> s.status() == Status.CREATED ? List.of(new OrderReserved(m.orderId())) : List.of();
            case MarkPaid m -> s.status() == Status.CREATED || s.status() == Status.RESERVED
                    ? List.of(new OrderPaid(m.orderId(), m.paymentId(), m.amount())) : List.of();
            case Confirm c -> {
                if (s.status() != Status.PAID) yield List.of();
                if (s.pending() != Pending.CANCELLATION) yield List.of(new OrderConfirmed(c.orderId()));
                // the customer cancelled while the payment was being captured and the checkout had already
                // finished: the order is confirmed and the cancellation goes on as one after confirmation
                yield List.of(new OrderConfirmed(c.orderId()),
                        new OrderCancellationRequested(c.orderId(), s.pendingReason(), true, s.paid(), s.lines()));
            }
            case Cancel c -> s.ended() ? List.of()
                    : List.of(new OrderCancelled(c.orderId(), c.reason(), c.refunded() == null ? BigDecimal.ZERO : c.refunded()));
            case MarkRefunded m -> s.status() == Status.CONFIRMED ? List.of(new OrderRefunded(m.orderId(), m.amount(), m.reason())) : List.of();
        };
    }

    static State evolve(State s, OrderEvent event) {
        return switch (event) {
            case OrderPlaced p -> new State(Status.CREATED, p.orderId(), p.customerId(), p.currency(), p.lines(), p.total(),
                    p.payment(), null, BigDecimal.ZERO, BigDecimal.ZERO, null, Pending.NONE, null);
            case OrderReserved r -> s.status(Status.RESERVED);
            case OrderPaymentRequested r -> new State(s.status(), s.orderId(), s.customerId(), s.currency(), s.lines(), s.total(),
                    r.payment(), s.paymentId(), s.paid(), s.refunded(), s.reason(), s.pending(), s.pendingReason());
            case OrderPaid p -> new State(Status.PAID, s.orderId(), s.customerId(), s.currency(), s.lines(), s.total(),
                    s.payment(), p.paymentId(), p.amount(), s.refunded(), s.reason(), s.pending(), s.pendingReason());
            case OrderConfirmed c -> s.status(Status.CONFIRMED);
            case OrderCancellationRequested r -> s.pending(Pending.CANCELLATION, r.reason());
            case OrderCancelled c -> new State(Status.CANCELLED, s.orderId(), s.customerId(), s.currency(), s.lines(), s.total(),
                    s.payment(), s.paymentId(), s.paid(), c.refunded(), c.reason(), Pending.NONE, null);
            case OrderRefundRequested r -> s.pending(Pending.REFUND, r.reason());
            case OrderRefunded r -> new State(Status.REFUNDED, s.orderId(), s.customerId(), s.currency(), s.lines(), s.total(),
                    s.payment(), s.paymentId(), s.paid(), r.amount(), r.reason(), Pending.NONE, null);
        };
    }
}
