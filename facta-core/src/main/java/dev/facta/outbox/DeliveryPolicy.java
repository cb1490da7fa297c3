package dev.facta.outbox;

import dev.facta.InvalidInputException;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/**
 * How a broker bridge hands a received message to its {@link Inbox}: a failing handler is tried again
 * in place, with exponential backoff and jitter, up to {@code maxAttempts} times, before the bridge
 * gives the message up. Retrying in place (instead of asking the broker to redeliver later) keeps the
 * messages of a stream in order, because nothing behind the failing message is handled meanwhile.
 *
 * @param maxAttempts    tries of the handler per delivery, at least 1
 * @param initialBackoff the wait after the first failure, doubling up to {@code maxBackoff}
 */
public record DeliveryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    private static final System.Logger LOG = System.getLogger(DeliveryPolicy.class.getName());

    /** What became of a delivery. */
    public enum Outcome {
        /** The handler ran and its effect committed with the inbox mark. */
        PROCESSED,
        /** The id was processed before; dropped. */
        DUPLICATE,
        /** The handler failed on every attempt (or the message cannot be deduplicated); give it up. */
        FAILED,
        /** The bridge is closing; leave the message to the broker's redelivery. */
        STOPPED
    }

    public DeliveryPolicy {
        if (maxAttempts < 1) throw new InvalidInputException("maxAttempts", "maxAttempts must be at least 1: " + maxAttempts);
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidInputException("backoff", "backoff must be 0 <= initial <= max");
        }
    }

    /** 5 attempts, backoff from 200 ms to 5 s. */
    public static DeliveryPolicy defaults() {
        return new DeliveryPolicy(5, Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    /** Processes the message through the inbox, retrying a failing handler in place. */
    public Outcome deliver(Inbox inbox, InboxMessage message, InboxHandler handler, BooleanSupplier stopping) {
        long wait = initialBackoff.toNanos();
        for (int attempt = 1; ; attempt++) {
            if (stopping.getAsBoolean()) return Outcome.STOPPED;
            try {
                return inbox.process(message, handler) ? Outcome.PROCESSED : Outcome.DUPLICATE;
            } catch (RuntimeException e) {
                if (attempt >= maxAttempts) {
                    LOG.log(System.Logger.Level.ERROR, "giving up " + message + " after " + attempt + " attempts: " + e, e);
                    return Outcome.FAILED;
                }
                LOG.log(System.Logger.Level.WARNING, "handling " + message + " failed (attempt " + attempt + " of "
                        + maxAttempts + "): " + e);
            }
            long jittered = wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1);
            try {
                Thread.sleep(Duration.ofNanos(jittered));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.STOPPED;
            }
            wait = Math.min(maxBackoff.toNanos(), wait > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : wait * 2);
        }
    }
}
