package dev.facta.aggregate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The object-oriented way to write domain logic: methods such as {@code order.addItem(..)} check
 * the rules and {@link #apply} events; each event type's handler, registered explicitly in the
 * constructor with {@link #on}, changes the fields. Applied events are kept as pending until the
 * repository appends them. No reflection, no thread-locals: the aggregate records its own events.
 *
 * <pre>{@code
 * final class Order extends AggregateRoot<OrderEvent> {
 *     private boolean placed;
 *     Order() {
 *         on(OrderPlaced.class, e -> placed = true);
 *     }
 *     void place(String customer) {
 *         if (placed) throw new DomainRuleViolation("order already placed");
 *         apply(new OrderPlaced(customer));
 *     }
 * }
 * }</pre>
 *
 * @param <E> the aggregate's event type (often a sealed interface)
 */
public abstract class AggregateRoot<E> {

    private final Map<Class<?>, Consumer<Object>> handlers = new LinkedHashMap<>();
    private final List<E> pending = new ArrayList<>();
    private long version = -1;

    /** Registers the handler for one event type; a second handler for the same type is an error. */
    @SuppressWarnings("unchecked")
    protected final <T extends E> void on(Class<T> type, Consumer<? super T> handler) {
        if (handlers.putIfAbsent(type, e -> handler.accept((T) e)) != null) {
            throw new IllegalStateException(getClass().getSimpleName() + " registers two handlers for " + type.getName());
        }
    }

    /** Records a new event: its handler runs now, and the event waits to be appended. */
    protected final void apply(E event) {
        mutate(event);
        pending.add(event);
    }

    /** Replays a stored event (used by the repository while loading). */
    final void replay(E event, long eventVersion) {
        mutate(event);
        version = eventVersion;
    }

    private void mutate(E event) {
        Consumer<Object> h = handlerFor(event.getClass());
        if (h == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " has no handler for " + event.getClass().getName()
                    + "; register one with on(" + event.getClass().getSimpleName() + ".class, e -> ...)");
        }
        h.accept(event);
    }

    private Consumer<Object> handlerFor(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            Consumer<Object> h = handlers.get(c);
            if (h != null) return h;
        }
        for (var e : handlers.entrySet()) {
            if (e.getKey().isAssignableFrom(type)) return e.getValue();
        }
        return null;
    }

    /** Events applied since the aggregate was loaded or last saved, oldest first. */
    public final List<E> pendingEvents() {
        return Collections.unmodifiableList(pending);
    }

    /** The version of the last stored event the aggregate has seen; {@code -1} for a new one. */
    public final long version() {
        return version;
    }

    /** After restoring fields from a snapshot: the aggregate now reflects events up to {@code snapshotVersion}. */
    final void restoredAt(long snapshotVersion) {
        if (version != -1 || !pending.isEmpty()) throw new IllegalStateException("restore needs a fresh aggregate");
        version = snapshotVersion;
    }

    /** After a successful append: the pending events are now stored up to {@code newVersion}. */
    final void markSaved(long newVersion) {
        pending.clear();
        version = newVersion;
    }
}
