package dev.facta.eventbus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EventBusTest {
    record OrderShipped(String orderId, int seq) {
    }

    record Unrelated() {
    }

    @Test
    void a_failing_subscriber_is_reported_and_never_stops_the_others() {
        List<Object> reported = new ArrayList<>();
        List<String> got = new ArrayList<>();
        try (EventBus bus = new EventBus((event, error) -> reported.add(error.getMessage()))) {
            bus.subscribe(OrderShipped.class, e -> got.add("first " + e.seq()));
            bus.subscribe(OrderShipped.class, e -> {
                throw new IllegalStateException("mailer down");
            });
            var sub = bus.subscribe(OrderShipped.class, e -> got.add("third " + e.seq()));
            bus.subscribe(Unrelated.class, e -> got.add("unrelated"));

            bus.publish(new OrderShipped("o-1", 1));
            sub.close();
            bus.publish(new OrderShipped("o-1", 2));
        }
        assertThat(got).containsExactly("first 1", "third 1", "first 2");
        assertThat(reported).containsExactly("mailer down", "mailer down");
    }

    @Test
    void asynchronous_subscribers_receive_events_in_publication_order_on_their_own_thread() throws Exception {
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        Thread publisher = Thread.currentThread();
        List<Boolean> offThread = Collections.synchronizedList(new ArrayList<>());
        try (EventBus bus = new EventBus()) {
            bus.subscribeAsync(OrderShipped.class, e -> {
                offThread.add(Thread.currentThread() != publisher);
                if (e.seq() % 7 == 0) Thread.onSpinWait();
                got.add(e.seq());
                if (e.seq() == 500) done.countDown();
            });
            bus.subscribeAsync(OrderShipped.class, e -> {
                throw new IllegalStateException("never stops the other");
            });
            for (int i = 1; i <= 500; i++) bus.publish(new OrderShipped("o-" + (i % 5), i));
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(got).isSorted().hasSize(500);
        assertThat(offThread).containsOnly(true);
    }
}
