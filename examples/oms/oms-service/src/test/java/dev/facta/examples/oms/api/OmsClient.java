package dev.facta.examples.oms.api;

import java.math.BigDecimal;
import java.util.List;

/** What the end-to-end tests do through an API: the same operations over REST or gRPC, on real sockets. */
interface OmsClient extends AutoCloseable {

    record Line(String sku, int quantity, BigDecimal unitPrice) {
    }

    record Order(String orderId, String customerId, String status, BigDecimal total, BigDecimal refunded, String reason,
                 String paymentId, List<Line> lines) {
        boolean terminal() {
            return status.equals("CONFIRMED") || status.equals("CANCELLED") || status.equals("REFUNDED");
        }
    }

    record Entry(long version, String type, String correlationId, String causationId) {
    }

    record Stock(String sku, int available, int reserved, int committed) {
    }

    record Page(List<Order> orders, String next) {
    }

    /** A refusal, normalized: {@code kind} is INVALID, NOT_FOUND, RULE or CONFLICT; {@code field} when named. */
    final class Refused extends RuntimeException {
        final String kind;
        final String field;
        final String correlationId;

        Refused(String kind, String field, String message, String correlationId) {
            super(kind + (field == null ? "" : " [" + field + "]") + ": " + message);
            this.kind = kind;
            this.field = field;
            this.correlationId = correlationId;
        }
    }

    /** Places an order; {@code token} null means pay later. */
    Order create(String key, String correlationId, String orderId, String customerId, List<Line> lines, String token);

    Order get(String orderId);

    Order pay(String key, String orderId, String token);

    Order cancel(String key, String orderId, String reason);

    Order refund(String key, String orderId, String reason);

    List<Entry> timeline(String orderId);

    Page ordersOf(String customerId, int limit, String after);

    Stock stock(String sku);

    Stock restock(String key, String sku, int quantity);

    /** The correlation id the server answered the last call with. */
    String lastCorrelationId();

    @Override
    void close();
}
