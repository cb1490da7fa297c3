package dev.facta.saga;

import dev.facta.projection.DeadLetter;
import dev.facta.projection.Lease;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionRecord;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.ReadModelStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The projection store as the runtime's projection engine sees it: the same store, but a
 * transaction can leave work to run once it has committed. A process manager's batch uses it to
 * dispatch the commands it claimed right after its commit; a transaction that rolls back (or whose
 * attempt the store retries) drops what its attempt left.
 */
final class CommitHooks implements ProjectionStore {
    private static final System.Logger LOG = System.getLogger(SagaRuntime.class.getName());

    private final ProjectionStore store;
    private final ThreadLocal<List<Runnable>> hooks;

    CommitHooks(ProjectionStore store, ThreadLocal<List<Runnable>> hooks) {
        this.store = store;
        this.hooks = hooks;
    }

    @Override
    public <T> T inTransaction(Work<T> work) {
        List<Runnable> outer = hooks.get();
        List<Runnable> mine = new ArrayList<>();
        hooks.set(mine);
        T result;
        try {
            result = store.inTransaction(tx -> {
                mine.clear(); // a retried attempt starts afresh
                return work.run(tx);
            });
        } finally {
            if (outer == null) hooks.remove();
            else hooks.set(outer);
        }
        for (Runnable r : mine) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "work after a committed saga transaction failed: " + e, e);
            }
        }
        return result;
    }

    @Override
    public ReadModelStore readModels() {
        return store.readModels();
    }

    @Override
    public ProjectionRecord register(ProjectionKey key, int segments) {
        return store.register(key, segments);
    }

    @Override
    public Optional<ProjectionRecord> find(ProjectionKey key) {
        return store.find(key);
    }

    @Override
    public List<ProjectionRecord> list() {
        return store.list();
    }

    @Override
    public Optional<ProjectionRecord> active(String name) {
        return store.active(name);
    }

    @Override
    public boolean setPaused(String name, boolean paused) {
        return store.setPaused(name, paused);
    }

    @Override
    public boolean resume(String name) {
        return store.resume(name);
    }

    @Override
    public boolean requestRebuild(String name) {
        return store.requestRebuild(name);
    }

    @Override
    public void activate(ProjectionKey key) {
        store.activate(key);
    }

    @Override
    public Optional<Lease> acquire(ProjectionKey key, int segment, String owner, Duration ttl) {
        return store.acquire(key, segment, owner, ttl);
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
        return store.renew(lease, ttl);
    }

    @Override
    public void release(Lease lease) {
        store.release(lease);
    }

    @Override
    public List<Lease> leases(ProjectionKey key) {
        return store.leases(key);
    }

    @Override
    public List<String> heartbeat(String group, String owner, Duration ttl) {
        return store.heartbeat(group, owner, ttl);
    }

    @Override
    public void leave(String group, String owner) {
        store.leave(group, owner);
    }

    @Override
    public List<DeadLetter> deadLetters(ProjectionKey key, long afterId, int limit) {
        return store.deadLetters(key, afterId, limit);
    }

    @Override
    public Optional<DeadLetter> deadLetter(long id) {
        return store.deadLetter(id);
    }
}
