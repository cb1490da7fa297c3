package dev.facta.store.memory;

import dev.facta.FactaException;
import dev.facta.internal.AppendPlanner;
import dev.facta.internal.AppendValidation;
import dev.facta.internal.PreparedAppend;
import dev.facta.internal.PreparedEvent;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StoreLimits;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The event store in this process's memory: for tests, prototypes and the live parts of an
 * application that need no durability. Writes take one lock, so each append is atomic and
 * positions are dense; reads share a read lock.
 */
public final class InMemoryEventStore implements EventStore, dev.facta.store.AppendNotifier {

    private static final class Stream {
        final List<RecordedEvent> events = new ArrayList<>();
        boolean deleted;
        StreamMetadata metadata = StreamMetadata.none();
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<RecordedEvent> log = new ArrayList<>();
    // Code point order, as the SQL stores sort names (UTF-8 bytes / C collation).
    private final TreeMap<StreamId, Stream> streams = new TreeMap<>(
            (a, b) -> java.util.Arrays.compare(a.value().codePoints().toArray(), b.value().codePoints().toArray()));
    private final Map<UUID, RecordedEvent> byId = new HashMap<>();
    private final StoreLimits limits;
    private final Clock clock;
    private volatile boolean closed;
    private final java.util.List<Runnable> appendListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public AutoCloseable onAppend(Runnable listener) {
        appendListeners.add(listener);
        return () -> appendListeners.remove(listener);
    }

    private void notifyAppended() {
        for (Runnable r : appendListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.getLogger(InMemoryEventStore.class.getName()).log(System.Logger.Level.WARNING, "append listener failed", e);
            }
        }
    }

    public InMemoryEventStore() {
        this(StoreLimits.DEFAULT, Clock.systemUTC());
    }

    public InMemoryEventStore(StoreLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        PreparedAppend prepared = AppendValidation.prepare(stream, expected, events, limits);
        AppendResult result;
        boolean wrote = false;
        lock.writeLock().lock();
        try {
            ensureOpen();
            AppendPlanner.Plan plan = AppendPlanner.plan(List.of(prepared), log.size(), lookup(), true);
            AppendPlanner.Outcome outcome = plan.outcomes().getFirst();
            result = switch (outcome) {
                case AppendPlanner.Failed f -> throw f.error();
                case AppendPlanner.Done d -> d.result();
                case AppendPlanner.Write w -> {
                    wrote = true;
                    yield write(w);
                }
            };
        } finally {
            lock.writeLock().unlock();
        }
        if (wrote) notifyAppended(); // after the lock: listeners may read at once
        return result;
    }

    private AppendResult write(AppendPlanner.Write w) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Stream s = streams.computeIfAbsent(w.append().stream(), k -> new Stream());
        long version = w.firstVersion();
        long position = w.firstPosition();
        for (PreparedEvent e : w.append().events()) {
            RecordedEvent r = new RecordedEvent(e.id(), w.append().stream(), version++, position++, e.type(),
                    e.data().getBytes(StandardCharsets.UTF_8), e.metadata(), now);
            s.events.add(r);
            log.add(r);
            byId.put(r.id(), r);
        }
        return w.result();
    }

    private AppendPlanner.Lookup lookup() {
        return new AppendPlanner.Lookup() {
            @Override
            public Map<StreamId, AppendPlanner.StreamState> states(Set<StreamId> ids) {
                Map<StreamId, AppendPlanner.StreamState> out = new HashMap<>();
                for (StreamId id : ids) {
                    Stream s = streams.get(id);
                    if (s != null) out.put(id, new AppendPlanner.StreamState(s.events.size() - 1, s.deleted));
                }
                return out;
            }

            @Override
            public Map<UUID, AppendPlanner.Existing> existing(Collection<UUID> ids) {
                Map<UUID, AppendPlanner.Existing> out = new HashMap<>();
                for (UUID id : ids) {
                    RecordedEvent r = byId.get(id);
                    if (r != null) out.put(id, new AppendPlanner.Existing(id, r.stream().value(), r.version(), r.position()));
                }
                return out;
            }
        };
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        AppendValidation.checkVersion(fromVersion);
        int limit = AppendValidation.checkCount(maxCount);
        lock.readLock().lock();
        try {
            ensureOpen();
            Stream s = streams.get(stream);
            if (s == null || s.events.isEmpty()) throw new StreamNotFoundException(stream);
            if (s.deleted) throw new StreamDeletedException(stream);
            long last = s.events.size() - 1;
            long firstVisible = s.metadata.firstVisibleVersion(last);
            Instant now = clock.instant();
            List<RecordedEvent> out = new ArrayList<>(Math.min(limit, s.events.size()));
            if (direction == ReadDirection.FORWARD) {
                for (long v = Math.max(fromVersion, firstVisible); v <= last && out.size() < limit; v++) {
                    RecordedEvent e = s.events.get((int) v);
                    if (s.metadata.visibleByAge(e.recordedAt(), now)) out.add(e);
                }
            } else {
                for (long v = Math.min(fromVersion, last); v >= firstVisible && out.size() < limit; v--) {
                    RecordedEvent e = s.events.get((int) v);
                    if (s.metadata.visibleByAge(e.recordedAt(), now)) out.add(e);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        AppendValidation.checkPosition(fromPosition);
        int limit = AppendValidation.checkCount(maxCount);
        EventFilter f = filter == null ? EventFilter.all() : filter;
        lock.readLock().lock();
        try {
            ensureOpen();
            List<RecordedEvent> out = new ArrayList<>();
            long head = log.size();
            long p = Math.max(1, fromPosition);
            while (p <= head && out.size() < limit) {
                RecordedEvent e = log.get((int) (p - 1));
                if (f.test(e)) out.add(e);
                p++;
            }
            return new AllSlice(out, p, p > head);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long headPosition() {
        lock.readLock().lock();
        try {
            ensureOpen();
            return log.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        lock.readLock().lock();
        try {
            ensureOpen();
            Stream s = streams.get(stream);
            return s == null ? Optional.empty() : Optional.of(info(stream, s));
        } finally {
            lock.readLock().unlock();
        }
    }

    private static StreamInfo info(StreamId id, Stream s) {
        return new StreamInfo(id, s.events.size() - 1, s.deleted, s.metadata);
    }

    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        int n = AppendValidation.checkCount(limit);
        lock.readLock().lock();
        try {
            ensureOpen();
            List<StreamInfo> out = new ArrayList<>();
            var view = afterStream == null ? streams : streams.tailMap(StreamId.of(afterStream), false);
            for (var e : view.entrySet()) {
                if (out.size() >= n) break;
                out.add(info(e.getKey(), e.getValue()));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        lock.writeLock().lock();
        try {
            ensureOpen();
            Stream s = streams.get(stream);
            if (s == null || s.events.isEmpty()) throw new StreamNotFoundException(stream);
            if (s.deleted) throw new StreamDeletedException(stream);
            if (!expected.matches(s.events.size() - 1)) {
                throw new WrongExpectedVersionException(stream, expected, s.events.size() - 1);
            }
            s.deleted = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        lock.writeLock().lock();
        try {
            ensureOpen();
            Stream s = streams.computeIfAbsent(stream, k -> new Stream());
            s.metadata = metadata == null ? StreamMetadata.none() : metadata;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String describe() {
        return "memory:";
    }

    private void ensureOpen() {
        if (closed) throw new FactaException("event store is closed");
    }

    @Override
    public void close() {
        closed = true;
    }
}
