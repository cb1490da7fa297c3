package dev.facta.command;

import java.time.Clock;
import java.time.Duration;

/**
 * Runs a command with an idempotency key at most once while the key is remembered: a repeated
 * key, sequential or concurrent, gets the first run's result without running the handler again.
 * A run that fails forgets the key, so the client may retry. Commands without a key pass through.
 */
public final class IdempotencyMiddleware implements CommandMiddleware {
    private final IdempotencyStore store;
    private final Duration remember;
    private final Clock clock;

    public IdempotencyMiddleware(IdempotencyStore store, Duration remember) {
        this(store, remember, Clock.systemUTC());
    }

    public IdempotencyMiddleware(IdempotencyStore store, Duration remember, Clock clock) {
        this.store = store;
        this.remember = remember;
        this.clock = clock;
    }

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        String key = command.idempotencyKey();
        if (key == null) return next.proceed(command);
        String scoped = command.type().getName() + ":" + key;
        return switch (store.begin(scoped, clock.instant().plus(remember))) {
            case IdempotencyStore.Completed done -> done.result();
            case IdempotencyStore.Reserved reserved -> {
                try {
                    Object result = next.proceed(command);
                    store.complete(scoped, result);
                    yield result;
                } catch (Exception | Error e) {
                    store.abandon(scoped);
                    throw e;
                }
            }
        };
    }
}
