package dev.facta.examples.oms.payment;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.Decider;
import dev.facta.aggregate.DeciderRepository;
import dev.facta.aggregate.DomainRuleViolation;
import dev.facta.aggregate.Loaded;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.examples.oms.contracts.payment.PaymentCommand;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.ChargePayment;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.RecordGatewayAnswer;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.RefundPayment;
import dev.facta.examples.oms.contracts.payment.PaymentCommand.VoidPayment;
import dev.facta.examples.oms.contracts.payment.PaymentEvent;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentCaptured;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentDeclined;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentRefunded;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentRequested;
import dev.facta.examples.oms.contracts.payment.PaymentEvent.PaymentVoided;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventStore;
import dev.facta.store.Metadata;
import dev.facta.store.WrongExpectedVersionException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The payment context: one payment per order ({@link Payment}, stream {@code payment-<orderId>}) over a
 * {@link CardGateway}. Its outcome is recorded as events ({@code PaymentCaptured}, {@code PaymentDeclined},
 * {@code PaymentVoided}, {@code PaymentRefunded}) that the checkout saga reads from the log; payment never
 * calls orders.
 *
 * <p>A charge whose answer comes within the charge call is recorded with its request in one append. A
 * charge the gateway answers later is recorded as {@code PaymentRequested}; the answer is recorded when it
 * comes ({@link RecordGatewayAnswer}), with the metadata of the charge. A gateway that never answers leaves
 * the payment pending until someone voids it; if the capture arrives after the void, it is refunded at once.
 */
public final class Payments {
    /** The stream category: {@code payment-<orderId>}. */
    public static final String CATEGORY = "payment";

    private static final System.Logger LOG = System.getLogger(Payments.class.getName());
    private static final int ATTEMPTS = 5;

    private final CardGateway gateway;
    private final DeciderRepository<PaymentEvent, PaymentEvent, Payment> repository;

    public Payments(EventStore store, EventSerializer serializer, CardGateway gateway) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        // the repository is used to load and to append; the decisions involve the gateway and live here
        Decider<PaymentEvent, PaymentEvent, Payment> decider = Decider.of(() -> Payment.NONE, (c, s) -> List.of(c), Payment::evolve);
        this.repository = DeciderRepository.builder(store, decider, serializer, PaymentEvent.class, CATEGORY).build();
    }

    /** The command types this context handles. */
    public static List<Class<? extends PaymentCommand>> commandTypes() {
        return List.of(ChargePayment.class, RecordGatewayAnswer.class, VoidPayment.class, RefundPayment.class);
    }

    /** Registers a handler for each payment command on the bus. */
    public CommandBus.Builder register(CommandBus.Builder bus) {
        bus.register(ChargePayment.class, this::handle);
        bus.register(RecordGatewayAnswer.class, this::handle);
        bus.register(VoidPayment.class, this::handle);
        bus.register(RefundPayment.class, this::handle);
        return bus;
    }

    /** An order's payment as it is now. */
    public Payment payment(String orderId) {
        return repository.load(orderId).state();
    }

    /** The repository over the payment streams. */
    public DeciderRepository<PaymentEvent, PaymentEvent, Payment> repository() {
        return repository;
    }

    /**
     * Handles one payment command.
     *
     * @return the payment's status after it
     */
    public String handle(CommandMessage<? extends PaymentCommand> message) {
        PaymentCommand command = message.payload();
        if (command.orderId() == null || command.orderId().isBlank()) {
            throw new InvalidInputException("orderId", "a payment command needs the order id");
        }
        Metadata metadata = message.eventMetadata();
        for (int attempt = 1; ; attempt++) {
            Loaded<Payment> loaded = repository.load(command.orderId());
            Payment p = loaded.state();
            List<PaymentEvent> events = new ArrayList<>();
            CompletableFuture<CardGateway.Answer> pending = null;
            switch (command) {
                case ChargePayment c -> {
                    if (p.status() != Payment.Status.NONE) break;   // charged (or voided) already
                    if (c.amount() == null || c.amount().signum() <= 0) {
                        throw new InvalidInputException("amount", "a payment amount must be positive, got " + c.amount());
                    }
                    String id = Payment.idOf(c.orderId());
                    events.add(new PaymentRequested(c.orderId(), id, c.amount(), c.currency(), c.method()));
                    CompletableFuture<CardGateway.Answer> answer = gateway.charge(id, c.amount(), c.currency(), c.token());
                    if (answer.isDone() && !answer.isCompletedExceptionally()) {
                        events.addAll(outcome(c.orderId(), id, c.amount(), c.currency(), answer.join()));
                    } else {
                        pending = answer;
                    }
                }
                case RecordGatewayAnswer a -> {
                    CardGateway.Answer answer = new CardGateway.Answer(a.captured(), a.chargeId(), a.declineReason());
                    if (p.status() == Payment.Status.PENDING) {
                        events.addAll(outcome(a.orderId(), p.paymentId(), p.amount(), p.currency(), answer));
                    } else if (p.status() == Payment.Status.VOIDED && a.captured()) {
                        // the money was taken after we gave up on the charge: give it back
                        gateway.refund(p.paymentId(), a.chargeId(), p.amount());
                        events.add(new PaymentCaptured(a.orderId(), p.paymentId(), a.chargeId(), p.amount(), p.currency()));
                        events.add(new PaymentRefunded(a.orderId(), p.paymentId(), p.amount(), "captured_after_void"));
                    }
                }
                case VoidPayment v -> {
                    switch (p.status()) {
                        case NONE, PENDING -> events.add(new PaymentVoided(v.orderId(), Payment.idOf(v.orderId()), v.reason()));
                        case CAPTURED -> {
                            gateway.refund(p.paymentId(), p.chargeId(), p.amount());
                            events.add(new PaymentRefunded(v.orderId(), p.paymentId(), p.amount(), v.reason()));
                        }
                        default -> { }
                    }
                }
                case RefundPayment r -> {
                    switch (p.status()) {
                        case CAPTURED -> {
                            gateway.refund(p.paymentId(), p.chargeId(), p.amount());
                            events.add(new PaymentRefunded(r.orderId(), p.paymentId(), p.amount(), r.reason()));
                        }
                        case REFUNDED -> { }
                        default -> throw new DomainRuleViolation("payment of order " + r.orderId() + " is " + p.status()
                                + ": there is nothing captured to refund");
                    }
                }
            }
            if (events.isEmpty()) return p.status().name();
            try {
                repository.save(command.orderId(), loaded.version(), events, metadata);
            } catch (WrongExpectedVersionException conflict) {
                if (attempt >= ATTEMPTS) throw conflict;
                continue;
            }
            Payment after = p;
            for (PaymentEvent e : events) after = after.evolve(e);
            if (pending != null) awaitLater(command.orderId(), pending, metadata);
            return after.status().name();
        }
    }

    private static List<PaymentEvent> outcome(String orderId, String paymentId, BigDecimal amount, String currency,
                                              CardGateway.Answer answer) {
        return answer.captured()
                ? List.of(new PaymentCaptured(orderId, paymentId, answer.chargeId(), amount, currency))
                : List.of(new PaymentDeclined(orderId, paymentId, answer.declineReason()));
    }

    /** Records the gateway's answer when it comes, in the conversation of the charge. */
    private void awaitLater(String orderId, CompletableFuture<CardGateway.Answer> answer, Metadata metadata) {
        answer.whenComplete((a, error) -> {
            if (error != null) {
                LOG.log(System.Logger.Level.WARNING, "card gateway failed for order " + orderId + ": " + error);
                return;
            }
            Thread.ofVirtual().name("payment-answer").start(() -> {
                try {
                    CommandMessage<RecordGatewayAnswer> m = CommandMessage.of(
                            new RecordGatewayAnswer(orderId, a.chargeId(), a.captured(), a.declineReason()))
                            .withMetadata(metadata);
                    handle(m);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "recording the gateway's answer for order " + orderId + " failed: " + e, e);
                }
            });
        });
    }
}
