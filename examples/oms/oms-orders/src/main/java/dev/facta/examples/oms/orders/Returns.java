package dev.facta.examples.oms.orders;

import dev.facta.examples.oms.contracts.inventory.InventoryCommand.ReturnStock;
import dev.facta.examples.oms.contracts.orders.OrderCommand.Cancel;
import dev.facta.examples.oms.contracts.orders.OrderCommand.MarkRefunded;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderCancellationRequested;
import dev.facta.examples.oms.contracts.orders.OrderEvent.OrderRefundRequested;
import dev.facta.examples.oms.contracts.orders.OrderLine;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.RefundPayment;
import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.saga.ProcessManager;
import dev.facta.serialization.EventSerializer;

import java.math.BigDecimal;

/**
 * After-sales: cancelling or refunding a confirmed order (instance id = order id). One transition issues
 * the whole flow, in order: refund the payment, return the sold stock (cancellation only), then end the
 * order cancelled or refunded. Each command waits in the outbox until the one before was accepted, so the
 * order never shows {@code CANCELLED}/{@code REFUNDED} before the money went back.
 */
public final class Returns {
    /** The process manager's name. */
    public static final String NAME = "order-returns";

    private Returns() {
    }

    /** What the instance did. */
    public record State(String orderId, String kind, BigDecimal amount) {
    }

    public static ProcessManager<State> definition(EventSerializer serializer) {
        return ProcessManager.builder(NAME, JacksonDocumentCodec.of(State.class))
                .decodeWith(serializer)
                .categories(Orders.CATEGORY)
                .startedBy("OrderCancellationRequested", OrderCancellationRequested.class,
                        e -> e.afterConfirmation() ? e.orderId() : null, (e, ctx) -> {
                            ctx.send(new RefundPayment(e.orderId(), e.reason()));
                            for (OrderLine l : e.lines()) ctx.send(new ReturnStock(e.orderId(), l.sku(), l.quantity()));
                            ctx.send(new Cancel(e.orderId(), e.reason(), e.paid()));
                            ctx.end();
                            return new State(e.orderId(), "cancellation", e.paid());
                        })
                .startedBy("OrderRefundRequested", OrderRefundRequested.class, OrderRefundRequested::orderId, (e, ctx) -> {
                    ctx.send(new RefundPayment(e.orderId(), e.reason()));
                    ctx.send(new MarkRefunded(e.orderId(), e.amount(), e.reason()));
                    ctx.end();
                    return new State(e.orderId(), "refund", e.amount());
                })
                .build();
    }
}
