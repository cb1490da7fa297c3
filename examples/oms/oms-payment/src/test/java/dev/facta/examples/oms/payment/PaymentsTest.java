package dev.facta.examples.oms.payment;

import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.command.CommandMessage;
import dev.facta.examples.oms.contracts.payment.PaymentCommand;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.ChargePayment;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.RecordGatewayAnswer;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.RefundPayment;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.VoidPayment;
import dev.facta.examples.oms.contracts.payment.PaymentEvent;
import dev.facta.jackson.EventTypeRegistry;
import dev.facta.jackson.JacksonEventSerializer;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PaymentsTest {
    final InMemoryEventStore store = new InMemoryEventStore();
    final JacksonEventSerializer json = new JacksonEventSerializer(EventTypeRegistry.builder().registerSealed(PaymentEvent.class).build());
    static final BigDecimal AMOUNT = new BigDecimal("20.00");

    String send(Payments p, PaymentCommand c) {
        return p.handle(CommandMessage.of(c).withMetadata(Metadata.empty().withCorrelationId("corr")));
    }

    List<String> types(String orderId) {
        try {
            return store.readStream(StreamId.of("payment", orderId)).stream().map(RecordedEvent::type).toList();
        } catch (StreamNotFoundException e) {
            return List.of();
        }
    }

    static ChargePayment charge(String orderId, String token) {
        return new ChargePayment(orderId, AMOUNT, "EUR", "card", token);
    }

    @Test
    void tokensDecideTheOutcomeAndRepeatsChangeNothing() {
        Payments p = new Payments(store, json, new SimulatedCardGateway());
        assertThat(send(p, charge("o1", "tok_visa"))).isEqualTo("CAPTURED");
        assertThat(send(p, charge("o1", "tok_visa"))).isEqualTo("CAPTURED");
        assertThat(types("o1")).containsExactly("PaymentRequested", "PaymentCaptured");
        assertThat(send(p, charge("o2", "tok_decline"))).isEqualTo("DECLINED");
        assertThat(types("o2")).containsExactly("PaymentRequested", "PaymentDeclined");
        assertThat(send(p, charge("o3", "tok_timeout"))).isEqualTo("PENDING");
        assertThat(types("o3")).containsExactly("PaymentRequested");
        assertThat(store.readStream(StreamId.of("payment", "o1"))).allSatisfy(e -> assertThat(e.metadata().correlationId()).isEqualTo("corr"));
    }

    @Test
    void voidAndRefund() {
        Payments p = new Payments(store, json, new SimulatedCardGateway());
        send(p, charge("o1", "tok_timeout"));
        assertThat(send(p, new VoidPayment("o1", "payment_timeout"))).isEqualTo("VOIDED");
        assertThat(send(p, new VoidPayment("o1", "payment_timeout"))).isEqualTo("VOIDED");
        send(p, charge("o2", "tok_visa"));
        assertThat(send(p, new VoidPayment("o2", "cancelled"))).isEqualTo("REFUNDED");       // a captured payment is given back
        send(p, charge("o3", "tok_visa"));
        assertThat(send(p, new RefundPayment("o3", "damaged"))).isEqualTo("REFUNDED");
        assertThat(send(p, new RefundPayment("o3", "damaged"))).isEqualTo("REFUNDED");
        assertThat(types("o3")).containsExactly("PaymentRequested", "PaymentCaptured", "PaymentRefunded");
        assertThatThrownBy(() -> send(p, new RefundPayment("o1", "x"))).isInstanceOf(DomainRuleViolation.class);
        assertThat(send(p, charge("o4", "tok_visa"))).isEqualTo("CAPTURED");
        assertThat(send(p, new VoidPayment("o5", "never charged"))).isEqualTo("VOIDED");
        assertThat(send(p, charge("o5", "tok_visa"))).isEqualTo("VOIDED");                // voided first: never charged
    }

    @Test
    void aCaptureAfterTheVoidIsRefundedAtOnce() {
        Payments p = new Payments(store, json, new SimulatedCardGateway());
        send(p, charge("o1", "tok_timeout"));
        send(p, new VoidPayment("o1", "payment_timeout"));
        assertThat(send(p, new RecordGatewayAnswer("o1", "ch_late", true, null))).isEqualTo("REFUNDED");
        assertThat(types("o1")).containsExactly("PaymentRequested", "PaymentVoided", "PaymentCaptured", "PaymentRefunded");
    }

    @Test
    void aSlowGatewaysAnswerIsRecordedWhenItComes() throws Exception {
        SimulatedCardGateway gateway = new SimulatedCardGateway(Duration.ofMillis(50));
        Payments p = new Payments(store, json, gateway);
        assertThat(send(p, charge("o1", "tok_visa"))).isEqualTo("PENDING");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (types("o1").size() < 2 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(types("o1")).containsExactly("PaymentRequested", "PaymentCaptured");
        assertThat(store.readStream(StreamId.of("payment", "o1"))).allSatisfy(e -> assertThat(e.metadata().correlationId()).isEqualTo("corr"));
        assertThat(p.payment("o1").status()).isEqualTo(Payment.Status.CAPTURED);
    }
}
