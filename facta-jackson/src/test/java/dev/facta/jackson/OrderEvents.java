package dev.facta.jackson;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** A small order domain with a two-level sealed hierarchy, as a real application would have. */
final class OrderEvents {
    private OrderEvents() {
    }

    enum Channel { WEB, STORE }

    record Line(String sku, int quantity, BigDecimal unitPrice) {
    }

    sealed interface OrderEvent permits OrderPlaced, OrderShipped, OrderCancelled, PaymentEvent {
    }

    record OrderPlaced(UUID orderId, String customer, List<Line> lines, Instant placedAt, LocalDate deliverBy,
                       Channel channel, Optional<String> note, Map<String, String> tags) implements OrderEvent {
    }

    record OrderShipped(UUID orderId, Instant shippedAt, Duration transitTime) implements OrderEvent {
    }

    /** A marker event with no data at all. */
    record OrderCancelled() implements OrderEvent {
    }

    sealed interface PaymentEvent extends OrderEvent permits PaymentReceived, PaymentRefunded {
    }

    record PaymentReceived(UUID orderId, BigDecimal amount, Long attempt) implements PaymentEvent {
    }

    record PaymentRefunded(UUID orderId, BigDecimal amount, String reason) implements PaymentEvent {
    }

    static OrderPlaced samplePlaced() {
        return new OrderPlaced(UUID.fromString("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "ada",
                List.of(new Line("book-1", 2, new BigDecimal("12.50")), new Line("pen-7", 1, new BigDecimal("0.99"))),
                Instant.parse("2024-05-06T07:08:09.123456Z"), LocalDate.of(2024, 5, 10), Channel.WEB,
                Optional.of("leave at the door"), Map.of("gift", "yes"));
    }
}
