package dev.facta.outbox;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeliveryPolicyTest {
    private final StoreInbox inbox = StoreInbox.inMemory("policy");
    private final DeliveryPolicy policy = new DeliveryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5));

    private static InboxMessage message(String id) {
        return new InboxMessage(id, "d", Map.of(), new byte[0]);
    }

    @Test
    void retriesAFailingHandlerInPlaceThenSucceedsOnce() {
        AtomicInteger calls = new AtomicInteger();
        DeliveryPolicy.Outcome o = policy.deliver(inbox, message("m"), (m, ctx) -> {
            if (calls.incrementAndGet() < 3) throw new IllegalStateException("not yet");
        }, () -> false);
        assertThat(o).isEqualTo(DeliveryPolicy.Outcome.PROCESSED);
        assertThat(calls.get()).isEqualTo(3);
        assertThat(policy.deliver(inbox, message("m"), (m, ctx) -> calls.incrementAndGet(), () -> false))
                .isEqualTo(DeliveryPolicy.Outcome.DUPLICATE);
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void givesUpAfterMaxAttemptsAndStopsWhenAskedTo() {
        AtomicInteger calls = new AtomicInteger();
        assertThat(policy.deliver(inbox, message("x"), (m, ctx) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("never");
        }, () -> false)).isEqualTo(DeliveryPolicy.Outcome.FAILED);
        assertThat(calls.get()).isEqualTo(3);
        assertThat(inbox.seen("x")).isFalse();

        AtomicBoolean stop = new AtomicBoolean();
        assertThat(policy.deliver(inbox, message("y"), (m, ctx) -> {
            stop.set(true);
            throw new IllegalStateException("closing");
        }, stop::get)).isEqualTo(DeliveryPolicy.Outcome.STOPPED);
    }

    @Test
    void refusesBadSettings() {
        assertThatThrownBy(() -> new DeliveryPolicy(0, Duration.ZERO, Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new DeliveryPolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1))).isInstanceOf(InvalidInputException.class);
    }
}
