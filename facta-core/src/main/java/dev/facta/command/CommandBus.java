package dev.facta.command;

import dev.facta.FactaException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Routes each command to the one handler registered for its type, through an ordered pipeline of
 * {@link CommandMiddleware} (the first registered is the outermost). Dispatch is synchronous, or
 * asynchronous on virtual threads; either way the message, not the thread, carries the context.
 * The bus is immutable once built and safe for many threads.
 */
public final class CommandBus implements AutoCloseable {

    private final Map<Class<?>, CommandHandler<?, ?>> handlers;
    private final List<CommandMiddleware> middleware;
    private final ExecutorService async = Executors.newVirtualThreadPerTaskExecutor();

    private CommandBus(Builder b) {
        this.handlers = Map.copyOf(b.handlers);
        this.middleware = List.copyOf(b.middleware);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<Class<?>, CommandHandler<?, ?>> handlers = new LinkedHashMap<>();
        private final List<CommandMiddleware> middleware = new ArrayList<>();

        /** Registers the handler of a command type; a second handler for the same type is an error. */
        public <C, R> Builder register(Class<C> type, CommandHandler<C, R> handler) {
            Objects.requireNonNull(handler, "handler");
            if (handlers.putIfAbsent(type, handler) != null) {
                throw new IllegalStateException("a handler for " + type.getName() + " is already registered");
            }
            return this;
        }

        /** Adds middleware; the first added runs first (outermost). */
        public Builder use(CommandMiddleware... steps) {
            Collections.addAll(middleware, steps);
            return this;
        }

        public CommandBus build() {
            return new CommandBus(this);
        }
    }

    /** The command types this bus handles. */
    public Set<Class<?>> handledTypes() {
        return handlers.keySet();
    }

    public <R> R dispatch(Object command) {
        return dispatch(CommandMessage.of(command));
    }

    /** Runs the message through the pipeline and its handler; the handler's exceptions come out unchanged. */
    @SuppressWarnings("unchecked")
    public <R> R dispatch(CommandMessage<?> message) {
        try {
            return (R) invoke(0, message);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new FactaException("command " + message.type().getSimpleName() + " failed: " + e.getMessage(), e);
        }
    }

    public <R> CompletableFuture<R> dispatchAsync(Object command) {
        return dispatchAsync(CommandMessage.of(command));
    }

    public <R> CompletableFuture<R> dispatchAsync(CommandMessage<?> message) {
        return CompletableFuture.supplyAsync(() -> dispatch(message), async);
    }

    private Object invoke(int step, CommandMessage<?> message) throws Exception {
        if (step < middleware.size()) {
            return middleware.get(step).handle(message, next -> invoke(step + 1, next));
        }
        return handle(message);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object handle(CommandMessage<?> message) throws Exception {
        CommandHandler handler = handlers.get(message.payload().getClass());
        if (handler == null) {
            for (var e : handlers.entrySet()) {
                if (e.getKey().isInstance(message.payload())) {
                    handler = e.getValue();
                    break;
                }
            }
        }
        if (handler == null) {
            throw new NoHandlerException(message.payload().getClass(),
                    handlers.keySet().stream().map(Class::getSimpleName).sorted().toList().toString());
        }
        return handler.handle(message);
    }

    @Override
    public void close() {
        async.close();
    }
}
