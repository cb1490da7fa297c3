package dev.facta.runtime.remote;

import dev.facta.runtime.JsonService;
import dev.facta.runtime.remote.proto.Call;
import dev.facta.runtime.remote.proto.CallResult;
import dev.facta.runtime.remote.proto.Event;
import dev.facta.runtime.remote.proto.Hello;
import dev.facta.runtime.remote.proto.HostMessage;
import dev.facta.runtime.remote.proto.PluginHostGrpc;
import dev.facta.runtime.remote.proto.PluginMessage;
import dev.facta.runtime.remote.proto.Pong;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The side of a remote plugin: connects to a runtime's {@link RemotePluginHost}, announces its
 * services and subscriptions, answers calls and pings, and publishes events. When the connection
 * drops (the runtime restarts, the network fails) it connects again by itself, waiting 100 ms,
 * then twice as long each time up to {@code maxBackoff}, and announces itself anew.
 */
public final class RemotePluginClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RemotePluginClient.class.getName());

    /** An event the runtime forwarded: its topic, the plugin that published it, its data as JSON. */
    public record RemoteEvent(String topic, String source, String json) {
    }

    private final String id;
    private final String version;
    private final Map<String, JsonService> services;
    private final Map<String, Consumer<RemoteEvent>> subscriptions;
    private final Duration maxBackoff;
    private final ManagedChannel channel;
    private final Thread loop;
    private volatile boolean closed;
    private volatile StreamObserver<PluginMessage> current;
    private volatile boolean welcomed;
    private volatile long connections;

    private RemotePluginClient(Builder b) {
        this.id = b.id;
        this.version = b.version;
        this.services = Map.copyOf(b.services);
        this.subscriptions = new LinkedHashMap<>(b.subscriptions);
        this.maxBackoff = b.maxBackoff;
        this.channel = NettyChannelBuilder.forAddress(b.host, b.port).usePlaintext().build();
        this.loop = Thread.ofPlatform().daemon().name("facta-remote-plugin-" + id).start(this::run);
    }

    public static Builder builder(String host, int port, String pluginId) {
        return new Builder(host, port, pluginId);
    }

    /** Whether the runtime accepted this plugin on the current connection. */
    public boolean connected() {
        return welcomed;
    }

    /** How many times the runtime has accepted this plugin. */
    public long connections() {
        return connections;
    }

    /** Publishes an event through the runtime; dropped (returns false) while disconnected. */
    public boolean publish(String topic, String json) {
        StreamObserver<PluginMessage> s = current;
        if (s == null || !welcomed) return false;
        send(s, PluginMessage.newBuilder().setPublish(Event.newBuilder().setTopic(topic).setJson(json)).build());
        return true;
    }

    private void run() {
        long backoff = 100;
        while (!closed) {
            CountDownLatch ended = new CountDownLatch(1);
            StreamObserver<PluginMessage> toHost = PluginHostGrpc.newStub(channel).connect(new StreamObserver<>() {
                @Override
                public void onNext(HostMessage m) {
                    handle(m);
                }

                @Override
                public void onError(Throwable t) {
                    LOG.log(System.Logger.Level.DEBUG, "remote plugin " + id + " lost its connection: " + t.getMessage());
                    ended.countDown();
                }

                @Override
                public void onCompleted() {
                    ended.countDown();
                }
            });
            current = toHost;
            send(toHost, PluginMessage.newBuilder().setHello(Hello.newBuilder().setPluginId(id).setVersion(version)
                    .addAllServices(services.keySet()).addAllSubscriptions(subscriptions.keySet())).build());
            try {
                ended.await();
            } catch (InterruptedException e) {
                break;
            }
            boolean wasWelcomed = welcomed;
            welcomed = false;
            current = null;
            if (closed) break;
            if (wasWelcomed) backoff = 100; // a connection that worked: try again soon
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                break;
            }
            backoff = Math.min(maxBackoff.toMillis(), backoff * 2);
        }
    }

    private void handle(HostMessage m) {
        StreamObserver<PluginMessage> s = current;
        switch (m.getKindCase()) {
            case WELCOME -> {
                welcomed = true;
                connections++;
            }
            case PING -> send(s, PluginMessage.newBuilder().setPong(Pong.newBuilder().setNonce(m.getPing().getNonce())).build());
            case CALL -> Thread.ofVirtual().start(() -> answer(s, m.getCall()));
            case EVENT -> {
                Event e = m.getEvent();
                RemoteEvent event = new RemoteEvent(e.getTopic(), e.getSource(), e.getJson());
                for (var sub : subscriptions.entrySet()) {
                    if (matches(sub.getKey(), e.getTopic())) {
                        try {
                            sub.getValue().accept(event);
                        } catch (RuntimeException ex) {
                            LOG.log(System.Logger.Level.WARNING, "event handler of " + id + " failed on " + e.getTopic(), ex);
                        }
                    }
                }
            }
            case REFUSED -> LOG.log(System.Logger.Level.WARNING, "runtime refused plugin " + id + ": " + m.getRefused().getReason());
            default -> { }
        }
    }

    private void answer(StreamObserver<PluginMessage> s, Call call) {
        CallResult.Builder r = CallResult.newBuilder().setCallId(call.getCallId());
        JsonService service = services.get(call.getService());
        try {
            if (service == null) throw new IllegalArgumentException("no service " + call.getService());
            String json = service.call(call.getMethod(), call.getJson());
            r.setJson(json == null ? "null" : json);
        } catch (Exception e) {
            r.setError(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        send(s, PluginMessage.newBuilder().setResult(r).build());
    }

    private static boolean matches(String pattern, String topic) {
        if (pattern.equals("*")) return true;
        if (pattern.endsWith(".*")) return topic.startsWith(pattern.substring(0, pattern.length() - 1));
        return pattern.equals(topic);
    }

    private static void send(StreamObserver<PluginMessage> s, PluginMessage m) {
        if (s == null) return;
        synchronized (s) {
            try {
                s.onNext(m);
            } catch (RuntimeException e) {
                // the stream is gone; the loop reconnects
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        StreamObserver<PluginMessage> s = current;
        if (s != null) {
            synchronized (s) {
                try {
                    s.onCompleted();
                } catch (RuntimeException ignored) {
                    // already gone
                }
            }
        }
        loop.interrupt();
        channel.shutdownNow();
    }

    /** Declares a remote plugin: its services and subscriptions are fixed for its life. */
    public static final class Builder {
        private final String host;
        private final int port;
        private final String id;
        private String version = "0.0.0";
        private final Map<String, JsonService> services = new LinkedHashMap<>();
        private final Map<String, Consumer<RemoteEvent>> subscriptions = new LinkedHashMap<>();
        private Duration maxBackoff = Duration.ofSeconds(5);

        private Builder(String host, int port, String id) {
            this.host = host;
            this.port = port;
            this.id = id;
        }

        public Builder version(String v) {
            this.version = v;
            return this;
        }

        public Builder service(String name, JsonService handler) {
            services.put(name, handler);
            return this;
        }

        /** Patterns as {@link dev.facta.runtime.Events#subscribe}: a topic, {@code prefix.*} or {@code *}. */
        public Builder subscribe(String pattern, Consumer<RemoteEvent> handler) {
            subscriptions.put(pattern, handler);
            return this;
        }

        public Builder maxBackoff(Duration d) {
            this.maxBackoff = d;
            return this;
        }

        /** Starts connecting, in the background, and keeps connected until {@link #close}. */
        public RemotePluginClient connect() {
            return new RemotePluginClient(this);
        }
    }

    /** For tests and tools: the names this client serves. */
    public List<String> services() {
        return List.copyOf(services.keySet());
    }
}
