package dev.facta.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes messages in order per stream and in parallel across streams: the next message of a stream
 * is sent only once the previous one was acknowledged, and once one fails the later ones of its stream
 * are not sent at all. So a broker never holds a later message of a stream before an earlier one, not
 * even when the earlier one is refused or lost with a connection.
 */
final class Dispatch {
    /** Continuations run here, never on a client library's I/O thread. */
    private static final Executor CONTINUATIONS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("facta-outbox-dispatch-", 0).factory());

    enum Outcome { PENDING, DELIVERED, UNAVAILABLE, REJECTED, SKIPPED }

    /** One message and what became of it. */
    static final class Item {
        final OutboxMessage message;
        volatile Outcome outcome = Outcome.PENDING;
        volatile Throwable error;

        Item(OutboxMessage message) {
            this.message = message;
        }

        boolean failed() {
            return outcome == Outcome.UNAVAILABLE || outcome == Outcome.REJECTED;
        }
    }

    private Dispatch() {
    }

    /** Publishes the items (in log order) and returns when each is delivered, failed or skipped. */
    static void run(OutboxPublisher publisher, List<Item> items, Duration ackTimeout) throws InterruptedException {
        if (items.isEmpty()) return;
        Map<String, List<Item>> chains = new LinkedHashMap<>();
        for (Item i : items) chains.computeIfAbsent(i.message.stream(), k -> new ArrayList<>()).add(i);
        CountDownLatch done = new CountDownLatch(chains.size());
        for (List<Item> chain : chains.values()) send(publisher, chain, 0, ackTimeout, done);
        done.await();
    }

    /** Publishes one message and waits for its outcome. */
    static Item sendOne(OutboxPublisher publisher, OutboxMessage message, Duration ackTimeout) throws InterruptedException {
        Item item = new Item(message);
        run(publisher, List.of(item), ackTimeout);
        return item;
    }

    private static void send(OutboxPublisher publisher, List<Item> chain, int index, Duration ackTimeout, CountDownLatch done) {
        Item item = chain.get(index);
        CompletableFuture<Void> sent;
        try {
            sent = publisher.publish(item.message);
            if (sent == null) sent = CompletableFuture.failedFuture(new NullPointerException(publisher.name() + " returned no future"));
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError vme) throw vme;
            sent = CompletableFuture.failedFuture(t);
        }
        sent.orTimeout(ackTimeout.toMillis(), TimeUnit.MILLISECONDS).whenCompleteAsync((ok, error) -> {
            try {
                if (error == null) {
                    item.outcome = Outcome.DELIVERED;
                    if (index + 1 < chain.size()) {
                        send(publisher, chain, index + 1, ackTimeout, done);
                        return;
                    }
                } else {
                    Throwable cause = unwrap(error);
                    item.error = cause instanceof TimeoutException
                            ? PublishException.unavailable(publisher.name() + " did not acknowledge " + item.message
                            + " within " + ackTimeout.toMillis() + " ms", cause)
                            : cause;
                    item.outcome = cause instanceof PublishException p && p.kind() == PublishException.Kind.REJECTED
                            ? Outcome.REJECTED : Outcome.UNAVAILABLE;
                    for (int i = index + 1; i < chain.size(); i++) chain.get(i).outcome = Outcome.SKIPPED;
                }
                done.countDown();
            } catch (Throwable t) {
                // never leave the batch waiting
                for (int i = index; i < chain.size(); i++) {
                    if (chain.get(i).outcome == Outcome.PENDING) {
                        chain.get(i).outcome = i == index ? Outcome.UNAVAILABLE : Outcome.SKIPPED;
                        chain.get(i).error = t;
                    }
                }
                done.countDown();
            }
        }, CONTINUATIONS);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }
}
