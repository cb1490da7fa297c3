package dev.facta.crypto;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Enforces {@link RetentionPolicy retention policies} in the background: every {@code interval} it
 * walks the streams of each policy's category and removes what the policy no longer allows, the way
 * every event store supports it:
 * <ul>
 *   <li>events older than the age limit, or before the last {@code maxCount}, are cut off by raising
 *       the stream's {@code truncateBefore} ({@link EventStore#setStreamMetadata}): stream reads and
 *       stream subscriptions no longer return them;</li>
 *   <li>a stream whose every event is past the age limit is soft-deleted ({@link EventStore#deleteStream},
 *       at its current version, so an event appended meanwhile keeps it).</li>
 * </ul>
 * Each removal appends a {@value #RETENTION_APPLIED} event to the audit stream (default
 * {@code facta.retention}) saying which stream, what was done, up to which version and under which
 * limits. Stores keep truncated and deleted events in the global log; personal data in them is made
 * unreadable by {@link EncryptedEventStore#forget crypto-shredding}, not by retention.
 *
 * <p>Runs are idempotent: a second run, or a second instance, finds nothing more to remove (two
 * instances racing on the same stream may both record the same removal).
 */
public final class RetentionJob implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RetentionJob.class.getName());
    public static final String RETENTION_APPLIED = "RetentionApplied";
    private static final int PAGE = 500;

    /** One removal. */
    public record Action(StreamId stream, String action, long truncateBefore, long eventsRemoved, String limits) {
    }

    private final EventStore store;
    private final List<RetentionPolicy> policies;
    private final Duration interval;
    private final StreamId auditStream;
    private final Clock clock;
    private final Object runLock = new Object();
    private volatile Thread thread;
    private volatile boolean closed;

    private RetentionJob(Builder b) {
        this.store = b.store;
        this.policies = List.copyOf(b.policies.values());
        this.interval = b.interval;
        this.auditStream = b.auditStream;
        this.clock = b.clock;
    }

    public static Builder builder(EventStore store) {
        return new Builder(store);
    }

    /** Starts running every {@code interval} on a virtual thread, the first run at once. */
    public synchronized RetentionJob start() {
        if (thread != null) throw new IllegalStateException("the retention job is already started");
        if (closed) throw new IllegalStateException("the retention job is closed");
        thread = Thread.ofVirtual().name("facta-retention").start(() -> {
            while (!closed) {
                try {
                    runOnce();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "retention run failed; trying again in " + interval, e);
                }
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return this;
    }

    /** One pass over every policy; returns what it removed. */
    public List<Action> runOnce() {
        synchronized (runLock) {
            List<Action> done = new ArrayList<>();
            Instant now = clock.instant();
            for (RetentionPolicy p : policies) {
                String after = before(p.category());
                while (!closed) {
                    List<StreamInfo> page = store.listStreams(after, PAGE);
                    boolean past = false;
                    for (StreamInfo info : page) {
                        String name = info.stream().value();
                        if (name.compareTo(p.category()) < 0) continue;
                        if (!name.startsWith(p.category())) {
                            past = true;
                            break;
                        }
                        if (info.stream().category().equals(p.category()) && !info.stream().equals(auditStream)) {
                            Action a = apply(p, info, now);
                            if (a != null) done.add(a);
                        }
                    }
                    if (past || page.size() < PAGE) break;
                    after = page.getLast().stream().value();
                }
            }
            return done;
        }
    }

    /**
     * A name sorting just before every name that starts with {@code prefix}, so listing after it
     * starts at the category's streams instead of the first stream of the store.
     */
    private static String before(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        if (last == 0) return null;
        return prefix.substring(0, prefix.length() - 1) + (char) (last - 1) + "\uffff";
    }

    private Action apply(RetentionPolicy p, StreamInfo info, Instant now) {
        if (info.deleted() || !info.hasEvents()) return null;
        StreamId stream = info.stream();
        long last = info.lastVersion();
        StreamMetadata meta = info.metadata();
        long firstVisible = meta.truncateBefore() == null ? 0 : meta.truncateBefore();
        long cut = firstVisible;
        try {
            if (p.maxCount() != null) cut = Math.max(cut, last + 1 - p.maxCount());
            if (p.maxAge() != null) {
                Instant cutoff = now.minus(p.maxAge());
                List<RecordedEvent> newest = store.readStream(stream, Long.MAX_VALUE, 1, ReadDirection.BACKWARD);
                if (!newest.isEmpty() && newest.getFirst().recordedAt().isBefore(cutoff)) {
                    store.deleteStream(stream, ExpectedVersion.exactly(last));
                    return audit(new Action(stream, "deleted", last + 1, last + 1 - firstVisible, p.describeLimits()), p);
                }
                cut = Math.max(cut, firstYoungerThan(stream, cut, last, cutoff));
            }
        } catch (StreamDeletedException | StreamNotFoundException | WrongExpectedVersionException changed) {
            return null; // changed under us; the next run looks again
        }
        if (cut <= firstVisible) return null;
        store.setStreamMetadata(stream, new StreamMetadata(meta.maxCount(), meta.maxAge(), cut));
        return audit(new Action(stream, "truncated", cut, cut - firstVisible, p.describeLimits()), p);
    }

    /** The first version from {@code from} recorded at or after {@code cutoff}. */
    private long firstYoungerThan(StreamId stream, long from, long last, Instant cutoff) {
        long v = from;
        while (v <= last) {
            List<RecordedEvent> page = store.readStream(stream, v, PAGE, ReadDirection.FORWARD);
            if (page.isEmpty()) return v;
            for (RecordedEvent e : page) {
                if (!e.recordedAt().isBefore(cutoff)) return e.version();
            }
            v = page.getLast().version() + 1;
        }
        return v;
    }

    private Action audit(Action a, RetentionPolicy p) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("stream", a.stream().value());
        data.put("category", p.category());
        data.put("action", a.action());
        data.put("limits", a.limits());
        data.put("at", clock.instant().toString());
        data.put("truncateBefore", new JsonTree.Num(Long.toString(a.truncateBefore())));
        data.put("eventsRemoved", new JsonTree.Num(Long.toString(a.eventsRemoved())));
        String json = JsonTree.write(data);
        store.append(auditStream, ExpectedVersion.any(), EventData.of(RETENTION_APPLIED, json));
        LOG.log(System.Logger.Level.INFO, "retention {0} {1} before version {2} ({3})", a.action(), a.stream(),
                a.truncateBefore(), a.limits());
        return a;
    }

    /** Stops the background runs (waiting up to 5 seconds for one in progress). */
    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Settings of a {@link RetentionJob}. */
    public static final class Builder {
        private final EventStore store;
        private final Map<String, RetentionPolicy> policies = new LinkedHashMap<>();
        private Duration interval = Duration.ofHours(1);
        private StreamId auditStream = StreamId.of("facta.retention");
        private Clock clock = Clock.systemUTC();

        private Builder(EventStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Adds a category's policy (one per category). */
        public Builder policy(RetentionPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            if (policies.putIfAbsent(policy.category(), policy) != null) {
                throw new InvalidInputException("category", "category '" + policy.category() + "' has two retention policies");
            }
            return this;
        }

        /** How often the background job runs (default hourly). */
        public Builder interval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new InvalidInputException("interval", "the retention interval must be positive");
            }
            this.interval = interval;
            return this;
        }

        /** Where {@code RetentionApplied} audit events go (default {@code facta.retention}). */
        public Builder auditStream(StreamId stream) {
            this.auditStream = Objects.requireNonNull(stream, "stream");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public RetentionJob build() {
            if (policies.isEmpty()) throw new InvalidInputException("policies", "a retention job needs at least one policy");
            return new RetentionJob(this);
        }
    }
}
