package dev.facta.runtime.remote;

import dev.facta.FactaException;
import dev.facta.runtime.Events;
import dev.facta.runtime.Health;
import dev.facta.runtime.JsonService;
import dev.facta.runtime.Plugin;
import dev.facta.runtime.PluginContext;
import dev.facta.runtime.PluginException;
import dev.facta.runtime.PluginRuntime;
import dev.facta.runtime.ServiceKey;
import dev.facta.runtime.internal.JsonCodec;
import dev.facta.runtime.remote.proto.Call;
import dev.facta.runtime.remote.proto.CallResult;
import dev.facta.runtime.remote.proto.Event;
import dev.facta.runtime.remote.proto.Hello;
import dev.facta.runtime.remote.proto.HostMessage;
import dev.facta.runtime.remote.proto.Ping;
import dev.facta.runtime.remote.proto.PluginHostGrpc;
import dev.facta.runtime.remote.proto.PluginMessage;
import dev.facta.runtime.remote.proto.Refused;
import dev.facta.runtime.remote.proto.Welcome;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Lets plugins in other processes join a runtime over gRPC ({@code facta.runtime.v1.PluginHost}).
 * A remote plugin keeps one stream open: its hello makes it a plugin of the runtime (source
 * {@code remote}) whose services forward calls over the stream and whose subscriptions forward
 * events; when the stream ends or the plugin stops answering pings, it is unloaded and everything
 * it registered goes with it. A plugin that connects again with the same id replaces its old
 * connection.
 */
public final class RemotePluginHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RemotePluginHost.class.getName());

    private final PluginRuntime runtime;
    private final Server server;
    private final Duration pingInterval;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "facta-remote-ping");
        t.setDaemon(true);
        return t;
    });

    private RemotePluginHost(PluginRuntime runtime, int port, Duration pingInterval) throws IOException {
        this.runtime = runtime;
        this.pingInterval = pingInterval;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new Service()).build().start();
        long ms = pingInterval.toMillis();
        pinger.scheduleWithFixedDelay(this::ping, ms, ms, TimeUnit.MILLISECONDS);
    }

    public static RemotePluginHost start(PluginRuntime runtime, int port) {
        return start(runtime, port, Duration.ofSeconds(1));
    }

    /** @param pingInterval how often remote plugins are pinged; three missed pongs end the connection */
    public static RemotePluginHost start(PluginRuntime runtime, int port, Duration pingInterval) {
        try {
            return new RemotePluginHost(runtime, port, pingInterval);
        } catch (IOException e) {
            throw new FactaException("cannot open the remote plugin host on port " + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    private void ping() {
        long now = System.nanoTime();
        for (Connection c : connections.values()) {
            if (now - c.lastPong > 3 * pingInterval.toNanos()) {
                c.end(Status.DEADLINE_EXCEEDED.withDescription("no answer to pings").asRuntimeException());
            } else {
                c.send(HostMessage.newBuilder().setPing(Ping.newBuilder().setNonce(now)).build());
            }
        }
    }

    private final class Service extends PluginHostGrpc.PluginHostImplBase {
        @Override
        public StreamObserver<PluginMessage> connect(StreamObserver<HostMessage> out) {
            return new Connection(out);
        }
    }

    /** One remote plugin's stream; also the plugin the runtime sees. */
    private final class Connection implements StreamObserver<PluginMessage>, Plugin {
        private final StreamObserver<HostMessage> out;
        private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
        private volatile Hello hello;
        private volatile PluginContext context;
        private volatile long lastPong = System.nanoTime();
        private volatile boolean ended;

        Connection(StreamObserver<HostMessage> out) {
            this.out = out;
        }

        synchronized void send(HostMessage m) {
            if (ended) return;
            try {
                out.onNext(m);
            } catch (RuntimeException e) {
                end(e);
            }
        }

        @Override
        public void onNext(PluginMessage m) {
            lastPong = System.nanoTime();
            switch (m.getKindCase()) {
                case HELLO -> hello(m.getHello());
                case RESULT -> {
                    CallResult r = m.getResult();
                    CompletableFuture<String> f = pending.remove(r.getCallId());
                    if (f == null) return;
                    if (r.getError().isEmpty()) f.complete(r.getJson());
                    else f.completeExceptionally(new RemoteCallException(r.getError()));
                }
                case PUBLISH -> {
                    PluginContext c = context;
                    if (c == null) return;
                    Event e = m.getPublish();
                    try {
                        c.events().publish(e.getTopic(), e.getJson().isEmpty() ? Map.of() : JsonCodec.readObject(e.getJson(), "json"));
                    } catch (RuntimeException bad) {
                        LOG.log(System.Logger.Level.WARNING, "remote plugin " + id() + " published a bad event: " + bad.getMessage());
                    }
                }
                default -> { /* pong: noted above */ }
            }
        }

        private void hello(Hello h) {
            if (hello != null) return;
            hello = h;
            Connection old = connections.put(h.getPluginId(), this);
            if (old != null) old.end(Status.ABORTED.withDescription("replaced by a new connection").asRuntimeException());
            try {
                runtime.load(this, "remote");
                send(HostMessage.newBuilder().setWelcome(Welcome.newBuilder().setRuntime("facta")).build());
                LOG.log(System.Logger.Level.INFO, "remote plugin " + h.getPluginId() + " connected");
            } catch (PluginException | dev.facta.InvalidInputException e) {
                connections.remove(h.getPluginId(), this);
                send(HostMessage.newBuilder().setRefused(Refused.newBuilder().setReason(e.getMessage())).build());
                hello = null;
                end(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            }
        }

        @Override
        public void onError(Throwable t) {
            closed();
        }

        @Override
        public void onCompleted() {
            closed();
            synchronized (this) {
                if (!ended) {
                    ended = true;
                    out.onCompleted();
                }
            }
        }

        /** Ends the stream from this side. */
        void end(Throwable reason) {
            synchronized (this) {
                if (!ended) {
                    ended = true;
                    try {
                        out.onError(reason);
                    } catch (RuntimeException ignored) {
                        // already gone
                    }
                }
            }
            closed();
        }

        private void closed() {
            Hello h = hello;
            for (CompletableFuture<String> f : pending.values()) f.completeExceptionally(new RemoteCallException("remote plugin disconnected"));
            pending.clear();
            if (h == null || !connections.remove(h.getPluginId(), this)) return;
            try {
                runtime.unload(h.getPluginId());
                LOG.log(System.Logger.Level.INFO, "remote plugin " + h.getPluginId() + " disconnected");
            } catch (PluginException e) {
                LOG.log(System.Logger.Level.WARNING, "remote plugin " + h.getPluginId() + " could not be unloaded: " + e.getMessage());
            } catch (IllegalStateException closedRuntime) {
                // the runtime is shutting down
            }
        }

        // ---- the plugin the runtime sees

        @Override
        public String id() {
            return hello.getPluginId();
        }

        @Override
        public String version() {
            return hello.getVersion().isEmpty() ? "0.0.0" : hello.getVersion();
        }

        @Override
        public void start(PluginContext context) {
            if (ended) throw new IllegalStateException("the remote plugin's connection is closed");
            this.context = context;
            for (String name : hello.getServicesList()) {
                context.services().register(ServiceKey.json(name), (JsonService) (method, json) -> call(name, method, json));
            }
            for (String pattern : hello.getSubscriptionsList()) {
                Events.Subscription unused = context.events().subscribe(pattern, e -> send(HostMessage.newBuilder().setEvent(Event.newBuilder()
                        .setTopic(e.topic()).setSource(e.source()).setId(e.id().toString()).setJson(JsonCodec.write(e.data()))).build()));
            }
        }

        @Override
        public void stop() {
            context = null;
        }

        @Override
        public Health health() {
            if (ended) return Health.down("connection closed");
            long silent = System.nanoTime() - lastPong;
            return silent > 3 * pingInterval.toNanos() ? Health.down("no answer for " + Duration.ofNanos(silent).toMillis() + " ms") : Health.up();
        }

        private String call(String service, String method, String json) throws Exception {
            String id = UUID.randomUUID().toString();
            CompletableFuture<String> f = new CompletableFuture<>();
            pending.put(id, f);
            send(HostMessage.newBuilder().setCall(Call.newBuilder().setCallId(id).setService(service).setMethod(method)
                    .setJson(json == null ? "" : json)).build());
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            } finally {
                pending.remove(id);
            }
        }
    }

    /** The remote plugin answered a call with an error, or went away before answering. */
    public static final class RemoteCallException extends FactaException {
        public RemoteCallException(String message) {
            super(message);
        }
    }

    /** Ids of the remote plugins connected now. */
    public Set<String> connected() {
        return Set.copyOf(connections.keySet());
    }

    @Override
    public void close() {
        pinger.shutdownNow();
        for (Connection c : List.copyOf(connections.values())) c.end(Status.UNAVAILABLE.withDescription("runtime shutting down").asRuntimeException());
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
