package dev.facta.examples.oms.payment;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A card gateway that behaves by token, like a payment provider's test cards: {@value #DECLINE} is
 * declined, {@value #TIMEOUT} never answers, any other token is captured. Every answer comes after
 * {@code latency} (0: at once, within the charge call).
 */
public final class SimulatedCardGateway implements CardGateway {
    public static final String DECLINE = "tok_decline";
    public static final String TIMEOUT = "tok_timeout";

    private final Duration latency;
    private final AtomicLong charges = new AtomicLong();
    private final AtomicLong refunds = new AtomicLong();

    public SimulatedCardGateway(Duration latency) {
        this.latency = Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) throw new IllegalArgumentException("latency must not be negative: " + latency);
    }

    public SimulatedCardGateway() {
        this(Duration.ZERO);
    }

    @Override
    public CompletableFuture<Answer> charge(String paymentId, BigDecimal amount, String currency, String token) {
        charges.incrementAndGet();
        // deterministic per payment: the provider's idempotency key gives the same charge again
        String chargeId = "ch_" + UUID.nameUUIDFromBytes(paymentId.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString().replace("-", "").substring(0, 20);
        if (TIMEOUT.equals(token)) return new CompletableFuture<>();
        Answer answer = DECLINE.equals(token) ? Answer.declined(chargeId, "card_declined") : Answer.captured(chargeId);
        if (latency.isZero()) return CompletableFuture.completedFuture(answer);
        return CompletableFuture.supplyAsync(() -> answer,
                CompletableFuture.delayedExecutor(latency.toNanos(), TimeUnit.NANOSECONDS));
    }

    @Override
    public void refund(String paymentId, String chargeId, BigDecimal amount) {
        refunds.incrementAndGet();
    }

    /** How many charges were sent (for tests and the demo). */
    public long charges() {
        return charges.get();
    }

    /** How many refunds were sent. */
    public long refunds() {
        return refunds.get();
    }
}
