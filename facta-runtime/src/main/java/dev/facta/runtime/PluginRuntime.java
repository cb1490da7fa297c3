package dev.facta.runtime;

import dev.facta.InvalidInputException;
import dev.facta.eventbus.EventBus;
import dev.facta.runtime.internal.JsonCodec;
import dev.facta.runtime.internal.PluginClassLoader;
import dev.facta.runtime.state.StateEngine;
import dev.facta.runtime.storage.KeyValueStore;
import dev.facta.runtime.storage.SqliteKeyValueStore;
import dev.facta.runtime.storage.Storage;
import dev.facta.store.AllSlice;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.io.IOException;
import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Hosts plugins: finds them, starts them after their dependencies, gives each a
 * {@link PluginContext}, and keeps them apart.
 *
 * <p><b>Isolation.</b> A plugin whose start throws, whose health is down, which calls
 * {@link PluginContext#fail}, or whose services or event handlers fail {@code restartAfterFailures}
 * times in a row is stopped (its services and subscriptions removed) and started again after a
 * backoff delay that doubles at each attempt up to a maximum, and falls back to the first delay once
 * the plugin serves a call or handles an event again. Other plugins keep running meanwhile; their
 * calls to the missing services fail with {@link ServiceException.Reason#NOT_FOUND}.
 *
 * <p><b>Lifecycle.</b> Loading, unloading, restarting and failure handling take one lock, so they
 * happen one at a time; calls and events never take it. Everything a plugin registered through
 * its context is released when it stops; unloading a jar's plugins closes the jar's class loader
 * and keeps no reference to it.
 */
public final class PluginRuntime implements AutoCloseable {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final System.Logger LOG = System.getLogger(PluginRuntime.class.getName());
    /** The owner and source name of calls and events made by the application hosting the runtime. */
    public static final String HOST = "host";
    private static final int BACKOFFS_KEPT = 20;

    /** Told when plugins come and go (metrics bind through it). */
    public interface Listener {
        default void loaded(String pluginId) {
        }

        default void unloaded(String pluginId) {
        }
    }

    private final ServiceRegistry registry = new ServiceRegistry();
    private final EventBus bus;
    private final boolean ownBus;
    private final KeyValueStore store;
    private final boolean ownStore;
    private final EventStore eventStore;
    private final Path pluginsDirectory;
    private final boolean classpath;
    private final ClassLoader parentLoader;
    private final List<Plugin> embedded;
    private volatile Duration backoffInitial;
    private volatile Duration backoffMax;
    private volatile int restartAfterFailures;
    private final Duration startTimeout;
    private volatile Map<String, PluginConfig> pluginConfigs;

    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Map<Path, PluginClassLoader> jarLoaders = new HashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledThreadPoolExecutor supervisor;
    private final Services hostServices;
    private final Events hostEvents;
    private volatile boolean closed;

    private PluginRuntime(Builder b) {
        this.bus = b.bus != null ? b.bus : new EventBus();
        this.ownBus = b.bus == null;
        this.store = b.store != null ? b.store : SqliteKeyValueStore.open(b.storageFile);
        this.ownStore = b.store == null;
        this.eventStore = b.eventStore;
        this.pluginsDirectory = b.pluginsDirectory;
        this.classpath = b.classpath;
        this.parentLoader = b.classLoader != null ? b.classLoader : PluginRuntime.class.getClassLoader();
        this.embedded = List.copyOf(b.plugins);
        this.backoffInitial = b.backoffInitial;
        this.backoffMax = b.backoffMax;
        this.restartAfterFailures = b.restartAfterFailures;
        this.startTimeout = b.startTimeout;
        this.pluginConfigs = Map.copyOf(b.pluginConfigs);
        b.serviceOptions.forEach(registry::configure);
        if (b.serviceDefaults != null) registry.defaults(b.serviceDefaults);
        this.supervisor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "facta-runtime-supervisor");
            t.setDaemon(true);
            t.setContextClassLoader(PluginRuntime.class.getClassLoader());
            return t;
        });
        supervisor.setRemoveOnCancelPolicy(true);
        registry.observer(this::observeCall);
        this.hostServices = registry.scopedTo(HOST, ConcurrentHashMap.newKeySet());
        this.hostEvents = new ScopedEvents(HOST, null);
        long health = b.healthInterval.toMillis();
        supervisor.scheduleWithFixedDelay(this::checkHealth, health, health, TimeUnit.MILLISECONDS);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Finds the plugins (given to the builder, on the class path, in the plugins folder) and starts
     * them in dependency order. A plugin whose start fails is retried with backoff; nothing else is
     * affected.
     *
     * @throws PluginException a duplicate id, a missing dependency or a dependency cycle; nothing is started then
     */
    public PluginRuntime start() {
        lifecycle.lock();
        try {
            List<Slot> found = new ArrayList<>();
            for (Plugin p : embedded) found.add(new Slot(p, "embedded", null));
            if (classpath) {
                for (ServiceLoader.Provider<Plugin> p : ServiceLoader.load(Plugin.class, parentLoader).stream().toList()) {
                    found.add(new Slot(instantiate(p, "classpath"), "classpath", null));
                }
            }
            List<Path> jars = new ArrayList<>();
            if (pluginsDirectory != null && Files.isDirectory(pluginsDirectory)) {
                try (var files = Files.list(pluginsDirectory)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
                } catch (IOException e) {
                    throw new PluginException(PluginException.Reason.BAD_JAR, List.of(), "cannot list " + pluginsDirectory + ": " + e.getMessage(), e);
                }
            }
            for (Path jar : jars) found.addAll(slotsOfJar(jar));
            addAndStart(found);
            return this;
        } finally {
            lifecycle.unlock();
        }
    }

    /** Loads and starts a plugin object (its classes are the runtime's). */
    public void load(Plugin plugin) {
        load(plugin, "embedded");
    }

    /** Loads and starts a plugin object, naming where it comes from ({@code remote} for the remote plugin host). */
    public void load(Plugin plugin, String source) {
        lifecycle.lock();
        try {
            addAndStart(List.of(new Slot(plugin, source, null)));
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Loads the plugins of a jar in a class loader of their own and starts them.
     *
     * @return the ids of the plugins loaded
     * @throws PluginException BAD_JAR, DUPLICATE, MISSING_DEPENDENCY or DEPENDENCY_CYCLE; nothing is loaded then
     */
    public List<String> loadJar(Path jar) {
        lifecycle.lock();
        try {
            Path key = jar.toAbsolutePath().normalize();
            if (jarLoaders.containsKey(key)) {
                throw new PluginException(PluginException.Reason.DUPLICATE, List.of(), "the jar " + key + " is already loaded");
            }
            List<Slot> found = slotsOfJar(key);
            addAndStart(found);
            return found.stream().map(s -> s.id).toList();
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Stops a plugin, removes its services and subscriptions, and forgets it; a jar whose last
     * plugin goes has its class loader closed.
     *
     * @throws PluginException NOT_FOUND, or IN_USE when loaded plugins depend on it
     */
    public void unload(String id) {
        lifecycle.lock();
        try {
            Slot slot = slot(id);
            List<String> users = slots.values().stream().filter(s -> s != slot && s.plugin.dependencies().contains(id)).map(s -> s.id).toList();
            if (!users.isEmpty()) {
                throw new PluginException(PluginException.Reason.IN_USE, users, "plugin " + id + " is needed by " + String.join(", ", users) + "; unload them first");
            }
            stopRun(slot);
            slot.state = PluginState.STOPPED;
            cancelPending(slot);
            slots.remove(id);
            if (slot.jar != null && slots.values().stream().noneMatch(s -> slot.jar.equals(s.jar))) {
                PluginClassLoader loader = jarLoaders.remove(slot.jar);
                try {
                    loader.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot close the class loader of " + slot.jar, e);
                }
            }
            for (Listener l : listeners) l.unloaded(id);
        } finally {
            lifecycle.unlock();
        }
    }

    /** Stops and starts a plugin now, forgetting its backoff. */
    public void restart(String id) {
        lifecycle.lock();
        try {
            Slot slot = slot(id);
            stopRun(slot);
            cancelPending(slot);
            slot.attempts = 0;
            slot.consecutive.set(0);
            slot.counters.restarts.increment();
            if (!enabled(id)) {
                slot.state = PluginState.LOADED;
                return;
            }
            if (!startRun(slot)) return;
            startWaiting();
        } finally {
            lifecycle.unlock();
        }
    }

    /** Stops every plugin, dependents before their dependencies, and releases what the runtime opened. */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            if (closed) return;
            closed = true;
            List<Slot> order = new ArrayList<>(startOrder(slots.values()));
            java.util.Collections.reverse(order);
            for (Slot s : order) {
                cancelPending(s);
                stopRun(s);
                s.state = PluginState.STOPPED;
            }
            supervisor.shutdownNow();
            registry.close();
            for (PluginClassLoader l : jarLoaders.values()) {
                try {
                    l.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            jarLoaders.clear();
            slots.clear();
            if (ownBus) bus.close();
            if (ownStore) store.close();
        } finally {
            lifecycle.unlock();
        }
    }

    // ---------------------------------------------------------------- queries and host access

    public List<PluginInfo> plugins() {
        lifecycle.lock();
        try {
            return slots.values().stream().map(this::info).toList();
        } finally {
            lifecycle.unlock();
        }
    }

    /** @throws PluginException NOT_FOUND */
    public PluginInfo plugin(String id) {
        lifecycle.lock();
        try {
            return info(slot(id));
        } finally {
            lifecycle.unlock();
        }
    }

    /** Up when every enabled plugin runs; each plugin's state otherwise, with its last error. */
    public RuntimeHealth health() {
        Map<String, String> states = new LinkedHashMap<>();
        boolean up = true;
        for (PluginInfo p : plugins()) {
            boolean disabled = !enabled(p.id());
            states.put(p.id(), disabled ? "disabled" : p.state().name().toLowerCase(java.util.Locale.ROOT));
            if (!disabled && p.state() != PluginState.RUNNING) up = false;
        }
        return new RuntimeHealth(up, states);
    }

    /** Services as the hosting application calls them (caller {@value #HOST}). */
    public Services services() {
        return hostServices;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    /** Events as the hosting application publishes them (source {@value #HOST}); its subscriptions end with {@link #close}. */
    public Events events() {
        return hostEvents;
    }

    public EventBus eventBus() {
        return bus;
    }

    public KeyValueStore storage() {
        return store;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Reads events persisted to the event store (see {@link Builder#persistEventsTo}) from a global
     * position, passes those matching the pattern to the handler, and returns the position to
     * continue from.
     */
    public long replay(String pattern, long fromPosition, Consumer<PluginEvent> handler) {
        if (eventStore == null) throw new IllegalStateException("events are not persisted: give the builder an event store");
        TopicPattern p = TopicPattern.of(pattern);
        long from = Math.max(1, fromPosition);
        while (true) {
            AllSlice slice = eventStore.readAll(from, 1000, EventFilter.categories("runtime"));
            for (RecordedEvent e : slice.events()) {
                Map<String, Object> envelope = JsonCodec.readObject(e.dataAsString(), "event");
                @SuppressWarnings("unchecked")
                Map<String, Object> data = (Map<String, Object>) envelope.get("data");
                PluginEvent pe = new PluginEvent(e.id(), e.type(), (String) envelope.get("source"), e.recordedAt(), data);
                if (p.matches(pe.topic())) handler.accept(pe);
            }
            from = slice.next();
            if (slice.endOfLog() || slice.events().isEmpty()) return from;
        }
    }

    /**
     * Applies new plugin settings, service options and restart policy. Plugins newly disabled stop,
     * newly enabled ones start, and plugins whose settings changed are told through
     * {@link Plugin#reconfigure}, or restarted when they do not take them live.
     */
    public void reconfigure(RuntimeConfig config) {
        lifecycle.lock();
        try {
            Map<String, PluginConfig> before = pluginConfigs;
            pluginConfigs = Map.copyOf(config.plugins());
            backoffInitial = config.backoffInitial();
            backoffMax = config.backoffMax();
            restartAfterFailures = config.restartAfterFailures();
            registry.defaults(config.serviceDefaults());
            for (String name : registry.list().stream().map(ServiceRegistry.ServiceInfo::name).toList()) {
                registry.configure(name, config.services().get(name));
            }
            config.services().forEach(registry::configure);
            for (Slot s : startOrder(slots.values())) {
                PluginConfig old = before.getOrDefault(s.id, PluginConfig.DEFAULT);
                PluginConfig now = pluginConfigs.getOrDefault(s.id, PluginConfig.DEFAULT);
                if (!now.enabled()) {
                    cancelPending(s);
                    stopRun(s);
                    s.state = PluginState.LOADED;
                } else if (!old.enabled() || s.state == PluginState.LOADED) {
                    s.attempts = 0;
                    startOrWait(s);
                } else if (!old.settings().equals(now.settings()) && s.state == PluginState.RUNNING) {
                    boolean live;
                    try {
                        live = s.plugin.reconfigure(now.settings());
                    } catch (RuntimeException e) {
                        live = false;
                    }
                    if (!live) {
                        stopRun(s);
                        startRun(s);
                    }
                }
            }
        } finally {
            lifecycle.unlock();
        }
    }

    // ---------------------------------------------------------------- internals

    private List<Slot> slotsOfJar(Path jar) {
        Path key = jar.toAbsolutePath().normalize();
        PluginClassLoader loader;
        try {
            loader = new PluginClassLoader("plugin:" + key.getFileName(), key.toUri().toURL(), parentLoader);
        } catch (MalformedURLException e) {
            throw new PluginException(PluginException.Reason.BAD_JAR, List.of(), "bad jar path " + jar, e);
        }
        List<Slot> found = new ArrayList<>();
        try {
            for (ServiceLoader.Provider<Plugin> p : ServiceLoader.load(Plugin.class, loader).stream().toList()) {
                if (p.type().getClassLoader() != loader) continue; // the parent's plugins, found again through the jar's loader
                found.add(new Slot(instantiate(p, key.toString()), key.toString(), key));
            }
        } catch (java.util.ServiceConfigurationError | PluginException e) {
            closeQuietly(loader);
            throw e instanceof PluginException pe ? pe
                    : new PluginException(PluginException.Reason.BAD_JAR, List.of(), "cannot load the plugins of " + key + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            closeQuietly(loader);
            throw new PluginException(PluginException.Reason.BAD_JAR, List.of(), key + " holds no plugin (no META-INF/services/" + Plugin.class.getName() + ")");
        }
        jarLoaders.put(key, loader);
        return found;
    }

    private static void closeQuietly(PluginClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // nothing was loaded from it
        }
    }

    private static Plugin instantiate(ServiceLoader.Provider<Plugin> p, String source) {
        try {
            return p.get();
        } catch (RuntimeException | java.util.ServiceConfigurationError e) {
            throw new PluginException(PluginException.Reason.BAD_JAR, List.of(), "cannot create plugin " + p.type().getName() + " from " + source + ": " + e.getMessage(), e);
        }
    }

    /** Checks the new slots against those loaded (ids, dependencies), adds them, and starts the enabled ones in order. */
    private void addAndStart(List<Slot> found) {
        if (closed) throw new IllegalStateException("the runtime is closed");
        try {
            Set<String> ids = new HashSet<>(slots.keySet());
            for (Slot s : found) {
                if (!ids.add(s.id)) throw new PluginException(PluginException.Reason.DUPLICATE, List.of(s.id), "a plugin with id " + s.id + " is already loaded");
            }
            List<Slot> all = new ArrayList<>(slots.values());
            all.addAll(found);
            for (Slot s : found) {
                for (String dep : s.plugin.dependencies()) {
                    if (!ids.contains(dep)) {
                        throw new PluginException(PluginException.Reason.MISSING_DEPENDENCY, List.of(s.id, dep),
                                "plugin " + s.id + " depends on " + dep + ", which is not loaded");
                    }
                }
            }
            List<Slot> order = startOrder(all); // throws on a cycle
            for (Slot s : found) slots.put(s.id, s);
            for (Slot s : found) for (Listener l : listeners) l.loaded(s.id);
            for (Slot s : order) if (found.contains(s)) startOrWait(s);
        } catch (RuntimeException e) {
            for (Slot s : found) {
                if (s.jar != null && !slots.containsKey(s.id)) {
                    PluginClassLoader l = jarLoaders.remove(s.jar);
                    if (l != null) closeQuietly(l);
                }
            }
            throw e;
        }
    }

    private void startOrWait(Slot s) {
        if (s.state != PluginState.LOADED) return; // started meanwhile as a waiting dependent
        if (!enabled(s.id)) {
            s.state = PluginState.LOADED;
            return;
        }
        String waiting = missingRunningDependency(s);
        if (waiting != null) {
            s.state = PluginState.LOADED;
            return; // started by startWaiting when the dependency runs
        }
        if (startRun(s)) startWaiting();
    }

    /** Starts loaded plugins whose dependencies now all run. */
    private void startWaiting() {
        boolean started = true;
        while (started) {
            started = false;
            for (Slot s : startOrder(slots.values())) {
                if (s.state == PluginState.LOADED && enabled(s.id) && missingRunningDependency(s) == null) {
                    started |= startRun(s);
                }
            }
        }
    }

    private String missingRunningDependency(Slot s) {
        for (String dep : s.plugin.dependencies()) {
            Slot d = slots.get(dep);
            if (d == null || d.state != PluginState.RUNNING) return dep;
        }
        return null;
    }

    /** Dependencies before dependents; ties in load order. */
    private static List<Slot> startOrder(Collection<Slot> all) {
        Map<String, Slot> byId = new LinkedHashMap<>();
        for (Slot s : all) byId.put(s.id, s);
        List<Slot> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Deque<String> path = new ArrayDeque<>();
        for (Slot s : all) visit(s, byId, done, path, out);
        return out;
    }

    private static void visit(Slot s, Map<String, Slot> byId, Set<String> done, Deque<String> path, List<Slot> out) {
        if (done.contains(s.id)) return;
        if (path.contains(s.id)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (java.util.Iterator<String> it = path.descendingIterator(); it.hasNext(); ) {
                String p = it.next();
                if (p.equals(s.id)) in = true;
                if (in) cycle.add(p);
            }
            cycle.add(s.id);
            throw new PluginException(PluginException.Reason.DEPENDENCY_CYCLE, cycle, "plugins depend on each other in a cycle: " + String.join(" -> ", cycle));
        }
        path.push(s.id);
        for (String dep : new java.util.TreeSet<>(s.plugin.dependencies())) {
            Slot d = byId.get(dep);
            if (d != null) visit(d, byId, done, path, out);
        }
        path.pop();
        done.add(s.id);
        out.add(s);
    }

    private boolean enabled(String id) {
        return pluginConfigs.getOrDefault(id, PluginConfig.DEFAULT).enabled();
    }

    private Slot slot(String id) {
        Slot s = slots.get(id);
        if (s == null) throw new PluginException(PluginException.Reason.NOT_FOUND, List.of(String.valueOf(id)), "no plugin " + id + " is loaded");
        return s;
    }

    /** Starts one run of the plugin; on failure schedules the next attempt. Lock held. */
    private boolean startRun(Slot slot) {
        slot.state = PluginState.STARTING;
        Run run = new Run(slot, ++slot.generation);
        slot.run = run;
        try {
            onPluginThread(slot, () -> {
                slot.plugin.start(run);
                return null;
            });
            slot.state = PluginState.RUNNING;
            return true;
        } catch (Exception e) {
            slot.counters.errors.increment();
            stopRun(slot);
            scheduleStart(slot, "start failed: " + describe(e));
            return false;
        }
    }

    /** Releases what the current run registered, then tells the plugin to stop. Lock held. */
    private void stopRun(Slot slot) {
        Run run = slot.run;
        if (run == null) return;
        slot.run = null;
        run.close();
        try {
            onPluginThread(slot, () -> {
                slot.plugin.stop();
                return null;
            });
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "plugin " + slot.id + " failed to stop", e);
        }
    }

    private <T> T onPluginThread(Slot slot, java.util.concurrent.Callable<T> work) throws Exception {
        ClassLoader loader = slot.plugin.getClass().getClassLoader();
        java.util.concurrent.FutureTask<T> task = new java.util.concurrent.FutureTask<>(work);
        Thread t = Thread.ofVirtual().name("facta-plugin-" + slot.id).unstarted(task);
        t.setContextClassLoader(loader);
        t.start();
        try {
            return task.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new TimeoutException("plugin " + slot.id + " did not return within " + startTimeout);
        }
    }

    private void scheduleStart(Slot slot, String reason) {
        long initial = backoffInitial.toMillis();
        long delay = Math.min(backoffMax.toMillis(), initial << Math.min(slot.attempts, 30));
        if (delay < 0) delay = backoffMax.toMillis();
        slot.attempts++;
        slot.counters.restarts.increment();
        slot.lastError = reason;
        slot.backoffs.addLast(Duration.ofMillis(delay));
        while (slot.backoffs.size() > BACKOFFS_KEPT) slot.backoffs.removeFirst();
        slot.state = PluginState.BACKOFF;
        LOG.log(System.Logger.Level.WARNING, "plugin " + slot.id + " " + reason + "; starting it again in " + delay + " ms");
        cancelPending(slot);
        slot.pending = supervisor.schedule(() -> attemptStart(slot), delay, TimeUnit.MILLISECONDS);
    }

    private void attemptStart(Slot slot) {
        lifecycle.lock();
        try {
            if (closed || slot.state != PluginState.BACKOFF || slots.get(slot.id) != slot) return;
            slot.pending = null;
            String dep = missingRunningDependency(slot);
            if (dep != null) {
                scheduleStart(slot, "waiting for its dependency " + dep);
                return;
            }
            if (startRun(slot)) startWaiting();
        } finally {
            lifecycle.unlock();
        }
    }

    private static void cancelPending(Slot slot) {
        if (slot.pending != null) {
            slot.pending.cancel(false);
            slot.pending = null;
        }
    }

    /** A failure of the plugin's run {@code generation}: counted, and past the threshold the plugin is restarted. */
    private void failure(Slot slot, long generation, Throwable error, boolean now) {
        slot.counters.errors.increment();
        slot.lastError = describe(error);
        if (now || slot.consecutive.incrementAndGet() >= restartAfterFailures) {
            if (closed) return;
            supervisor.execute(() -> restartFailed(slot, generation, describe(error)));
        }
    }

    private void success(Slot slot) {
        slot.consecutive.set(0);
        if (slot.attempts != 0 && slot.state == PluginState.RUNNING) slot.attempts = 0;
    }

    private void restartFailed(Slot slot, long generation, String reason) {
        lifecycle.lock();
        try {
            Run run = slot.run;
            if (closed || run == null || run.generation != generation || slots.get(slot.id) != slot) return;
            slot.consecutive.set(0);
            stopRun(slot);
            scheduleStart(slot, "failed: " + reason);
        } finally {
            lifecycle.unlock();
        }
    }

    private void checkHealth() {
        List<Slot> running;
        lifecycle.lock();
        try {
            running = slots.values().stream().filter(s -> s.state == PluginState.RUNNING && s.run != null).toList();
        } finally {
            lifecycle.unlock();
        }
        for (Slot s : running) {
            Run run = s.run;
            if (run == null) continue;
            Health h;
            try {
                h = onPluginThread(s, s.plugin::health);
            } catch (Exception e) {
                h = Health.down("health check threw " + describe(e));
            }
            if (!h.healthy()) failure(s, run.generation, new IllegalStateException("health is down: " + h.detail()), true);
        }
    }

    private void observeCall(String caller, String owner, String service, ServiceRegistry.Outcome outcome, Throwable error) {
        Slot c = caller == null ? null : slots.get(caller);
        if (c != null) c.counters.callsMade.increment();
        Slot o = owner == null ? null : slots.get(owner);
        if (o == null || outcome == ServiceRegistry.Outcome.REFUSED) return;
        o.counters.callsServed.increment();
        Run run = o.run;
        if (outcome == ServiceRegistry.Outcome.OK) success(o);
        else if (run != null) failure(o, run.generation, error == null ? new TimeoutException(service) : error, false);
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private PluginInfo info(Slot s) {
        Counters c = s.counters;
        return new PluginInfo(s.id, s.plugin.version(), Set.copyOf(s.plugin.dependencies()), s.source, s.state,
                registry.servicesOf(s.id), List.copyOf(s.backoffs), s.lastError,
                new PluginStats(c.published.sum(), c.received.sum(), c.callsServed.sum(), c.callsMade.sum(), c.errors.sum(), c.restarts.sum()));
    }

    private PluginEvent publish(String source, String topic, Map<String, Object> data) {
        PluginEvent event = new PluginEvent(UUID.randomUUID(), topic, source, Instant.now(), data);
        if (eventStore != null) {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("source", source);
            envelope.put("data", event.data());
            eventStore.append(new StreamId("runtime-" + topic), ExpectedVersion.any(),
                    EventData.of(event.id(), topic, JsonCodec.write(envelope), null));
        }
        bus.publish(event);
        return event;
    }

    // ---------------------------------------------------------------- per plugin

    private static final class Counters {
        final LongAdder published = new LongAdder();
        final LongAdder received = new LongAdder();
        final LongAdder callsServed = new LongAdder();
        final LongAdder callsMade = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder restarts = new LongAdder();
    }

    private static final class Slot {
        final String id;
        final Plugin plugin;
        final String source;
        final Path jar;
        final Counters counters = new Counters();
        final AtomicInteger consecutive = new AtomicInteger();
        final Deque<Duration> backoffs = new java.util.concurrent.ConcurrentLinkedDeque<>();
        volatile PluginState state = PluginState.LOADED;
        volatile Run run;
        volatile String lastError;
        long generation;
        int attempts;
        ScheduledFuture<?> pending;

        Slot(Plugin plugin, String source, Path jar) {
            String id = plugin.id();
            if (id == null || !ID.matcher(id).matches()) {
                throw new PluginException(PluginException.Reason.BAD_ID, List.of(String.valueOf(id)),
                        "plugin id must be 1-64 of [a-z0-9_-], starting with a letter or digit: " + id + " (" + plugin.getClass().getName() + ")");
            }
            this.id = id;
            this.plugin = plugin;
            this.source = source;
            this.jar = jar;
        }
    }

    /** Topic patterns: a topic, a prefix ending in {@code .*}, or {@code *}. */
    record TopicPattern(String exact, String prefix) {
        static TopicPattern of(String pattern) {
            if ("*".equals(pattern)) return new TopicPattern(null, "");
            if (pattern != null && pattern.endsWith(".*")) {
                String base = pattern.substring(0, pattern.length() - 2);
                PluginEvent.checkTopic(base);
                return new TopicPattern(null, base + ".");
            }
            PluginEvent.checkTopic(pattern);
            return new TopicPattern(pattern, null);
        }

        boolean matches(String topic) {
            return exact != null ? exact.equals(topic) : topic.startsWith(prefix);
        }
    }

    private final class ScopedEvents implements Events {
        private final String source;
        private final Run run; // null for the host

        ScopedEvents(String source, Run run) {
            this.source = source;
            this.run = run;
        }

        @Override
        public PluginEvent publish(String topic, Map<String, Object> data) {
            if (run != null) {
                run.checkOpen();
                run.slot.counters.published.increment();
            }
            return PluginRuntime.this.publish(source, topic, data);
        }

        @Override
        public Subscription subscribe(String pattern, Consumer<PluginEvent> handler) {
            Objects.requireNonNull(handler, "handler");
            TopicPattern p = TopicPattern.of(pattern);
            if (run != null) run.checkOpen();
            EventBus.Subscription s = bus.subscribeAsync(PluginEvent.class, e -> {
                if (!p.matches(e.topic())) return;
                if (run == null) {
                    handler.accept(e);
                    return;
                }
                if (run.closed) return;
                run.slot.counters.received.increment();
                try {
                    handler.accept(e);
                    success(run.slot);
                } catch (RuntimeException | Error error) {
                    failure(run.slot, run.generation, error, false);
                }
            });
            if (run != null) run.subscriptions.add(s);
            return () -> {
                s.close();
                if (run != null) run.subscriptions.remove(s);
            };
        }
    }

    /** One run of a plugin: the context it is given, and what it registered through it. */
    private final class Run implements PluginContext {
        final Slot slot;
        final long generation;
        final Set<String> owned = ConcurrentHashMap.newKeySet();
        final List<EventBus.Subscription> subscriptions = new CopyOnWriteArrayList<>();
        final Services services;
        final Events events;
        final Storage storage;
        private StateEngine state;
        volatile boolean closed;

        Run(Slot slot, long generation) {
            this.slot = slot;
            this.generation = generation;
            this.services = registry.scopedTo(slot.id, owned);
            this.events = new ScopedEvents(slot.id, this);
            this.storage = new Storage(store, slot.id);
        }

        void checkOpen() {
            if (closed) throw new IllegalStateException("plugin " + slot.id + " is stopped; its context is closed");
        }

        void close() {
            closed = true;
            for (EventBus.Subscription s : subscriptions) s.close();
            subscriptions.clear();
            registry.unregisterAll(slot.id);
            owned.clear();
        }

        @Override
        public String pluginId() {
            return slot.id;
        }

        @Override
        public Map<String, Object> settings() {
            return pluginConfigs.getOrDefault(slot.id, PluginConfig.DEFAULT).settings();
        }

        @Override
        public Services services() {
            checkOpen();
            return services;
        }

        @Override
        public Events events() {
            return events;
        }

        @Override
        public Storage storage() {
            return storage;
        }

        @Override
        public synchronized StateEngine state() {
            if (state == null) {
                StateEngine engine = new StateEngine(storage);
                engine.onChange(change -> {
                    if (closed) return;
                    Map<String, Object> data = new LinkedHashMap<>();
                    data.put("entity", change.entityId());
                    data.put("version", change.after() == null ? change.before().version() : change.after().version());
                    data.put("before", change.before() == null ? null : change.before().attributes());
                    data.put("after", change.after() == null ? null : change.after().attributes());
                    events.publish(slot.id + ".state_changed", data);
                });
                state = engine;
            }
            return state;
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("facta.plugin." + slot.id);
        }

        @Override
        public void fail(Throwable reason) {
            failure(slot, generation, reason == null ? new IllegalStateException("failed") : reason, true);
        }
    }

    // ---------------------------------------------------------------- builder

    /** Builds a runtime; {@link PluginRuntime#start} then finds and starts the plugins. */
    public static final class Builder {
        private EventBus bus;
        private KeyValueStore store;
        private Path storageFile = Path.of("facta-data", "runtime.db");
        private EventStore eventStore;
        private Path pluginsDirectory;
        private boolean classpath = true;
        private ClassLoader classLoader;
        private final List<Plugin> plugins = new ArrayList<>();
        private Duration backoffInitial = Duration.ofMillis(200);
        private Duration backoffMax = Duration.ofSeconds(30);
        private int restartAfterFailures = 5;
        private Duration startTimeout = Duration.ofSeconds(30);
        private Duration healthInterval = Duration.ofSeconds(5);
        private final Map<String, PluginConfig> pluginConfigs = new HashMap<>();
        private final Map<String, ServiceOptions> serviceOptions = new HashMap<>();
        private ServiceOptions serviceDefaults;

        private Builder() {
        }

        /** The bus plugins' events travel on; by default the runtime's own. */
        public Builder eventBus(EventBus bus) {
            this.bus = bus;
            return this;
        }

        /** The storage backend; by default SQLite in {@code facta-data/runtime.db}, closed with the runtime. */
        public Builder storage(KeyValueStore store) {
            this.store = store;
            return this;
        }

        /** The SQLite file of the default storage. */
        public Builder storageFile(Path file) {
            this.storageFile = file;
            return this;
        }

        /** Appends every event plugins publish to this store (stream {@code runtime-<topic>}), for {@link #replay}. */
        public Builder persistEventsTo(EventStore store) {
            this.eventStore = store;
            return this;
        }

        /** A folder of plugin jars, each loaded in its own class loader. */
        public Builder pluginsDirectory(Path dir) {
            this.pluginsDirectory = dir;
            return this;
        }

        /** Whether plugins on the class path (ServiceLoader) are loaded; yes by default. */
        public Builder discoverClasspath(boolean yes) {
            this.classpath = yes;
            return this;
        }

        /** The class loader searched for class path plugins and parent of the jars' loaders. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader;
            return this;
        }

        public Builder plugin(Plugin plugin) {
            plugins.add(Objects.requireNonNull(plugin, "plugin"));
            return this;
        }

        /** The first restart delay, doubled at each attempt up to {@code max}. */
        public Builder backoff(Duration initial, Duration max) {
            if (initial == null || max == null || initial.toMillis() < 1 || max.compareTo(initial) < 0) {
                throw new InvalidInputException("backoff", "backoff needs 1 ms <= initial <= max: " + initial + ", " + max);
            }
            this.backoffInitial = initial;
            this.backoffMax = max;
            return this;
        }

        /** Failed calls or event handlers in a row after which a plugin is restarted. */
        public Builder restartAfterFailures(int n) {
            if (n < 1) throw new InvalidInputException("restartAfterFailures", "must be at least 1: " + n);
            this.restartAfterFailures = n;
            return this;
        }

        /** How long start, stop and health may take. */
        public Builder startTimeout(Duration t) {
            this.startTimeout = t;
            return this;
        }

        public Builder healthInterval(Duration interval) {
            if (interval == null || interval.toMillis() < 10) throw new InvalidInputException("healthInterval", "must be at least 10 ms: " + interval);
            this.healthInterval = interval;
            return this;
        }

        public Builder pluginConfig(String id, PluginConfig config) {
            pluginConfigs.put(id, config);
            return this;
        }

        public Builder serviceOptions(String service, ServiceOptions options) {
            serviceOptions.put(service, options);
            return this;
        }

        public Builder serviceDefaults(ServiceOptions options) {
            this.serviceDefaults = options;
            return this;
        }

        /** Everything a configuration file says (its storage and admin settings are for {@link RuntimeConfig#open}). */
        public Builder config(RuntimeConfig config) {
            backoff(config.backoffInitial(), config.backoffMax());
            restartAfterFailures(config.restartAfterFailures());
            healthInterval(config.healthInterval());
            if (config.pluginsDirectory() != null) pluginsDirectory(config.pluginsDirectory());
            pluginConfigs.putAll(config.plugins());
            serviceOptions.putAll(config.services());
            serviceDefaults = config.serviceDefaults();
            return this;
        }

        public PluginRuntime build() {
            return new PluginRuntime(this);
        }
    }
}
