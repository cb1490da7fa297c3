package dev.facta.projection;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.InMemoryReadModelStore;
import dev.facta.readmodel.ReadModelStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link ProjectionStore} in this process's memory, over an {@link InMemoryReadModelStore}: for
 * tests, demos and single-process applications. A transaction is a read-model transaction (which
 * serializes writers store-wide) plus this store's own staged checkpoint, dead-letter and flag
 * changes; at commit the fences are checked again and everything becomes visible together. Leases and
 * memberships expire by the given {@link Clock}. {@link ProjectionTransaction#unwrap} has nothing to
 * offer and throws {@link UnsupportedOperationException}.
 */
public final class InMemoryProjectionStore implements ProjectionStore {

    private static final Comparator<ProjectionKey> KEY_ORDER =
            Comparator.comparing(ProjectionKey::name).thenComparingInt(ProjectionKey::version);

    private record SegmentKey(ProjectionKey key, int segment) {
    }

    /** A version's committed state; changed only under {@link #lock}. */
    private static final class State {
        final int segments;
        ProjectionState state;
        boolean paused;
        boolean stopped;
        boolean rebuildRequested;
        long[] checkpoints;
        String lastError;
        Instant lastErrorAt;
        Instant updatedAt;

        State(int segments, ProjectionState state, Instant now) {
            this.segments = segments;
            this.state = state;
            this.checkpoints = new long[segments];
            this.updatedAt = now;
        }

        State copy() {
            State s = new State(segments, state, updatedAt);
            s.paused = paused;
            s.stopped = stopped;
            s.rebuildRequested = rebuildRequested;
            s.checkpoints = checkpoints.clone();
            s.lastError = lastError;
            s.lastErrorAt = lastErrorAt;
            return s;
        }
    }

    private final InMemoryReadModelStore readModels;
    private final Clock clock;
    private final Object lock = new Object();
    private final TreeMap<ProjectionKey, State> projections = new TreeMap<>(KEY_ORDER);
    private final Map<SegmentKey, Lease> leases = new HashMap<>();
    private final Map<SegmentKey, Long> tokens = new HashMap<>();
    private final Map<String, Map<String, Instant>> groups = new HashMap<>();
    private final TreeMap<Long, DeadLetter> deadLetters = new TreeMap<>();
    private long lastLetterId;

    /** A store with its own read models and the system clock. */
    public InMemoryProjectionStore() {
        this(new InMemoryReadModelStore(), Clock.systemUTC());
    }

    /** A store with its own read models, timing leases by {@code clock}. */
    public InMemoryProjectionStore(Clock clock) {
        this(new InMemoryReadModelStore(), clock);
    }

    /** A store over existing read models, timing leases by {@code clock}. */
    public InMemoryProjectionStore(InMemoryReadModelStore readModels, Clock clock) {
        this.readModels = Objects.requireNonNull(readModels, "readModels");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public ReadModelStore readModels() {
        return readModels;
    }

    // ------------------------------------------------------------------ transactions

    @Override
    public <T> T inTransaction(Work<T> work) {
        Objects.requireNonNull(work, "work");
        InMemoryReadModelStore.Tx documents = readModels.begin();
        Tx tx = new Tx(documents);
        try {
            T result = work.run(tx);
            tx.commit();
            return result;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new FactaException("projection transaction failed: " + e, e);
        } finally {
            tx.end();
        }
    }

    private final class Tx implements ProjectionTransaction {
        private final InMemoryReadModelStore.Tx documents;
        private final List<Lease> fences = new ArrayList<>();
        private final Map<SegmentKey, Long> checkpoints = new HashMap<>();
        private final Set<ProjectionKey> resets = new HashSet<>();
        private final Map<Long, DeadLetter> parked = new LinkedHashMap<>();
        private final Set<Long> deleted = new HashSet<>();
        private final Map<ProjectionKey, Optional<String>> errors = new LinkedHashMap<>();
        private final Map<ProjectionKey, Boolean> stopped = new LinkedHashMap<>();
        private boolean ended;

        Tx(InMemoryReadModelStore.Tx documents) {
            this.documents = documents;
        }

        private void usable() {
            if (ended) throw new IllegalStateException("the projection transaction has ended");
        }

        @Override
        public void fence(Lease lease) {
            usable();
            synchronized (lock) {
                checkFence(lease);
            }
            fences.add(lease);
        }

        @Override
        public long checkpoint(ProjectionKey key, int segment) {
            usable();
            SegmentKey sk = new SegmentKey(key, segment);
            Long staged = checkpoints.get(sk);
            if (staged != null) return staged;
            synchronized (lock) {
                State s = state(key);
                checkSegment(key, s, segment);
                return resets.contains(key) ? 0 : s.checkpoints[segment];
            }
        }

        @Override
        public void saveCheckpoint(ProjectionKey key, int segment, long position) {
            usable();
            if (position < 0) throw new InvalidInputException("position", "a checkpoint is a position >= 0: " + position);
            synchronized (lock) {
                checkSegment(key, state(key), segment);
            }
            checkpoints.put(new SegmentKey(key, segment), position);
        }

        @Override
        public long park(DeadLetter letter) {
            usable();
            Objects.requireNonNull(letter, "letter");
            long id;
            synchronized (lock) {
                checkSegment(letter.key(), state(letter.key()), letter.segment());
                id = ++lastLetterId;
            }
            parked.put(id, new DeadLetter(id, letter.key(), letter.segment(), letter.position(), letter.eventId(),
                    letter.stream(), letter.eventType(), letter.attempts(), letter.error(),
                    letter.parkedAt() == null ? clock.instant() : letter.parkedAt()));
            return id;
        }

        @Override
        public boolean deleteDeadLetter(long id) {
            usable();
            if (parked.remove(id) != null) return true;
            if (deleted.contains(id)) return false;
            synchronized (lock) {
                if (!deadLetters.containsKey(id)) return false;
            }
            deleted.add(id);
            return true;
        }

        @Override
        public void recordError(ProjectionKey key, String error) {
            usable();
            synchronized (lock) {
                state(key);
            }
            errors.put(key, Optional.ofNullable(error));
        }

        @Override
        public void setStopped(ProjectionKey key, boolean value) {
            usable();
            synchronized (lock) {
                state(key);
            }
            stopped.put(key, value);
        }

        @Override
        public void resetCheckpoints(ProjectionKey key) {
            usable();
            synchronized (lock) {
                state(key);
            }
            checkpoints.keySet().removeIf(k -> k.key().equals(key));
            resets.add(key);
        }

        @Override
        public <T> DocumentCollection<T> collection(String storedName, DocumentCodec<T> codec) {
            usable();
            return documents.collection(storedName, codec);
        }

        @Override
        public <R> R unwrap(Class<R> type) {
            throw new UnsupportedOperationException("the in-memory projection store has no underlying resource");
        }

        /** Checks the fences again, then makes the staged changes and the documents visible together. */
        void commit() {
            synchronized (lock) {
                for (Lease l : fences) checkFence(l);
                Instant now = clock.instant();
                Map<ProjectionKey, State> before = new HashMap<>();
                for (ProjectionKey k : touched()) before.put(k, state(k).copy());
                for (ProjectionKey k : resets) {
                    State s = state(k);
                    Arrays.fill(s.checkpoints, 0);
                    s.rebuildRequested = false;
                    s.updatedAt = now;
                }
                for (var e : checkpoints.entrySet()) {
                    State s = state(e.getKey().key());
                    s.checkpoints[e.getKey().segment()] = e.getValue();
                    s.updatedAt = now;
                }
                for (var e : errors.entrySet()) {
                    State s = state(e.getKey());
                    s.lastError = e.getValue().orElse(null);
                    s.lastErrorAt = e.getValue().isPresent() ? now : null;
                    s.updatedAt = now;
                }
                for (var e : stopped.entrySet()) {
                    State s = state(e.getKey());
                    s.stopped = e.getValue();
                    s.updatedAt = now;
                }
                Map<Long, DeadLetter> removed = new HashMap<>();
                for (long id : deleted) {
                    DeadLetter d = deadLetters.remove(id);
                    if (d != null) removed.put(id, d);
                }
                deadLetters.putAll(parked);
                try {
                    documents.commit();
                } catch (RuntimeException | Error e) {
                    projections.putAll(before);
                    parked.keySet().forEach(deadLetters::remove);
                    deadLetters.putAll(removed);
                    throw e;
                }
            }
        }

        private Set<ProjectionKey> touched() {
            Set<ProjectionKey> keys = new HashSet<>(resets);
            for (SegmentKey k : checkpoints.keySet()) keys.add(k.key());
            keys.addAll(errors.keySet());
            keys.addAll(stopped.keySet());
            return keys;
        }

        /** Ends the transaction: rolls the documents back unless committed. */
        void end() {
            if (ended) return;
            ended = true;
            documents.close();
        }
    }

    /** Caller holds {@link #lock}. */
    private void checkFence(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        Lease current = leases.get(new SegmentKey(lease.key(), lease.segment()));
        if (current == null || current.token() != lease.token() || !current.owner().equals(lease.owner())) {
            throw new FencedOutException(lease);
        }
    }

    /** Caller holds {@link #lock}. */
    private State state(ProjectionKey key) {
        Objects.requireNonNull(key, "key");
        State s = projections.get(key);
        if (s == null) throw new InvalidInputException("projection", "unknown projection version: " + key);
        return s;
    }

    private static void checkSegment(ProjectionKey key, State s, int segment) {
        if (segment < 0 || segment >= s.segments) {
            throw new InvalidInputException("segment", key + " has segments 0 to " + (s.segments - 1) + ": " + segment);
        }
    }

    // ------------------------------------------------------------------ registry and flags

    @Override
    public ProjectionRecord register(ProjectionKey key, int segments) {
        Objects.requireNonNull(key, "key");
        if (segments < 1) throw new InvalidInputException("segments", "a projection has at least 1 segment: " + segments);
        synchronized (lock) {
            State s = projections.get(key);
            if (s != null) {
                if (s.segments != segments) {
                    throw new InvalidInputException("segments", key + " is registered with " + s.segments
                            + " segments, not " + segments);
                }
                return record(key, s);
            }
            boolean first = projections.keySet().stream().noneMatch(k -> k.name().equals(key.name()));
            s = new State(segments, first ? ProjectionState.ACTIVE : ProjectionState.BUILDING, clock.instant());
            projections.put(key, s);
            return record(key, s);
        }
    }

    @Override
    public Optional<ProjectionRecord> find(ProjectionKey key) {
        synchronized (lock) {
            State s = projections.get(key);
            return s == null ? Optional.empty() : Optional.of(record(key, s));
        }
    }

    @Override
    public List<ProjectionRecord> list() {
        synchronized (lock) {
            List<ProjectionRecord> out = new ArrayList<>();
            for (var e : projections.entrySet()) out.add(record(e.getKey(), e.getValue()));
            return out;
        }
    }

    @Override
    public boolean setPaused(String name, boolean paused) {
        synchronized (lock) {
            boolean found = false;
            for (var e : projections.entrySet()) {
                if (!e.getKey().name().equals(name)) continue;
                found = true;
                e.getValue().paused = paused;
                e.getValue().updatedAt = clock.instant();
            }
            return found;
        }
    }

    @Override
    public boolean requestRebuild(String name) {
        synchronized (lock) {
            for (var e : projections.entrySet()) {
                if (e.getKey().name().equals(name) && e.getValue().state == ProjectionState.ACTIVE) {
                    e.getValue().rebuildRequested = true;
                    e.getValue().updatedAt = clock.instant();
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public void activate(ProjectionKey key) {
        synchronized (lock) {
            State target = state(key);
            Instant now = clock.instant();
            for (var e : projections.entrySet()) {
                if (e.getKey().name().equals(key.name()) && e.getValue().state == ProjectionState.ACTIVE
                        && !e.getKey().equals(key)) {
                    e.getValue().state = ProjectionState.RETIRED;
                    e.getValue().updatedAt = now;
                }
            }
            target.state = ProjectionState.ACTIVE;
            target.updatedAt = now;
        }
    }

    /** Caller holds {@link #lock}. */
    private ProjectionRecord record(ProjectionKey key, State s) {
        long parked = 0;
        for (DeadLetter d : deadLetters.values()) if (d.key().equals(key)) parked++;
        List<Long> checkpoints = new ArrayList<>(s.segments);
        for (long c : s.checkpoints) checkpoints.add(c);
        return new ProjectionRecord(key, s.segments, s.state, s.paused, s.stopped, s.rebuildRequested, checkpoints,
                s.lastError, s.lastErrorAt, parked, s.updatedAt);
    }

    // ------------------------------------------------------------------ leases

    private static void checkTtl(Duration ttl) {
        if (ttl == null || ttl.isNegative() || ttl.isZero()) throw new InvalidInputException("ttl", "a lease lifetime must be positive");
    }

    @Override
    public Optional<Lease> acquire(ProjectionKey key, int segment, String owner, Duration ttl) {
        checkOwner(owner);
        checkTtl(ttl);
        synchronized (lock) {
            checkSegment(key, state(key), segment);
            SegmentKey sk = new SegmentKey(key, segment);
            Instant now = clock.instant();
            Lease current = leases.get(sk);
            if (current != null && !current.owner().equals(owner) && current.expiresAt().isAfter(now)) return Optional.empty();
            long token = tokens.merge(sk, 1L, Long::sum);
            Lease lease = new Lease(key, segment, owner, token, now.plus(ttl));
            leases.put(sk, lease);
            return Optional.of(lease);
        }
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
        Objects.requireNonNull(lease, "lease");
        checkTtl(ttl);
        synchronized (lock) {
            SegmentKey sk = new SegmentKey(lease.key(), lease.segment());
            Lease current = leases.get(sk);
            if (current == null || current.token() != lease.token() || !current.owner().equals(lease.owner())) {
                return Optional.empty();
            }
            Lease renewed = new Lease(lease.key(), lease.segment(), lease.owner(), lease.token(), clock.instant().plus(ttl));
            leases.put(sk, renewed);
            return Optional.of(renewed);
        }
    }

    @Override
    public void release(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        synchronized (lock) {
            SegmentKey sk = new SegmentKey(lease.key(), lease.segment());
            Lease current = leases.get(sk);
            if (current != null && current.token() == lease.token() && current.owner().equals(lease.owner())) {
                leases.remove(sk);
            }
        }
    }

    @Override
    public List<Lease> leases(ProjectionKey key) {
        synchronized (lock) {
            Instant now = clock.instant();
            List<Lease> out = new ArrayList<>();
            for (Lease l : leases.values()) {
                if (l.key().equals(key) && l.expiresAt().isAfter(now)) out.add(l);
            }
            out.sort(Comparator.comparingInt(Lease::segment));
            return out;
        }
    }

    @Override
    public List<String> heartbeat(String group, String owner, Duration ttl) {
        checkGroup(group);
        checkOwner(owner);
        checkTtl(ttl);
        synchronized (lock) {
            Instant now = clock.instant();
            Map<String, Instant> members = groups.computeIfAbsent(group, g -> new HashMap<>());
            members.values().removeIf(expiry -> !expiry.isAfter(now));
            members.put(owner, now.plus(ttl));
            return members.keySet().stream().sorted().toList();
        }
    }

    @Override
    public void leave(String group, String owner) {
        synchronized (lock) {
            Map<String, Instant> members = groups.get(group);
            if (members != null) {
                members.remove(owner);
                if (members.isEmpty()) groups.remove(group);
            }
        }
    }

    private static void checkOwner(String owner) {
        if (owner == null || owner.isEmpty()) throw new InvalidInputException("owner", "a lease owner must not be empty");
    }

    private static void checkGroup(String group) {
        if (group == null || group.isEmpty()) throw new InvalidInputException("group", "a group must not be empty");
    }

    // ------------------------------------------------------------------ dead letters

    @Override
    public List<DeadLetter> deadLetters(ProjectionKey key, long afterId, int limit) {
        if (limit < 1) throw new InvalidInputException("limit", "limit must be at least 1: " + limit);
        synchronized (lock) {
            List<DeadLetter> out = new ArrayList<>();
            for (DeadLetter d : deadLetters.tailMap(afterId, false).values()) {
                if (out.size() >= limit) break;
                if (d.key().equals(key)) out.add(d);
            }
            return out;
        }
    }

    @Override
    public Optional<DeadLetter> deadLetter(long id) {
        synchronized (lock) {
            return Optional.ofNullable(deadLetters.get(id));
        }
    }
}
