package dev.facta.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceRegistryTest {
    private final ServiceRegistry registry = new ServiceRegistry();
    private static final ServiceKey<IntUnaryOperator> SQUARE = ServiceKey.of("math.square", IntUnaryOperator.class);

    @AfterEach
    void close() {
        registry.close();
    }

    private static ServiceException.Reason reasonOf(Runnable call) {
        try {
            call.run();
        } catch (ServiceException e) {
            return e.reason();
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void calls_reach_the_registered_service_synchronously_and_asynchronously() {
        registry.register("math", SQUARE, x -> x * x);
        assertThat(registry.<IntUnaryOperator, Integer>call("me", SQUARE, s -> s.applyAsInt(7))).isEqualTo(49);
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            futures.add(registry.callAsync("me", SQUARE, s -> s.applyAsInt(n)));
        }
        for (int i = 0; i < 200; i++) assertThat(futures.get(i).join()).isEqualTo(i * i);
    }

    @Test
    void missing_services_wrong_types_and_duplicates_get_typed_errors() {
        assertThat(reasonOf(() -> registry.call("me", SQUARE, s -> s.applyAsInt(1)))).isEqualTo(ServiceException.Reason.NOT_FOUND);
        assertThatThrownBy(() -> registry.callAsync("me", SQUARE, s -> 1).join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(ServiceException.class);
        registry.register("math", SQUARE, x -> x * x);
        ServiceKey<Runnable> wrong = ServiceKey.of("math.square", Runnable.class);
        assertThat(reasonOf(() -> registry.call("me", wrong, r -> null))).isEqualTo(ServiceException.Reason.WRONG_TYPE);
        assertThatThrownBy(() -> registry.register("other", SQUARE, x -> x))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.reason()).isEqualTo(ServiceException.Reason.DUPLICATE));
        assertThatThrownBy(() -> ServiceKey.json("Bad Name")).isInstanceOf(dev.facta.InvalidInputException.class);
        registry.unregister("other", "math.square"); // not its owner: nothing happens
        assertThat(registry.available("math.square")).isTrue();
        registry.unregisterAll("math");
        assertThat(registry.available("math.square")).isFalse();
    }

    @Test
    void a_call_over_its_timeout_fails_with_timeout_and_its_thread_is_interrupted() throws InterruptedException {
        CountDownLatch interrupted = new CountDownLatch(1);
        registry.configure("slow", ServiceOptions.DEFAULTS.withTimeout(Duration.ofMillis(100)));
        registry.register("p", ServiceKey.json("slow"), (m, j) -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return "late";
        });
        assertThat(reasonOf(() -> registry.call("me", ServiceKey.json("slow"), s -> PluginLifecycleTest.call(s, "")))).isEqualTo(ServiceException.Reason.TIMEOUT);
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void a_service_throwing_fails_with_its_exception_as_cause() {
        registry.register("p", SQUARE, x -> {
            throw new ArithmeticException("overflow");
        });
        assertThatThrownBy(() -> registry.call("me", SQUARE, s -> s.applyAsInt(1)))
                .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.reason()).isEqualTo(ServiceException.Reason.FAILED))
                .hasRootCauseInstanceOf(ArithmeticException.class);
    }

    @Test
    void the_rate_limit_refuses_calls_beyond_its_burst_without_calling_the_service() {
        AtomicInteger served = new AtomicInteger();
        registry.configure("math.square", ServiceOptions.DEFAULTS.withRateLimit(0.5, 3));
        registry.register("math", SQUARE, x -> served.incrementAndGet());
        for (int i = 0; i < 3; i++) registry.call("me", SQUARE, s -> s.applyAsInt(1));
        assertThat(reasonOf(() -> registry.call("me", SQUARE, s -> s.applyAsInt(1)))).isEqualTo(ServiceException.Reason.RATE_LIMITED);
        assertThat(served.get()).isEqualTo(3);
        registry.configure("math.square", null); // back to the defaults: unlimited
        for (int i = 0; i < 10; i++) registry.call("me", SQUARE, s -> s.applyAsInt(1));
        assertThat(served.get()).isEqualTo(13);
    }

    @Test
    void the_circuit_breaker_opens_after_repeated_failures_and_closes_after_a_successful_trial() throws InterruptedException {
        AtomicInteger invoked = new AtomicInteger();
        AtomicInteger failuresLeft = new AtomicInteger(3);
        registry.configure("math.square", ServiceOptions.DEFAULTS.withCircuitBreaker(3, Duration.ofMillis(200)));
        registry.register("math", SQUARE, x -> {
            invoked.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) throw new IllegalStateException("down");
            return x * x;
        });
        for (int i = 0; i < 3; i++) assertThat(reasonOf(() -> registry.call("me", SQUARE, s -> s.applyAsInt(2)))).isEqualTo(ServiceException.Reason.FAILED);
        assertThat(reasonOf(() -> registry.call("me", SQUARE, s -> s.applyAsInt(2)))).isEqualTo(ServiceException.Reason.CIRCUIT_OPEN);
        assertThat(invoked.get()).isEqualTo(3);
        assertThat(registry.list().getFirst().circuit()).isEqualTo("open");
        Thread.sleep(300);
        assertThat(registry.<IntUnaryOperator, Integer>call("me", SQUARE, s -> s.applyAsInt(2))).isEqualTo(4);
        assertThat(registry.list().getFirst().circuit()).isEqualTo("closed");
    }
}
