package dev.facta.command;

import java.time.Clock;
import java.time.Duration;

/**
 * Runs a command with an idempotency key at most once while the key is remembered: a repeated
 * key, sequential or concurrent, gets the first run's result without running the handler again.
 * A run that fails forgets the key, so the client may retry. Commands without a key pass through.
 *
 * <p>While a command runs, its key's lease is renewed every {@code renewEvery} (10 s unless given,
 * a third of the stores' default 30 s lease) by one virtual thread per middleware that renews all
 * running keys together, so a slow command is never taken
 * over by a second caller and run twice; if renewal finds the key no longer running (its lease
 * passed during a stall and another caller took it over), the run's result is still recorded when
 * it completes, and the event is logged.
 */
public final class IdempotencyMiddleware implements CommandMiddleware {
    private final IdempotencyStore store;
    private final Duration remember;
    private final Clock clock;
    private final Duration renewEvery;
    /** Keys whose commands run now, in this middleware; their leases are renewed together. */
    private final java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean renewerStarted = new java.util.concurrent.atomic.AtomicBoolean();

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
     * Extends the lease of every key running in this middleware every {@code renewEvery}, on one
     * virtual thread started with the first keyed command (it sleeps while nothing runs). A renewal
     * that lands just after a key's outcome is harmless: stores extend only keys still running.
     */
    private final class Renewal {
        private final String key;

        Renewal(String key) {
            this.key = key;
            running.add(key);
            if (renewerStarted.compareAndSet(false, true)) {
                Thread.ofVirtual().name("facta-idempotency-renewal").start(IdempotencyMiddleware.this::renewLoop);
            }
        }

        void stop() {
            running.remove(key);
        }
    }

    private void renewLoop() {
        System.Logger log = System.getLogger(IdempotencyMiddleware.class.getName());
        while (true) {
            try {
                Thread.sleep(renewEvery);
            } catch (InterruptedException e) {
                return;
            }
            for (String key : running) {
                try {
                    if (!store.extend(key) && running.contains(key)) {
                        log.log(System.Logger.Level.WARNING, "idempotency key {0} is no longer reserved by this run", key);
                    }
                } catch (RuntimeException e) {
                    log.log(System.Logger.Level.WARNING, "renewing the lease of idempotency key " + key + " failed", e);
                }
            }
        }
    }
}
