package dev.facta.projection;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A counter of signals that threads wait on without missing one: a waiter reads {@link #current()}
 * before it looks for work and then waits only while no signal came since.
 */
final class Wakeup {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long count;

    long current() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    void signal() {
        lock.lock();
        try {
            count++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until a signal after {@code seen}, the timeout, or {@code stop} turns true (checked on every signal). */
    void await(long seen, Duration timeout, BooleanSupplier stop) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (count == seen && remaining > 0 && !stop.getAsBoolean()) remaining = changed.awaitNanos(remaining);
        } finally {
            lock.unlock();
        }
    }

    /** Sleeps for {@code duration} unless {@code stop} turns true first (checked on every signal). */
    void sleep(Duration duration, BooleanSupplier stop) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        lock.lock();
        try {
            long remaining;
            while (!stop.getAsBoolean() && (remaining = deadline - System.nanoTime()) > 0) changed.awaitNanos(remaining);
        } finally {
            lock.unlock();
        }
    }
}
