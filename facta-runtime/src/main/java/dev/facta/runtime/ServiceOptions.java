package dev.facta.runtime;

import dev.facta.InvalidInputException;

import java.time.Duration;

/**
 * Limits of one service: how long a call may take, how many calls per second it accepts (a token
 * bucket of {@code burst} tokens refilled at {@code ratePerSecond}; 0 means unlimited), and its
 * circuit breaker (opened by {@code failureThreshold} failures in a row, for {@code openFor}).
 */
public record ServiceOptions(Duration timeout, double ratePerSecond, int burst, int failureThreshold, Duration openFor) {
    public static final ServiceOptions DEFAULTS = new ServiceOptions(Duration.ofSeconds(5), 0, 0, 5, Duration.ofSeconds(5));

    public ServiceOptions {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("timeout", "service timeout must be positive: " + timeout);
        }
        if (ratePerSecond < 0 || Double.isNaN(ratePerSecond)) {
            throw new InvalidInputException("ratePerSecond", "rate must be 0 (unlimited) or positive: " + ratePerSecond);
        }
        if (burst < 0) throw new InvalidInputException("burst", "burst must not be negative: " + burst);
        if (ratePerSecond > 0 && burst == 0) burst = (int) Math.max(1, Math.ceil(ratePerSecond));
        if (failureThreshold < 1) {
            throw new InvalidInputException("failureThreshold", "failure threshold must be at least 1: " + failureThreshold);
        }
        if (openFor == null || openFor.isNegative()) {
            throw new InvalidInputException("openFor", "circuit open time must not be negative: " + openFor);
        }
    }

    public ServiceOptions withTimeout(Duration t) {
        return new ServiceOptions(t, ratePerSecond, burst, failureThreshold, openFor);
    }

    public ServiceOptions withRateLimit(double perSecond, int burst) {
        return new ServiceOptions(timeout, perSecond, burst, failureThreshold, openFor);
    }

    public ServiceOptions withCircuitBreaker(int failures, Duration openFor) {
        return new ServiceOptions(timeout, ratePerSecond, burst, failures, openFor);
    }
}
