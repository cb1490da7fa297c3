package dev.facta.command;

import java.time.Clock;
import java.time.Duration;

/**
 * Runs a command with an idempotency key at most once while the key is remembered: a repeated
 * key, sequential or concurrent, gets the first run's result without running the handler again.
 * A run that fails forgets the key, so the client may retry. Commands without a key pass through.
 *
 * <p>While a command runs, its key's lease is renewed every {@code renewEvery} (10 s unless given,
 * a third of the stores' default 30 s lease) on a virtual thread, so a slow command is never taken
 * over by a second caller and run twice; if renewal finds the key no longer running (its lease
 * passed during a stall and another caller took it over), the run's result is still recorded when
 * it completes, and the event is logged.
 */
public final class IdempotencyMiddleware implements CommandMiddleware {
    private final IdempotencyStore store;
    private final Duration remember;
    private final Clock clock;
    private final Duration renewEvery;

    /** The default interval of lease renewal: a third of the SQL stores' default lease. */
    public static final Duration DEFAULT_RENEWAL = Duration.ofSeconds(10);

    public IdempotencyMiddleware(IdempotencyStore store, Duration remember) {
        this(store, remember, Clock.systemUTC());
    }

    public IdempotencyMiddleware(IdempotencyStore store, Duration remember, Clock clock) {
        this(store, remember, clock, DEFAULT_RENEWAL);
    }

    /** @param renewEvery how often a running command's lease is extended; keep it well under the store's lease */
    public IdempotencyMiddleware(IdempotencyStore store, Duration remember, Clock clock, Duration renewEvery) {
        this.store = java.util.Objects.requireNonNull(store, "store");
        this.remember = java.util.Objects.requireNonNull(remember, "remember");
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        if (renewEvery == null || renewEvery.isNegative() || renewEvery.isZero()) {
            throw new dev.facta.InvalidInputException("renewEvery", "the lease renewal interval must be positive: " + renewEvery);
        }
        this.renewEvery = renewEvery;
    }

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        String key = command.idempotencyKey();
        if (key == null) return next.proceed(command);
        String scoped = command.type().getName() + ":" + key;
        return switch (store.begin(scoped, clock.instant().plus(remember))) {
            case IdempotencyStore.Completed done -> done.result();
            case IdempotencyStore.Reserved reserved -> {
                Renewal renewal = new Renewal(scoped);
                try {
                    Object result = next.proceed(command);
                    renewal.stop();
                    store.complete(scoped, result);
                    yield result;
                } catch (Exception | Error e) {
                    renewal.stop();
                    store.abandon(scoped);
                    throw e;
                }
            }
        };
    }

    /**
     * Extends a running key's lease every {@code renewEvery} on a virtual thread. It is stopped by a
     * latch rather than an interrupt, because interrupting a thread inside a JDBC call closes its
     * socket; {@link #stop} waits for a renewal in flight, so none can follow the key's outcome.
     */
    private final class Renewal {
        private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        private final Thread thread;

        Renewal(String key) {
            this.thread = Thread.ofVirtual().name("facta-idempotency-renewal").start(() -> run(key));
        }

        private void run(String key) {
            System.Logger log = System.getLogger(IdempotencyMiddleware.class.getName());
            try {
                while (!stopped.await(renewEvery.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    try {
                        if (!store.extend(key)) {
                            log.log(System.Logger.Level.WARNING, "idempotency key {0} is no longer reserved by this run", key);
                            return;
                        }
                    } catch (RuntimeException e) {
                        log.log(System.Logger.Level.WARNING, "renewing the lease of idempotency key " + key + " failed", e);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            stopped.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
