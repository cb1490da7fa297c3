package dev.facta.eventbus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * In-process publish/subscribe for integration events. A subscriber receives the events of the
 * type it subscribed to, in publication order. Synchronous subscribers run on the publisher's
 * thread; asynchronous ones each get their own queue and virtual thread, so a slow one delays
 * nobody else. A subscriber that throws is reported to the error handler and never stops the
 * others nor the publisher.
 */
public final class EventBus implements AutoCloseable {

    /** Cancels one subscription. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final class Subscriber<T> {
        final Class<T> type;
        final Consumer<? super T> handler;
        final BlockingQueue<Object> queue; // null: synchronous
        final Thread thread;
        volatile boolean open = true;

        Subscriber(Class<T> type, Consumer<? super T> handler, boolean async) {
            this.type = type;
            this.handler = handler;
            this.queue = async ? new LinkedBlockingQueue<>() : null;
            this.thread = async ? Thread.ofVirtual().name("facta-eventbus-" + type.getSimpleName()).start(this::drain) : null;
        }

        void offer(Object event) {
            if (!open || !type.isInstance(event)) return;
            if (queue == null) deliver(event);
            else queue.add(event);
        }

        void deliver(Object event) {
            try {
                handler.accept(type.cast(event));
            } catch (RuntimeException | Error e) {
                errors.accept(event, e);
            }
        }

        private void drain() {
            try {
                while (true) {
                    Object e = queue.take();
                    if (e == STOP) return;
                    deliver(e);
                }
            } catch (InterruptedException ignored) {
                // closed
            }
        }

        void close() {
            open = false;
            subscribers.remove(this);
            if (queue != null) queue.add(STOP);
        }
    }

    private static final Object STOP = new Object();

    private final List<Subscriber<?>> subscribers = new CopyOnWriteArrayList<>();
    private final BiConsumer<Object, Throwable> errors;

    /** @param errors told of every subscriber failure: the event and the error */
    public EventBus(BiConsumer<Object, Throwable> errors) {
        this.errors = errors;
    }

    public EventBus() {
        this((event, error) -> System.getLogger(EventBus.class.getName()).log(System.Logger.Level.WARNING,
                "event subscriber failed on " + event.getClass().getSimpleName(), error));
    }

    /** Delivers on the publisher's thread, before {@link #publish} returns. */
    public <T> Subscription subscribe(Class<T> type, Consumer<? super T> handler) {
        return add(new Subscriber<>(type, handler, false));
    }

    /** Delivers on the subscriber's own virtual thread, in publication order. */
    public <T> Subscription subscribeAsync(Class<T> type, Consumer<? super T> handler) {
        return add(new Subscriber<>(type, handler, true));
    }

    private Subscription add(Subscriber<?> s) {
        subscribers.add(s);
        return s::close;
    }

    public void publish(Object event) {
        for (Subscriber<?> s : subscribers) s.offer(event);
    }

    public void publishAll(List<?> events) {
        for (Object e : events) publish(e);
    }

    @Override
    public void close() {
        for (Subscriber<?> s : new ArrayList<>(subscribers)) s.close();
    }
}
