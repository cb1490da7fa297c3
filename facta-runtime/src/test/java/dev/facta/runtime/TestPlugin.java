package dev.facta.runtime;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** A plugin whose start does what the test says and which logs its starts and stops. */
final class TestPlugin implements Plugin {
    interface Start {
        void run(PluginContext context) throws Exception;
    }

    private final String id;
    private final Set<String> dependencies;
    private final List<String> log;
    private Start onStart = c -> { };
    private Supplier<Health> health = Health::up;

    TestPlugin(String id, List<String> log, String... dependencies) {
        this.id = id;
        this.log = log;
        this.dependencies = Set.of(dependencies);
    }

    TestPlugin onStart(Start s) {
        this.onStart = s;
        return this;
    }

    TestPlugin health(Supplier<Health> h) {
        this.health = h;
        return this;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Set<String> dependencies() {
        return dependencies;
    }

    @Override
    public void start(PluginContext context) throws Exception {
        log.add("start " + id);
        onStart.run(context);
    }

    @Override
    public void stop() {
        log.add("stop " + id);
    }

    @Override
    public Health health() {
        return health.get();
    }
}
