package dev.facta.aggregate;

import dev.facta.serialization.EventSerializer;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Loads and saves {@link AggregateRoot}s, one stream per aggregate ({@code category-id}).
 * {@link #handle} loads, runs the action, and appends the pending events expecting the version
 * it loaded; a lost race is retried from a fresh load as the {@link RetryPolicy} allows.
 */
public final class AggregateRepository<A extends AggregateRoot<E>, E> {

    private final EventStore store;
    private final Supplier<A> factory;
    private final StreamLoader<E> loader;
    private final String category;
    private final RetryPolicy retry;

    public AggregateRepository(EventStore store, Supplier<A> factory, EventSerializer serializer, Class<E> eventType,
                               String category, RetryPolicy retry) {
        this.store = Objects.requireNonNull(store, "store");
        this.factory = Objects.requireNonNull(factory, "factory");
        this.loader = new StreamLoader<>(store, serializer, eventType);
        this.category = Objects.requireNonNull(category, "category");
        this.retry = Objects.requireNonNull(retry, "retry");
    }

    public AggregateRepository(EventStore store, Supplier<A> factory, EventSerializer serializer, Class<E> eventType,
                               String category) {
        this(store, factory, serializer, eventType, category, RetryPolicy.DEFAULT);
    }

    public StreamId streamOf(String id) {
        return StreamId.of(category, id);
    }

    /** The aggregate as stored; a fresh one (version -1) when its stream has no events. */
    public A load(String id) {
        return loadUpTo(id, Long.MAX_VALUE);
    }

    /** Time travel: the aggregate right after event {@code version}. */
    public A loadAtVersion(String id, long version) {
        return loadUpTo(id, version);
    }

    /** Time travel: the aggregate made of the events recorded at or before {@code instant}. */
    public A loadAsOf(String id, Instant instant) {
        A a = fresh();
        for (StreamLoader.Decoded<E> e : loader.read(streamOf(id), 0, Long.MAX_VALUE)) {
            if (e.recordedAt().isAfter(instant)) break;
            a.replay(e.event(), e.version());
        }
        return a;
    }

    private A loadUpTo(String id, long maxVersion) {
        A a = fresh();
        for (StreamLoader.Decoded<E> e : loader.read(streamOf(id), 0, maxVersion)) {
            a.replay(e.event(), e.version());
        }
        return a;
    }

    private A fresh() {
        A a = factory.get();
        if (a.version() != -1 || !a.pendingEvents().isEmpty()) {
            throw new IllegalStateException("the aggregate factory must return a fresh aggregate");
        }
        return a;
    }

    /** Appends the aggregate's pending events, expecting the version it was loaded at. */
    public void save(String id, A aggregate, Metadata metadata) {
        List<E> pending = aggregate.pendingEvents();
        if (pending.isEmpty()) return;
        List<EventData> data = new ArrayList<>(pending.size());
        for (E e : pending) data.add(loader.serializer().toEventData(e, metadata));
        long v = aggregate.version();
        var r = store.append(streamOf(id), v < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(v), data);
        aggregate.markSaved(r.nextExpectedVersion());
    }

    public void save(String id, A aggregate) {
        save(id, aggregate, Metadata.empty());
    }

    /** Loads the aggregate, runs {@code action} on it and saves what it applied, retrying lost races. */
    public A handle(String id, Consumer<? super A> action) {
        return handle(id, action, Metadata.empty(), false, false);
    }

    public A handle(String id, Consumer<? super A> action, Metadata metadata) {
        return handle(id, action, metadata, false, false);
    }

    /** Like {@link #handle} for an aggregate that must not exist yet. */
    public A create(String id, Consumer<? super A> action) {
        return handle(id, action, Metadata.empty(), true, false);
    }

    /** Like {@link #handle} for an aggregate that must exist. */
    public A update(String id, Consumer<? super A> action) {
        return handle(id, action, Metadata.empty(), false, true);
    }

    private A handle(String id, Consumer<? super A> action, Metadata metadata, boolean create, boolean update) {
        for (int attempt = 1; ; attempt++) {
            A a = load(id);
            if (create && a.version() >= 0) {
                throw new WrongExpectedVersionException(streamOf(id), ExpectedVersion.noStream(), a.version());
            }
            if (update && a.version() < 0) throw new StreamNotFoundException(streamOf(id));
            action.accept(a);
            try {
                save(id, a, metadata);
                return a;
            } catch (WrongExpectedVersionException conflict) {
                if (create || attempt >= retry.maxAttempts()) throw conflict;
                DeciderRepository.sleep(retry.delayAfter(attempt));
            }
        }
    }
}
