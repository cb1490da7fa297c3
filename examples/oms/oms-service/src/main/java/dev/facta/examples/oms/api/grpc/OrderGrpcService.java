package dev.facta.examples.oms.api.grpc;

import dev.facta.examples.oms.api.ApiFailure;
import dev.facta.examples.oms.api.ApiRefusal;
import dev.facta.examples.oms.api.RequestHeaders;
import dev.facta.examples.oms.api.grpc.v1.CancelOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.CreateOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.GetOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.GetOrderTimelineRequest;
import dev.facta.examples.oms.api.grpc.v1.GetStockRequest;
import dev.facta.examples.oms.api.grpc.v1.ListCustomerOrdersRequest;
import dev.facta.examples.oms.api.grpc.v1.ListCustomerOrdersResponse;
import dev.facta.examples.oms.api.grpc.v1.Order;
import dev.facta.examples.oms.api.grpc.v1.OrderLine;
import dev.facta.examples.oms.api.grpc.v1.OrderServiceGrpc;
import dev.facta.examples.oms.api.grpc.v1.OrderStatus;
import dev.facta.examples.oms.api.grpc.v1.OrderTimeline;
import dev.facta.examples.oms.api.grpc.v1.PayOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.Payment;
import dev.facta.examples.oms.api.grpc.v1.RefundOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.RestockRequest;
import dev.facta.examples.oms.api.grpc.v1.Stock;
import dev.facta.examples.oms.app.CustomerOrders;
import dev.facta.examples.oms.app.OrderManagement;
import dev.facta.examples.oms.app.OrderView;
import dev.facta.examples.oms.app.PaymentDetails;
import dev.facta.examples.oms.app.PlaceOrderRequest;
import dev.facta.examples.oms.app.RequestContext;
import dev.facta.examples.oms.app.StockLevel;
import dev.facta.examples.oms.app.TimelineEntry;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The gRPC {@code facta.oms.v1.OrderService} on {@link OrderManagement}. Install it with
 * {@link GrpcRequestInterceptor}, which reads the {@code idempotency-key} and {@code x-correlation-id} metadata.
 *
 * <p>Status codes: {@code INVALID_ARGUMENT} for a malformed request or a missing {@code idempotency-key} on a
 * mutation (the description names the field, also sent as the {@code invalid-field} trailer), {@code NOT_FOUND}
 * for an unknown order, {@code FAILED_PRECONDITION} when the order's state does not allow the call, {@code ABORTED}
 * when a concurrent change won (retry), {@code INTERNAL} for anything else (logged; the description reveals
 * nothing). A refused call changed nothing.
 */
public final class OrderGrpcService extends OrderServiceGrpc.OrderServiceImplBase {
    /** The trailer naming the refused field of an INVALID_ARGUMENT answer. */
    public static final Metadata.Key<String> INVALID_FIELD = Metadata.Key.of("invalid-field", Metadata.ASCII_STRING_MARSHALLER);
    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 100;

    private static final System.Logger LOG = System.getLogger(OrderGrpcService.class.getName());

    private final OrderManagement oms;

    public OrderGrpcService(OrderManagement oms) {
        this.oms = Objects.requireNonNull(oms, "oms");
    }

    @Override
    public void createOrder(CreateOrderRequest request, StreamObserver<Order> response) {
        answer(response, () -> {
            RequestContext rc = mutation();
            List<PlaceOrderRequest.Line> lines = new ArrayList<>(request.getLinesCount());
            for (int i = 0; i < request.getLinesCount(); i++) {
                OrderLine l = request.getLines(i);
                lines.add(new PlaceOrderRequest.Line(l.getSku(), l.getQuantity(), money("lines[" + i + "].unit_price", l.getUnitPrice())));
            }
            PaymentDetails payment = request.hasPayment() ? payment(request.getPayment()) : null;
            PlaceOrderRequest place = new PlaceOrderRequest(blankToNull(request.getOrderId()), request.getCustomerId(),
                    request.getCurrency(), lines, payment);
            return order(oms.placeOrder(place, rc));
        });
    }

    @Override
    public void getOrder(GetOrderRequest request, StreamObserver<Order> response) {
        answer(response, () -> order(oms.getOrder(request.getOrderId())));
    }

    @Override
    public void payOrder(PayOrderRequest request, StreamObserver<Order> response) {
        answer(response, () -> {
            RequestContext rc = mutation();
            if (!request.hasPayment()) throw new ApiRefusal(ApiFailure.invalid("payment", "payment is required"));
            return order(oms.payOrder(request.getOrderId(), payment(request.getPayment()), rc));
        });
    }

    @Override
    public void cancelOrder(CancelOrderRequest request, StreamObserver<Order> response) {
        answer(response, () -> {
            RequestContext rc = mutation();
            return order(oms.cancelOrder(request.getOrderId(), request.getReason(), rc));
        });
    }

    @Override
    public void refundOrder(RefundOrderRequest request, StreamObserver<Order> response) {
        answer(response, () -> {
            RequestContext rc = mutation();
            return order(oms.refundOrder(request.getOrderId(), request.getReason(), rc));
        });
    }

    @Override
    public void getOrderTimeline(GetOrderTimelineRequest request, StreamObserver<OrderTimeline> response) {
        answer(response, () -> {
            OrderTimeline.Builder b = OrderTimeline.newBuilder().setOrderId(request.getOrderId());
            for (TimelineEntry e : oms.timeline(request.getOrderId())) {
                b.addEntries(dev.facta.examples.oms.api.grpc.v1.TimelineEntry.newBuilder()
                        .setVersion(e.version()).setPosition(e.position()).setType(nz(e.type())).setAt(instant(e.at()))
                        .setData(nz(e.data())).setCorrelationId(nz(e.correlationId())).setCausationId(nz(e.causationId())));
            }
            return b.build();
        });
    }

    @Override
    public void listCustomerOrders(ListCustomerOrdersRequest request, StreamObserver<ListCustomerOrdersResponse> response) {
        answer(response, () -> {
            int limit = request.getLimit() == 0 ? DEFAULT_PAGE : request.getLimit();
            if (limit < 1 || limit > MAX_PAGE) {
                throw new ApiRefusal(ApiFailure.invalid("limit", "limit must be from 1 to " + MAX_PAGE + " (0 for " + DEFAULT_PAGE + "): " + limit));
            }
            CustomerOrders page = oms.ordersOf(request.getCustomerId(), limit, blankToNull(request.getAfter()));
            ListCustomerOrdersResponse.Builder b = ListCustomerOrdersResponse.newBuilder().setCustomerId(nz(page.customerId()))
                    .setNext(nz(page.next()));
            for (OrderView o : page.orders()) b.addOrders(order(o));
            return b.build();
        });
    }

    @Override
    public void getStock(GetStockRequest request, StreamObserver<Stock> response) {
        answer(response, () -> stock(oms.stock(request.getSku())));
    }

    @Override
    public void restock(RestockRequest request, StreamObserver<Stock> response) {
        answer(response, () -> {
            RequestContext rc = mutation();
            return stock(oms.restock(request.getSku(), request.getQuantity(), rc));
        });
    }

    // ---- plumbing

    private static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            response.onError(toStatus(e));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    /** The status a failure is answered with (see the class comment). */
    static StatusRuntimeException toStatus(Throwable e) {
        ApiFailure f = ApiFailure.of(e);
        Metadata trailers = new Metadata();
        Status status = switch (f.kind()) {
            case INVALID -> {
                if (f.field() != null) trailers.put(INVALID_FIELD, ascii(f.field()));
                yield Status.INVALID_ARGUMENT.withDescription(f.describe());
            }
            case NOT_FOUND -> Status.NOT_FOUND.withDescription(f.message());
            case RULE -> Status.FAILED_PRECONDITION.withDescription(f.message());
            case CONFLICT -> Status.ABORTED.withDescription(f.message());
            case INTERNAL -> {
                LOG.log(System.Logger.Level.ERROR, "gRPC call failed, correlation={0}",
                        new Object[]{GrpcRequestInterceptor.CORRELATION.get()}, e);
                yield Status.INTERNAL.withDescription(f.message());
            }
        };
        return status.asRuntimeException(trailers);
    }

    private static String ascii(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7f ? c : '?');
        return b.toString();
    }

    private static RequestContext mutation() {
        return RequestHeaders.mutation(GrpcRequestInterceptor.IDEMPOTENCY.get(), "idempotency-key",
                GrpcRequestInterceptor.CORRELATION.get());
    }

    private static PaymentDetails payment(Payment p) {
        if (p.getToken().isEmpty()) throw new ApiRefusal(ApiFailure.invalid("payment.token", "payment.token is required"));
        return new PaymentDetails(p.getMethod(), p.getToken());
    }

    private static BigDecimal money(String field, String text) {
        if (text == null || text.isBlank()) throw new ApiRefusal(ApiFailure.invalid(field, field + " is required"));
        try {
            return new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new ApiRefusal(ApiFailure.invalid(field, field + " is not a decimal number: '" + text + "'"));
        }
    }

    static Order order(OrderView o) {
        Order.Builder b = Order.newBuilder()
                .setOrderId(nz(o.orderId()))
                .setCustomerId(nz(o.customerId()))
                .setStatus(status(o.status()))
                .setCurrency(nz(o.currency()))
                .setTotal(amount(o.total()))
                .setPaymentId(nz(o.paymentId()))
                .setRefunded(amount(o.refunded()))
                .setReason(nz(o.reason()))
                .setVersion(o.version())
                .setCreatedAt(instant(o.createdAt()))
                .setUpdatedAt(instant(o.updatedAt()));
        if (o.lines() != null) {
            for (PlaceOrderRequest.Line l : o.lines()) {
                b.addLines(OrderLine.newBuilder().setSku(nz(l.sku())).setQuantity(l.quantity()).setUnitPrice(amount(l.unitPrice())));
            }
        }
        return b.build();
    }

    private static OrderStatus status(OrderView.Status s) {
        if (s == null) return OrderStatus.ORDER_STATUS_UNSPECIFIED;
        return switch (s) {
            case CREATED -> OrderStatus.ORDER_STATUS_CREATED;
            case RESERVED -> OrderStatus.ORDER_STATUS_RESERVED;
            case PAID -> OrderStatus.ORDER_STATUS_PAID;
            case CONFIRMED -> OrderStatus.ORDER_STATUS_CONFIRMED;
            case CANCELLED -> OrderStatus.ORDER_STATUS_CANCELLED;
            case REFUNDED -> OrderStatus.ORDER_STATUS_REFUNDED;
        };
    }

    private static Stock stock(StockLevel s) {
        return Stock.newBuilder().setSku(nz(s.sku())).setAvailable(s.available()).setReserved(s.reserved())
                .setCommitted(s.committed()).build();
    }

    private static String amount(BigDecimal d) {
        return d == null ? "" : d.toPlainString();
    }

    private static String instant(Instant i) {
        return i == null ? "" : i.toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
