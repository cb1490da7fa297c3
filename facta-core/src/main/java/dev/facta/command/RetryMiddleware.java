package dev.facta.command;

import dev.facta.aggregate.RetryPolicy;
import dev.facta.store.WrongExpectedVersionException;

/**
 * Runs the rest of the pipeline again when it lost an optimistic-concurrency race, with the
 * policy's backoff and jitter; other errors pass through at once. Handlers must therefore load
 * fresh state on every attempt (repositories do).
 */
public final class RetryMiddleware implements CommandMiddleware {
    private final RetryPolicy policy;

    public RetryMiddleware(RetryPolicy policy) {
        this.policy = policy;
    }

    @Override
    public Object handle(CommandMessage<?> command, Next next) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return next.proceed(command);
            } catch (WrongExpectedVersionException conflict) {
                if (attempt >= policy.maxAttempts()) throw conflict;
                Thread.sleep(policy.delayAfter(attempt));
            }
        }
    }
}
