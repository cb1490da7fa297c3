package dev.facta.query;

import dev.facta.command.NoHandlerException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryBusTest {
    record OrderTotal(String orderId) {
    }

    record PriceQuote(String sku) {
    }

    @Test
    void a_query_is_answered_by_its_handler_and_several_handlers_are_gathered_in_time() {
        try (QueryBus bus = QueryBus.builder()
                .register(OrderTotal.class, q -> 42)
                .register(PriceQuote.class, q -> 10)
                .register(PriceQuote.class, q -> 12)
                .register(PriceQuote.class, q -> {
                    Thread.sleep(1_000);
                    return 1;
                })
                .build()) {
            assertThat((Integer) bus.query(new OrderTotal("o-1"))).isEqualTo(42);
            List<Integer> quotes = bus.scatterGather(new PriceQuote("A"), Duration.ofMillis(300));
            assertThat(quotes).containsExactlyInAnyOrder(10, 12);
            assertThatThrownBy(() -> bus.query(new PriceQuote("A"))).hasMessageContaining("scatterGather");
            assertThatThrownBy(() -> bus.query("?")).isInstanceOf(NoHandlerException.class);
        }
    }

    @Test
    void a_subscription_query_gets_its_initial_result_then_matching_updates_until_closed() {
        int[] total = {100};
        try (QueryBus bus = QueryBus.builder().register(OrderTotal.class, q -> total[0]).build()) {
            List<Integer> updates = new ArrayList<>();
            QueryBus.Subscription<Integer> sub = bus.subscribe(new OrderTotal("o-1"), (Integer u) -> updates.add(u));
            assertThat(sub.initial()).isEqualTo(100);

            assertThat(bus.emit(OrderTotal.class, q -> q.orderId().equals("o-1"), 120)).isEqualTo(1);
            assertThat(bus.emit(OrderTotal.class, q -> q.orderId().equals("o-2"), 999)).isZero();
            sub.close();
            assertThat(bus.emit(OrderTotal.class, q -> true, 130)).isZero();
            assertThat(updates).containsExactly(120);
        }
    }

    @Test
    void interceptors_wrap_every_handler_call_in_the_order_they_were_added() {
        List<String> trace = new ArrayList<>();
        try (QueryBus bus = QueryBus.builder()
                .intercept((q, next) -> {
                    trace.add("outer " + q.getClass().getSimpleName());
                    return next.proceed(q);
                }, (q, next) -> (Integer) next.proceed(q) + 1)
                .register(OrderTotal.class, q -> 41)
                .build()) {
            assertThat((Integer) bus.query(new OrderTotal("o-1"))).isEqualTo(42);
            assertThat(trace).containsExactly("outer OrderTotal");
        }
    }
}
