package dev.facta.aggregate;

import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotPolicy;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.StreamId;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Loads and changes aggregates written as a {@link Decider}, one stream per aggregate
 * ({@code category-id}). {@link #handle} loads, decides, appends with the loaded version as the
 * expected version, and on a lost race retries from a fresh load, as the {@link RetryPolicy} allows.
 *
 * <p>With a {@link SnapshotStore}, loading starts from the latest snapshot of the current schema
 * version and replays only the events after it; snapshots are taken after appends as the
 * {@link SnapshotPolicy} says, or on demand with {@link #snapshot}.
 *
 * <p>With {@link Builder#cache(int)}, the repository keeps the state and version of the aggregates
 * it handled most recently in memory and decides the next command for one of them without reading
 * its stream. The cache never makes a decision wrong: an append still expects the cached version,
 * so if another process wrote the stream meanwhile the append fails, the entry is dropped and the
 * command is decided again from a fresh load; a command that decides nothing (or throws) on a cached
 * state is decided again on a fresh load before that answer is given.
 */
public final class DeciderRepository<C, E, S> {

    private final EventStore store;
    private final Decider<C, E, S> decider;
    private final StreamLoader<E> loader;
    private final String category;
    private final RetryPolicy retry;
    private final SnapshotTaker snapshots;
    private final StateCodec<S> codec;
    /** The aggregates handled most recently, by id, least recently used first; null: no cache. */
    private final Map<String, Loaded<S>> cache;
    private final int cacheSize;

    private DeciderRepository(Builder<C, E, S> b) {
        this.store = Objects.requireNonNull(b.store, "store");
        this.decider = Objects.requireNonNull(b.decider, "decider");
        this.category = Objects.requireNonNull(b.category, "category");
        this.loader = new StreamLoader<>(store, Objects.requireNonNull(b.serializer, "serializer"),
                Objects.requireNonNull(b.eventType, "eventType"));
        this.retry = b.retry;
        this.codec = b.codec;
        this.snapshots = b.snapshots == null ? null
                : new SnapshotTaker(b.snapshots, b.policy, b.schemaVersion, b.keepSnapshots, b.clock);
        this.cacheSize = b.cacheSize;
        this.cache = b.cacheSize == 0 ? null : new LinkedHashMap<>(Math.min(b.cacheSize, 1 << 16), 0.75f, true);
    }

    public static <C, E, S> Builder<C, E, S> builder(EventStore store, Decider<C, E, S> decider,
                                                     EventSerializer serializer, Class<E> eventType, String category) {
        Builder<C, E, S> b = new Builder<>();
        b.store = store;
        b.decider = decider;
        b.serializer = serializer;
        b.eventType = eventType;
        b.category = category;
        return b;
    }

    public static final class Builder<C, E, S> {
        private EventStore store;
        private Decider<C, E, S> decider;
        private EventSerializer serializer;
        private Class<E> eventType;
        private String category;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private SnapshotStore snapshots;
        private StateCodec<S> codec;
        private SnapshotPolicy policy = SnapshotPolicy.never();
        private int schemaVersion = 1;
        private int keepSnapshots = 3;
        private Clock clock = Clock.systemUTC();
        private int cacheSize;

        /**
         * Keeps the state and version of up to {@code maxAggregates} recently handled aggregates in
         * memory (least recently used out first), so that handling a command on one of them reads
         * nothing; 0 (the default) keeps none. Worth it when this process writes most of the
         * aggregate's commands; correct either way (see the class comment).
         */
        public Builder<C, E, S> cache(int maxAggregates) {
            if (maxAggregates < 0) throw new dev.facta.InvalidInputException("cache", "cache size must be >= 0, got " + maxAggregates);
            this.cacheSize = maxAggregates;
            return this;
        }

        public Builder<C, E, S> retry(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry);
            return this;
        }

        /**
         * Keep snapshots in {@code store}, encoded by {@code codec}, taken as {@code policy} says.
         * {@code schemaVersion} names the shape of the state: change it when the state's shape
         * changes, and older snapshots are ignored.
         */
        public Builder<C, E, S> snapshots(SnapshotStore store, StateCodec<S> codec, SnapshotPolicy policy, int schemaVersion) {
            this.snapshots = Objects.requireNonNull(store);
            this.codec = Objects.requireNonNull(codec);
            this.policy = Objects.requireNonNull(policy);
            this.schemaVersion = schemaVersion;
            return this;
        }

        /** How many snapshots per aggregate to keep (default 3). */
        public Builder<C, E, S> keepSnapshots(int n) {
            this.keepSnapshots = Math.max(1, n);
            return this;
        }

        public Builder<C, E, S> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public DeciderRepository<C, E, S> build() {
            return new DeciderRepository<>(this);
        }
    }

    public StreamId streamOf(String id) {
        return StreamId.of(category, id);
    }

    /** The aggregate's current state; a new aggregate (no events) has the initial state and version -1. */
    public Loaded<S> load(String id) {
        return loadUpTo(streamOf(id), Long.MAX_VALUE, true);
    }

    /** Time travel: the state right after event {@code version}. */
    public Loaded<S> loadAtVersion(String id, long version) {
        if (version < 0) throw new dev.facta.InvalidInputException("version", "version must be >= 0, got " + version);
        return loadUpTo(streamOf(id), version, true);
    }

    /** Time travel: the state made of the events recorded at or before {@code instant}. */
    public Loaded<S> loadAsOf(String id, Instant instant) {
        StreamId stream = streamOf(id);
        S state = decider.initialState();
        long version = -1;
        for (StreamLoader.Decoded<E> e : loader.read(stream, 0, Long.MAX_VALUE)) {
            if (e.recordedAt().isAfter(instant)) break;
            state = decider.evolve(state, e.event());
            version = e.version();
        }
        return new Loaded<>(stream, state, version);
    }

    /** Loads the aggregate ignoring snapshots, for checks and tools. */
    public Loaded<S> loadWithoutSnapshots(String id) {
        return loadUpTo(streamOf(id), Long.MAX_VALUE, false);
    }

    private Loaded<S> loadUpTo(StreamId stream, long maxVersion, boolean useSnapshots) {
        S state = decider.initialState();
        long version = -1;
        if (useSnapshots && snapshots != null) {
            Optional<Snapshot> snap = snapshots.latest(stream, maxVersion);
            if (snap.isPresent()) {
                state = codec.decode(snap.get().state());
                version = snap.get().version();
            }
        }
        for (StreamLoader.Decoded<E> e : loader.read(stream, version + 1, maxVersion)) {
            state = decider.evolve(state, e.event());
            version = e.version();
        }
        return new Loaded<>(stream, state, version);
    }

    /** Handles a command on the aggregate, new or existing, retrying lost races. */
    public Handled<E, S> handle(String id, C command) {
        return handle(id, command, Metadata.empty(), Mode.ANY);
    }

    public Handled<E, S> handle(String id, C command, Metadata metadata) {
        return handle(id, command, metadata, Mode.ANY);
    }

    /** Handles a command that must start a new aggregate; fails if the stream already has events. */
    public Handled<E, S> create(String id, C command) {
        return handle(id, command, Metadata.empty(), Mode.CREATE);
    }

    /**
     * {@link #create(String, Object)} with the metadata the events carry. Reads nothing: the append
     * expects no stream, and a stream that exists makes it fail with {@link WrongExpectedVersionException}.
     */
    public Handled<E, S> create(String id, C command, Metadata metadata) {
        return handle(id, command, metadata, Mode.CREATE);
    }

    /** Handles a command on an existing aggregate; fails with {@link StreamNotFoundException} otherwise. */
    public Handled<E, S> update(String id, C command) {
        return handle(id, command, Metadata.empty(), Mode.UPDATE);
    }

    private enum Mode { ANY, CREATE, UPDATE }

    private Handled<E, S> handle(String id, C command, Metadata metadata, Mode mode) {
        StreamId stream = streamOf(id);
        boolean guesses = true;
        for (int attempt = 1; ; attempt++) {
            // a guess: the cached state, or for a new aggregate the initial one (its append expects no stream)
            Loaded<S> loaded = guesses ? cached(id) : null;
            if (loaded == null && guesses && mode == Mode.CREATE) loaded = new Loaded<>(stream, decider.initialState(), -1);
            boolean guess = loaded != null;
            if (loaded == null) loaded = loadUpTo(stream, Long.MAX_VALUE, true);
            if (mode == Mode.CREATE && !loaded.isNew()) {
                throw new WrongExpectedVersionException(stream, ExpectedVersion.noStream(), loaded.version());
            }
            if (mode == Mode.UPDATE && loaded.isNew()) {
                throw new StreamNotFoundException(stream);
            }
            List<E> events;
            try {
                events = decider.decide(command, loaded.state());
            } catch (RuntimeException refused) {
                if (!guess) throw refused;
                events = null;
            }
            if (events == null || events.isEmpty()) {
                if (guess) {
                    // only an append checks a guess: anything else is decided again on the stored state
                    guesses = false;
                    attempt--;
                    continue;
                }
                return new Handled<>(stream, List.of(), loaded.state(), loaded.version(), attempt);
            }
            try {
                AppendResult r = append(stream, loaded.version(), events, metadata);
                S state = loaded.state();
                for (E e : events) state = decider.evolve(state, e);
                remember(id, new Loaded<>(stream, state, r.nextExpectedVersion()));
                if (snapshots != null) {
                    S after = state;
                    snapshots.afterAppend(stream, loaded.version(), r.nextExpectedVersion(), () -> codec.encode(after));
                }
                return new Handled<>(stream, events, state, r.nextExpectedVersion(), attempt);
            } catch (WrongExpectedVersionException conflict) {
                evict(id);
                if (mode == Mode.CREATE) throw conflict;
                if (guess) {
                    // the cached state was old (another process wrote): decide again on the stored one, at once
                    guesses = false;
                    attempt--;
                    continue;
                }
                if (attempt >= retry.maxAttempts()) throw conflict;
                sleep(retry.delayAfter(attempt));
            }
        }
    }

    /**
     * Appends events decided elsewhere, expecting the aggregate at {@code expectedVersion} (-1: new).
     * With a cache, the aggregate's cached state is dropped: its next command reads the stream.
     */
    public AppendResult save(String id, long expectedVersion, List<E> events, Metadata metadata) {
        evict(id);
        return append(streamOf(id), expectedVersion, events, metadata);
    }

    /** Forgets the cached state of an aggregate (no-op without a cache): the next command reads its stream. */
    public void evict(String id) {
        if (cache == null) return;
        synchronized (cache) {
            cache.remove(id);
        }
    }

    private Loaded<S> cached(String id) {
        if (cache == null) return null;
        synchronized (cache) {
            return cache.get(id);
        }
    }

    private void remember(String id, Loaded<S> loaded) {
        if (cache == null) return;
        synchronized (cache) {
            Loaded<S> old = cache.get(id);
            // two threads handling one aggregate: keep the later version
            if (old != null && old.version() > loaded.version()) return;
            cache.put(id, loaded);
            if (cache.size() > cacheSize) {
                var it = cache.entrySet().iterator();
                it.next();
                it.remove();
            }
        }
    }

    private AppendResult append(StreamId stream, long expectedVersion, List<E> events, Metadata metadata) {
        List<EventData> data = new ArrayList<>(events.size());
        for (E e : events) data.add(loader.serializer().toEventData(e, metadata));
        ExpectedVersion expected = expectedVersion < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(expectedVersion);
        return store.append(stream, expected, data);
    }

    /** Takes a snapshot of the aggregate's current state now, whatever the policy. */
    public Optional<Snapshot> snapshot(String id) {
        if (snapshots == null) throw new IllegalStateException("this repository has no snapshot store");
        Loaded<S> loaded = load(id);
        if (loaded.isNew()) return Optional.empty();
        return Optional.of(snapshots.save(loaded.stream(), loaded.version(), codec.encode(loaded.state())));
    }

    static void sleep(java.time.Duration d) {
        if (d.isZero()) return;
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.facta.FactaException("interrupted while waiting to retry", e);
        }
    }
}
