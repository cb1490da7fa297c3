package dev.facta.spring.boot;

import dev.facta.projection.ProjectionEngine;
import dev.facta.saga.SagaRuntime;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the projection engine and the saga runtime once the context is refreshed (so every handler
 * bean exists before the first event is delivered) and closes them when it stops, before the event
 * store bean is closed.
 */
public class FactaLifecycle implements SmartLifecycle {
    private final boolean autoStart;
    private final ObjectProvider<ProjectionEngine> engine;
    private final ObjectProvider<SagaRuntime> sagas;
    private volatile boolean running;

    public FactaLifecycle(boolean autoStart, ObjectProvider<ProjectionEngine> engine, ObjectProvider<SagaRuntime> sagas) {
        this.autoStart = autoStart;
        this.engine = engine;
        this.sagas = sagas;
    }

    @Override
    public boolean isAutoStartup() {
        return autoStart;
    }

    @Override
    public synchronized void start() {
        sagas.ifAvailable(SagaRuntime::start);
        engine.ifAvailable(ProjectionEngine::start);
        running = true;
    }

    @Override
    public synchronized void stop() {
        engine.ifAvailable(ProjectionEngine::close);
        sagas.ifAvailable(SagaRuntime::close);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
