package dev.facta.bench;

import dev.facta.FactaException;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import dev.facta.subscription.EventSubscription;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * subscription-latency: while 8 writers run the append-single load, a subscription that started
 * live at the head receives every event; for each one, the time from the moment its writer called
 * {@code append} to the moment the handler got it. On PostgreSQL the subscriber has a store of its
 * own (another connection pool, woken by LISTEN/NOTIFY, as another process would be); on SQLite and
 * in memory it shares the writers' store and is woken in-process.
 */
final class SubscriptionLatency {

    record Timing(long events, long nanos, long[] latencies) {
    }

    private SubscriptionLatency() {
    }

    static Timing run(StoreKind kind, String url, Shape shape) throws Exception {
        try (EventStore writers = EventStores.open(url)) {
            EventStore reader = kind == StoreKind.POSTGRES ? EventStores.open(url) : writers;
            try {
                return measure(writers, reader, shape);
            } finally {
                if (reader != writers) reader.close();
            }
        }
    }

    private static Timing measure(EventStore writers, EventStore reader, Shape shape) throws Exception {
        int total = (int) shape.events();
        ConcurrentHashMap<UUID, Long> started = new ConcurrentHashMap<>(total * 2);
        long[] latencies = new long[total];
        AtomicInteger received = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long from = reader.headPosition() + 1;
        // The default poll interval: a signal or the subscription's adaptive re-read wakes it first.
        try (EventSubscription sub = EventSubscription.toAll(reader, from, dev.facta.store.EventFilter.all(), e -> {
            long now = System.nanoTime();
            Long t0 = started.remove(e.id());
            if (t0 == null) {
                failure.compareAndSet(null, new IllegalStateException("event " + e.id() + " was delivered twice or never appended"));
                return;
            }
            int n = received.getAndIncrement();
            latencies[n] = now - t0;
            if (n + 1 == total) all.countDown();
        }, Duration.ofMillis(500))) {
            long t0 = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < shape.writers(); w++) {
                int writer = w;
                threads.add(Thread.ofPlatform().name("bench-writer-" + w).start(() -> {
                    try {
                        write(writers, shape, writer, started);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            if (!all.await(60, TimeUnit.SECONDS) && failure.get() == null) {
                failure.set(new IllegalStateException("the subscription received " + received.get() + " of " + total
                        + " events within 60 s of the last append"));
            }
            long elapsed = System.nanoTime() - t0;
            if (failure.get() != null) throw new FactaException("subscription-latency failed: " + failure.get(), failure.get());
            if (sub.done().isCompletedExceptionally()) sub.done().join();
            return new Timing(total, elapsed, latencies);
        }
    }

    private static void write(EventStore store, Shape shape, int writer, ConcurrentHashMap<UUID, Long> started) {
        int writers = shape.writers();
        for (int i = writer; i < shape.streams(); i += writers) {
            String stream = Workload.streamName(i);
            List<EventData> events = FactaSubject.toEventData(Workload.events(stream, 0, shape.eventsPerAppend()), false);
            long t0 = System.nanoTime();
            for (EventData e : events) started.put(e.id(), t0);
            store.append(StreamId.of(stream), ExpectedVersion.noStream(), events);
        }
    }
}
