package dev.facta.query;

import dev.facta.FactaException;
import dev.facta.command.NoHandlerException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Routes queries to handlers by query type. {@link #query} asks the one handler of a type;
 * {@link #scatterGather} asks every handler registered for it in parallel and gathers the
 * answers that arrive in time. {@link #subscribe} gives an initial result and then every update
 * that read models {@link #emit} for matching queries, until the subscription is closed.
 */
public final class QueryBus implements AutoCloseable {

    private final Map<Class<?>, List<QueryHandler<?, ?>>> handlers;
    private final List<QueryInterceptor> interceptors;
    private final Map<Class<?>, List<Live<?, ?>>> live = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

    private QueryBus(Builder b) {
        Map<Class<?>, List<QueryHandler<?, ?>>> copy = new LinkedHashMap<>();
        b.handlers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.handlers = Map.copyOf(copy);
        this.interceptors = List.copyOf(b.interceptors);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<Class<?>, List<QueryHandler<?, ?>>> handlers = new LinkedHashMap<>();
        private final List<QueryInterceptor> interceptors = new ArrayList<>();

        /** Wraps every handler call (metrics, tracing, logging); the first added is the outermost. */
        public Builder intercept(QueryInterceptor... steps) {
            java.util.Collections.addAll(interceptors, steps);
            return this;
        }

        /** Adds a handler for a query type; several handlers of one type answer {@link #scatterGather}. */
        public <Q, R> Builder register(Class<Q> type, QueryHandler<Q, R> handler) {
            handlers.computeIfAbsent(type, k -> new ArrayList<>()).add(Objects.requireNonNull(handler));
            return this;
        }

        public QueryBus build() {
            return new QueryBus(this);
        }
    }

    public Set<Class<?>> handledTypes() {
        return handlers.keySet();
    }

    /** Asks the one handler of the query's type; more than one registered is an error here. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <R> R query(Object query) {
        List<QueryHandler<?, ?>> hs = handlersFor(query);
        if (hs.size() > 1) {
            throw new FactaException(hs.size() + " handlers answer " + query.getClass().getSimpleName() + "; use scatterGather");
        }
        try {
            return (R) call(hs.getFirst(), query);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new FactaException("query " + query.getClass().getSimpleName() + " failed: " + e.getMessage(), e);
        }
    }

    /** Asks every handler of the query's type at once; answers later than {@code timeout} or failing are left out. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <R> List<R> scatterGather(Object query, Duration timeout) {
        List<CompletableFuture<Object>> asks = new ArrayList<>();
        for (QueryHandler h : handlersFor(query)) {
            asks.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return call(h, query);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, pool));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<R> out = new ArrayList<>();
        for (CompletableFuture<Object> f : asks) {
            try {
                out.add((R) f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception late) {
                f.cancel(true);
            }
        }
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object call(QueryHandler handler, Object query) throws Exception {
        return invoke(0, handler, query);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object invoke(int step, QueryHandler handler, Object query) throws Exception {
        if (step < interceptors.size()) {
            return interceptors.get(step).intercept(query, q -> invoke(step + 1, handler, q));
        }
        return handler.handle(query);
    }

    private List<QueryHandler<?, ?>> handlersFor(Object query) {
        List<QueryHandler<?, ?>> hs = handlers.get(query.getClass());
        if (hs == null) {
            throw new NoHandlerException(query.getClass(), handlers.keySet().stream().map(Class::getSimpleName).sorted().toList().toString());
        }
        return hs;
    }

    /** A live query: its initial result, then updates until closed. */
    public interface Subscription<R> extends AutoCloseable {
        R initial();

        @Override
        void close();
    }

    private record Live<Q, U>(Q query, Consumer<? super U> onUpdate, Runnable remove) {
    }

    /**
     * Answers the query now and delivers, to {@code onUpdate}, every update emitted afterwards for
     * a matching query of the same type. Updates are delivered on the emitter's thread, in order.
     */
    @SuppressWarnings("unchecked")
    public <Q, R, U> Subscription<R> subscribe(Q query, Consumer<? super U> onUpdate) {
        List<Live<?, ?>> subscribers = live.computeIfAbsent(query.getClass(), k -> new CopyOnWriteArrayList<>());
        Live<Q, U>[] self = new Live[1];
        self[0] = new Live<>(query, onUpdate, () -> subscribers.remove(self[0]));
        subscribers.add(self[0]); // first subscribe, then answer: no update between the two is lost
        R initial;
        try {
            initial = query(query);
        } catch (RuntimeException e) {
            subscribers.remove(self[0]);
            throw e;
        }
        return new Subscription<>() {
            public R initial() {
                return initial;
            }

            public void close() {
                self[0].remove().run();
            }
        };
    }

    /** Sends an update to the subscribers of {@code queryType} whose query matches; returns how many got it. */
    @SuppressWarnings("unchecked")
    public <Q, U> int emit(Class<Q> queryType, Predicate<? super Q> matches, U update) {
        int n = 0;
        for (Live<?, ?> l : live.getOrDefault(queryType, List.of())) {
            Live<Q, U> s = (Live<Q, U>) l;
            if (matches.test(s.query())) {
                s.onUpdate().accept(update);
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        pool.close();
    }
}
