package dev.facta.examples.oms.api;

import dev.facta.examples.oms.api.grpc.GrpcRequestInterceptor;
import dev.facta.examples.oms.api.grpc.OrderGrpcService;
import dev.facta.examples.oms.api.grpc.v1.CancelOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.CreateOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.GetOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.GetOrderTimelineRequest;
import dev.facta.examples.oms.api.grpc.v1.GetStockRequest;
import dev.facta.examples.oms.api.grpc.v1.ListCustomerOrdersRequest;
import dev.facta.examples.oms.api.grpc.v1.ListCustomerOrdersResponse;
import dev.facta.examples.oms.api.grpc.v1.OrderLine;
import dev.facta.examples.oms.api.grpc.v1.OrderServiceGrpc;
import dev.facta.examples.oms.api.grpc.v1.PayOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.Payment;
import dev.facta.examples.oms.api.grpc.v1.RefundOrderRequest;
import dev.facta.examples.oms.api.grpc.v1.RestockRequest;
import dev.facta.examples.oms.api.grpc.v1.TimelineEntry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** {@link OmsClient} over the gRPC API with grpc-java's blocking stub on a plaintext channel. */
final class GrpcClient implements OmsClient {
    final ManagedChannel channel;
    private final OrderServiceGrpc.OrderServiceBlockingStub stub;
    private volatile String lastCorrelation;

    GrpcClient(String target) {
        this.channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        this.stub = OrderServiceGrpc.newBlockingStub(channel);
    }

    /** Calls with these metadata (key may be null, correlation may be null), mapping refusals to {@link Refused}. */
    <T> T call(String key, String correlation, Function<OrderServiceGrpc.OrderServiceBlockingStub, T> f) {
        Metadata md = new Metadata();
        if (key != null) md.put(GrpcRequestInterceptor.IDEMPOTENCY_KEY, key);
        if (correlation != null) md.put(GrpcRequestInterceptor.CORRELATION_ID, correlation);
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        OrderServiceGrpc.OrderServiceBlockingStub s = stub.withDeadlineAfter(30, TimeUnit.SECONDS).withInterceptors(
                MetadataUtils.newAttachHeadersInterceptor(md), MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        try {
            T result = f.apply(s);
            lastCorrelation = headers.get() == null ? null : headers.get().get(GrpcRequestInterceptor.CORRELATION_ID);
            return result;
        } catch (StatusRuntimeException e) {
            Metadata t = e.getTrailers() != null ? e.getTrailers() : trailers.get();
            String corr = t == null ? null : t.get(GrpcRequestInterceptor.CORRELATION_ID);
            lastCorrelation = corr;
            String field = t == null ? null : t.get(OrderGrpcService.INVALID_FIELD);
            String kind = switch (e.getStatus().getCode()) {
                case INVALID_ARGUMENT -> "INVALID";
                case NOT_FOUND -> "NOT_FOUND";
                case FAILED_PRECONDITION -> "RULE";
                case ABORTED -> "CONFLICT";
                default -> e.getStatus().getCode().name();
            };
            throw new Refused(kind, field, String.valueOf(e.getStatus().getDescription()), corr);
        }
    }

    @Override
    public Order create(String key, String correlationId, String orderId, String customerId, List<Line> lines, String token) {
        CreateOrderRequest.Builder b = CreateOrderRequest.newBuilder().setCustomerId(customerId).setCurrency("EUR");
        if (orderId != null) b.setOrderId(orderId);
        for (Line l : lines) b.addLines(OrderLine.newBuilder().setSku(l.sku()).setQuantity(l.quantity()).setUnitPrice(l.unitPrice().toPlainString()));
        if (token != null) b.setPayment(Payment.newBuilder().setMethod("card").setToken(token));
        return order(call(key, correlationId, s -> s.createOrder(b.build())));
    }

    @Override
    public Order get(String orderId) {
        return order(call(null, null, s -> s.getOrder(GetOrderRequest.newBuilder().setOrderId(orderId).build())));
    }

    @Override
    public Order pay(String key, String orderId, String token) {
        return order(call(key, null, s -> s.payOrder(PayOrderRequest.newBuilder().setOrderId(orderId)
                .setPayment(Payment.newBuilder().setMethod("card").setToken(token)).build())));
    }

    @Override
    public Order cancel(String key, String orderId, String reason) {
        return order(call(key, null, s -> s.cancelOrder(CancelOrderRequest.newBuilder().setOrderId(orderId)
                .setReason(reason == null ? "" : reason).build())));
    }

    @Override
    public Order refund(String key, String orderId, String reason) {
        return order(call(key, null, s -> s.refundOrder(RefundOrderRequest.newBuilder().setOrderId(orderId)
                .setReason(reason == null ? "" : reason).build())));
    }

    @Override
    public List<Entry> timeline(String orderId) {
        List<Entry> out = new ArrayList<>();
        for (TimelineEntry e : call(null, null, s -> s.getOrderTimeline(GetOrderTimelineRequest.newBuilder().setOrderId(orderId).build())).getEntriesList()) {
            out.add(new Entry(e.getVersion(), e.getType(), blank(e.getCorrelationId()), blank(e.getCausationId())));
        }
        return out;
    }

    @Override
    public Page ordersOf(String customerId, int limit, String after) {
        ListCustomerOrdersResponse r = call(null, null, s -> s.listCustomerOrders(ListCustomerOrdersRequest.newBuilder()
                .setCustomerId(customerId).setLimit(limit).setAfter(after == null ? "" : after).build()));
        return new Page(r.getOrdersList().stream().map(GrpcClient::order).toList(), blank(r.getNext()));
    }

    @Override
    public Stock stock(String sku) {
        return toStock(call(null, null, s -> s.getStock(GetStockRequest.newBuilder().setSku(sku).build())));
    }

    @Override
    public Stock restock(String key, String sku, int quantity) {
        return toStock(call(key, null, s -> s.restock(RestockRequest.newBuilder().setSku(sku).setQuantity(quantity).build())));
    }

    @Override
    public String lastCorrelationId() {
        return lastCorrelation;
    }

    private static Stock toStock(dev.facta.examples.oms.api.grpc.v1.Stock s) {
        return new Stock(s.getSku(), s.getAvailable(), s.getReserved(), s.getCommitted());
    }

    static Order order(dev.facta.examples.oms.api.grpc.v1.Order o) {
        List<Line> lines = o.getLinesList().stream().map(l -> new Line(l.getSku(), l.getQuantity(), new BigDecimal(l.getUnitPrice()))).toList();
        String status = o.getStatus().name().substring("ORDER_STATUS_".length());
        return new Order(o.getOrderId(), o.getCustomerId(), status, decimal(o.getTotal()), decimal(o.getRefunded()),
                blank(o.getReason()), blank(o.getPaymentId()), lines);
    }

    private static BigDecimal decimal(String s) {
        return s.isEmpty() ? null : new BigDecimal(s);
    }

    private static String blank(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
