package dev.facta.aggregate;

import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotPolicy;
import dev.facta.aggregate.snapshot.SnapshotStore;
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
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
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
    private SnapshotSupport<A, ?> snapshots;
    private SnapshotTaker taker;

    /**
     * How an aggregate root is snapshotted: {@code capture} takes a memento of its fields (a
     * record, typically), {@code restore} puts one back into a fresh aggregate; the memento is
     * stored through {@code codec}. {@code schemaVersion} names the memento's shape: snapshots of
     * another schema version are ignored.
     */
    public record SnapshotSupport<A, S>(SnapshotStore store, StateCodec<S> codec, SnapshotPolicy policy, int schemaVersion,
                                        int keep, Function<A, S> capture, BiConsumer<A, S> restore) {
        public SnapshotSupport {
            Objects.requireNonNull(store);
            Objects.requireNonNull(codec);
            Objects.requireNonNull(policy);
            Objects.requireNonNull(capture);
            Objects.requireNonNull(restore);
            keep = Math.max(1, keep);
        }
    }

    /** Turns on snapshots for this repository; returns it for chaining. */
    public AggregateRepository<A, E> withSnapshots(SnapshotSupport<A, ?> support) {
        this.snapshots = Objects.requireNonNull(support);
        this.taker = new SnapshotTaker(support.store(), support.policy(), support.schemaVersion(), support.keep(),
                java.time.Clock.systemUTC());
        return this;
    }

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
        A a = snapshots == null ? fresh() : fromSnapshot(snapshots, streamOf(id), maxVersion);
        for (StreamLoader.Decoded<E> e : loader.read(streamOf(id), a.version() + 1, maxVersion)) {
            a.replay(e.event(), e.version());
        }
        return a;
    }

    /** Loads the aggregate ignoring snapshots, for checks and tools. */
    public A loadWithoutSnapshots(String id) {
        A a = fresh();
        for (StreamLoader.Decoded<E> e : loader.read(streamOf(id), 0, Long.MAX_VALUE)) {
            a.replay(e.event(), e.version());
        }
        return a;
    }

    private <S> A fromSnapshot(SnapshotSupport<A, S> s, StreamId stream, long maxVersion) {
        A a = fresh();
        Optional<Snapshot> snap = taker.latest(stream, maxVersion);
        if (snap.isPresent()) {
            s.restore().accept(a, s.codec().decode(snap.get().state()));
            a.restoredAt(snap.get().version());
        }
        return a;
    }

    /** Takes a snapshot of the aggregate's current state now, whatever the policy. */
    public Optional<Snapshot> snapshot(String id) {
        if (snapshots == null) throw new IllegalStateException("this repository has no snapshots; call withSnapshots first");
        A a = load(id);
        if (a.version() < 0) return Optional.empty();
        return Optional.of(taker.save(streamOf(id), a.version(), encode(snapshots, a)));
    }

    private static <A, S> byte[] encode(SnapshotSupport<A, S> s, A a) {
        return s.codec().encode(s.capture().apply(a));
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
            long before = a.version();
            try {
                save(id, a, metadata);
                if (taker != null && a.version() != before) {
                    taker.afterAppend(streamOf(id), before, a.version(), () -> encode(snapshots, a));
                }
                return a;
            } catch (WrongExpectedVersionException conflict) {
                if (create || attempt >= retry.maxAttempts()) throw conflict;
                DeciderRepository.sleep(retry.delayAfter(attempt));
            }
        }
    }
}
