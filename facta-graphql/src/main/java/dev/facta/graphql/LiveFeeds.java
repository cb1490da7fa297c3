package dev.facta.graphql;

import dev.facta.projection.ProjectionRecord;
import dev.facta.projection.ProjectionStore;
import dev.facta.store.EventStore;
import graphql.execution.DataFetcherResult;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How live subscriptions notice changes. Read models change in the transaction that moves their
 * projection's checkpoint, possibly in another process, so each store with live subscriptions (one per
 * tenant) has a watcher on a virtual thread that reads, every poll interval, the head of the
 * tenant's log and its projections' checkpoints; when they moved (or the resync interval passed, for
 * read models written outside projections) it re-reads what every subscription watches and emits
 * what differs from what it emitted last. A slow client gets the newest state, not every state in
 * between. The watcher ends when its last subscription does.
 */
final class LiveFeeds implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LiveFeeds.class.getName());

    /** The connection a subscription belongs to: asked, before every read, whether it may go on. */
    interface Owner {
        /** False when the caller's rights are gone or the server is closing; the owner then ends itself. */
        boolean mayContinue();
    }

    private final GraphQlLimits limits;
    private final BooleanSupplier serverClosing;
    private final Map<ProjectionStore, Watcher> watchers = new IdentityHashMap<>();
    private volatile boolean closed;

    LiveFeeds(GraphQlLimits limits, BooleanSupplier serverClosing) {
        this.limits = limits;
        this.serverClosing = serverClosing;
    }

    /** A source of the reader's values for one subscription; it starts watching when subscribed to. */
    Source source(ProjectionStore projections, EventStore events, Owner owner, Supplier<?> reader, Function<Object, Object> parse) {
        return new Source(projections, events, owner, reader, parse);
    }

    private void add(Source s) {
        synchronized (watchers) {
            if (closed) throw new IllegalStateException("the GraphQL endpoint is closed");
            Watcher w = watchers.get(s.projections);
            if (w == null) {
                w = new Watcher(s.projections, s.events);
                watchers.put(s.projections, w);
                w.sources.add(s);
                Thread.ofVirtual().name("facta-graphql-live").start(w);
            } else {
                w.sources.add(s);
            }
        }
    }

    private void remove(Source s) {
        synchronized (watchers) {
            Watcher w = watchers.get(s.projections);
            if (w != null) w.sources.remove(s);
        }
    }

    /** How many stores are watched now (for tests). */
    int watchers() {
        synchronized (watchers) {
            return watchers.size();
        }
    }

    @Override
    public void close() {
        List<Watcher> all;
        synchronized (watchers) {
            closed = true;
            all = new ArrayList<>(watchers.values());
            watchers.clear();
        }
        for (Watcher w : all) w.stop();
    }

    /** Watches one store for the subscriptions on it. */
    private final class Watcher implements Runnable {
        final ProjectionStore projections;
        final EventStore events;
        final Set<Source> sources = ConcurrentHashMap.newKeySet();
        private volatile Thread thread;
        private volatile boolean stopped;

        Watcher(ProjectionStore projections, EventStore events) {
            this.projections = projections;
            this.events = events;
        }

        void stop() {
            stopped = true;
            Thread t = thread;
            if (t != null) t.interrupt();
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            Object last = null;
            long lastFull = System.nanoTime();
            while (!stopped) {
                try {
                    Thread.sleep(limits.pollInterval());
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (watchers) {
                    if (sources.isEmpty()) {
                        watchers.remove(projections, this);
                        return;
                    }
                }
                if (serverClosing.getAsBoolean()) {
                    for (Source s : sources) s.owner.mayContinue();
                    continue;
                }
                Object signature;
                try {
                    signature = signature();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "live GraphQL subscriptions could not read projection progress; retrying", e);
                    continue;
                }
                long now = System.nanoTime();
                boolean full = now - lastFull >= limits.resyncInterval().toNanos();
                boolean moved = !signature.equals(last);
                for (Source s : sources) {
                    if (moved || full || s.fresh) s.refresh();
                }
                last = signature;
                if (full) lastFull = now;
            }
        }

        /** What moves when a read model may have changed: the head of the log and every projection's checkpoints and state. */
        private Object signature() {
            List<Object> sig = new ArrayList<>();
            sig.add(events.headPosition());
            for (ProjectionRecord r : projections.list()) {
                sig.add(List.of(r.key().toString(), r.state(), r.checkpoints(), r.rebuildRequested()));
            }
            return sig;
        }
    }

    /**
     * One subscription's stream: the reader's value when subscribed, then each different one. Values
     * are handed on as {@link DataFetcherResult}s, so a missing document can be emitted as null.
     */
    final class Source implements Flow.Publisher<Object>, Flow.Subscription {
        private final ProjectionStore projections;
        private final EventStore events;
        private final Owner owner;
        private final Supplier<?> reader;
        private final Function<Object, Object> parse;
        private Flow.Subscriber<? super Object> subscriber;
        private long demand;
        private Object pending;
        private boolean hasPending;
        private boolean read;
        private Object last;
        private boolean done;
        /** Registered but not read by the watcher yet: read on its next round whatever moved. */
        volatile boolean fresh = true;

        private Source(ProjectionStore projections, EventStore events, Owner owner, Supplier<?> reader, Function<Object, Object> parse) {
            this.projections = projections;
            this.events = events;
            this.owner = owner;
            this.reader = reader;
            this.parse = parse;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super Object> s) {
            Objects.requireNonNull(s, "subscriber");
            synchronized (this) {
                if (subscriber != null) {
                    s.onSubscribe(this);
                    s.onError(new IllegalStateException("a live read-model stream has one subscriber"));
                    return;
                }
                subscriber = s;
            }
            s.onSubscribe(this);
            try {
                add(this);
            } catch (IllegalStateException e) {
                fail(e);
                return;
            }
            refresh();
        }

        @Override
        public synchronized void request(long n) {
            if (n <= 0) {
                failLater(new IllegalArgumentException("demand must be positive, got " + n));
                return;
            }
            demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
            if (hasPending && !done) {
                Object v = pending;
                hasPending = false;
                pending = null;
                emit(v);
            }
        }

        @Override
        public void cancel() {
            synchronized (this) {
                done = true;
            }
            remove(this);
        }

        /** Reads the watched state and emits it when it differs from the last one. */
        synchronized void refresh() {
            fresh = false;
            if (done || !owner.mayContinue()) return;
            Object value;
            Object parsed;
            try {
                value = reader.get();
                if (read && Objects.equals(value, last)) return;
                parsed = parse.apply(value);
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            read = true;
            last = value;
            Object event = DataFetcherResult.newResult().data(parsed).build();
            if (demand > 0) {
                emit(event);
            } else {
                pending = event;
                hasPending = true;
            }
        }

        private void emit(Object event) {
            if (demand != Long.MAX_VALUE) demand--;
            subscriber.onNext(event);
        }

        /** Ends the stream with an error (a read failed, the endpoint closed). */
        void fail(Throwable error) {
            Flow.Subscriber<? super Object> s;
            synchronized (this) {
                if (done) return;
                done = true;
                s = subscriber;
            }
            remove(this);
            if (s != null) s.onError(error);
        }

        private void failLater(Throwable error) {
            Thread.ofVirtual().start(() -> fail(error));
        }
    }
}
