package dev.facta.kafka;

import dev.facta.FactaException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Kafka broker for tests: a single KRaft node (broker and controller in one) started in this JVM from
 * Kafka's own server artifact ({@code org.apache.kafka:kafka_2.13}, which users of this test-jar
 * declare as a test dependency), on free loopback ports, with its data in a temporary directory deleted
 * by {@link #close()}. It is configured for a quick start and a small footprint: one partition for the
 * internal topics, no group rebalance delay, a small log-cleaner buffer. Start-up takes a few seconds.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     KafkaPublisher publisher = KafkaPublisher.builder(kafka.bootstrapServers()).build();
 *     ...
 * }
 * }</pre>
 *
 * <p>When the environment variable {@value #EXTERNAL_ENV} names bootstrap servers, {@link #start()}
 * starts nothing and hands those out instead (closing then does nothing).
 *
 * <p><b>Routing through a proxy.</b> A Kafka client only bootstraps on the address it is given; then it
 * connects to the address the broker <em>advertises</em> for the listener it came in on. So a TCP proxy
 * in front of the broker only stays in the path when the listener behind it advertises an address that
 * leads through the proxy again. {@link Builder#routedListener()} adds such a listener: it listens on
 * {@link #routedAddress()} (put the proxy in front of that) and advertises a port of a small forwarder in
 * this JVM, which leads to the listener itself until {@link #routeThrough} points it at the proxy.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** Bootstrap servers of a broker to use instead of starting one. */
    public static final String EXTERNAL_ENV = "FACTA_TEST_KAFKA_BOOTSTRAP";
    private static final System.Logger LOG = System.getLogger(EmbeddedKafka.class.getName());

    private final String bootstrapServers;
    private final KafkaRaftServer server;
    private final Path directory;
    private final InetSocketAddress routed;
    private final Forwarder front;

    /**
     * Loggers with a filter of ours (held, because java.util.logging keeps loggers weakly and would forget
     * the filter): a single node's first start and every stop log warnings that are routine for it, and
     * they would show between a command's own output lines.
     */
    private static final List<java.util.logging.Logger> QUIET = new ArrayList<>();

    static {
        quiet("org.apache.kafka.controller.QuorumController", "The metadata log appears to be empty"); // a new node's first start
        quiet("org.apache.kafka.clients.NetworkClient", "Attempting to close NetworkClient that has already been closed"); // on shutdown
        // a broker that fails fatally asks to exit the process: in a test JVM, report it instead
        Exit.setExitProcedure((code, message) -> {
            LOG.log(System.Logger.Level.ERROR, "the embedded Kafka broker asked to exit (" + code + "): " + message);
            throw new FactaException("Kafka asked to exit (" + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            LOG.log(System.Logger.Level.ERROR, "the embedded Kafka broker asked to halt (" + code + "): " + message);
            throw new FactaException("Kafka asked to halt (" + code + "): " + message);
        });
    }

    /** Drops the records of one logger that contain {@code fragment}, unless the application filters that logger itself. */
    private static void quiet(String logger, String fragment) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(logger);
        if (l.getFilter() != null) return;
        l.setFilter(r -> r.getMessage() == null || !r.getMessage().contains(fragment));
        QUIET.add(l);
    }

    private EmbeddedKafka(String bootstrapServers, KafkaRaftServer server, Path directory, InetSocketAddress routed, Forwarder front) {
        this.bootstrapServers = bootstrapServers;
        this.server = server;
        this.directory = directory;
        this.routed = routed;
        this.front = front;
    }

    /** A broker: the one {@value #EXTERNAL_ENV} names, else a new one in this JVM. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bootstrap servers of the broker, e.g. {@code 127.0.0.1:40123}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Whether the broker is an external one ({@value #EXTERNAL_ENV}) rather than started here. */
    public boolean external() {
        return server == null;
    }

    /** Where the routed listener listens (see the class comment). */
    public InetSocketAddress routedAddress() {
        if (routed == null) throw new IllegalStateException("the broker was started without a routed listener");
        return routed;
    }

    /**
     * Makes clients that bootstrapped on the routed listener reach it through {@code via} (a proxy in
     * front of {@link #routedAddress()}) from now on; {@code null} leads them to the listener directly.
     */
    public void routeThrough(InetSocketAddress via) {
        if (front == null) throw new IllegalStateException("the broker was started without a routed listener");
        front.target = via == null ? routed : via;
    }

    /** An admin client on the broker (closed by the caller). */
    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(p);
    }

    /** Stops the broker and deletes its data; does nothing for an external broker. */
    @Override
    public void close() {
        if (front != null) front.close();
        if (server == null) return;
        server.shutdown();
        server.awaitShutdown();
        deleteTree(directory);
    }

    /** Configures an {@link EmbeddedKafka}. */
    public static final class Builder {
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private boolean routedListener;
        private boolean allowExternal = true;

        private Builder() {
        }

        /** A broker setting beyond (or instead of) the defaults, e.g. {@code num.partitions}. */
        public Builder property(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /** Adds the routed listener (see the class comment). */
        public Builder routedListener() {
            this.routedListener = true;
            return this;
        }

        /** Start a broker in this JVM even when {@value #EXTERNAL_ENV} is set. */
        public Builder ignoreExternal() {
            this.allowExternal = false;
            return this;
        }

        /** Starts the broker and waits until it serves clients. */
        public EmbeddedKafka start() {
            String external = System.getenv(EXTERNAL_ENV);
            if (allowExternal && external != null && !external.isBlank()) {
                if (routedListener) {
                    LOG.log(System.Logger.Level.INFO, "using the external Kafka at " + external + "; it has no routed listener");
                }
                return new EmbeddedKafka(external.trim(), null, null, null, null);
            }
            try {
                return startHere();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start an embedded Kafka broker: " + e, e);
            }
        }

        private EmbeddedKafka startHere() throws IOException {
            Path dir = Files.createTempDirectory("facta-kafka-");
            Forwarder front = null;
            KafkaRaftServer server = null;
            try {
                int[] ports = freePorts(routedListener ? 3 : 2);
                int client = ports[0];
                int controller = ports[1];
                String host = "127.0.0.1";
                Map<String, String> p = new LinkedHashMap<>();
                p.put("process.roles", "broker,controller");
                p.put("node.id", "1");
                p.put("controller.quorum.voters", "1@" + host + ":" + controller);
                p.put("controller.listener.names", "CONTROLLER");
                p.put("inter.broker.listener.name", "PLAINTEXT");
                String listeners = "PLAINTEXT://" + host + ":" + client + ",CONTROLLER://" + host + ":" + controller;
                String advertised = "PLAINTEXT://" + host + ":" + client;
                String protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
                InetSocketAddress routed = null;
                if (routedListener) {
                    routed = new InetSocketAddress(host, ports[2]);
                    front = new Forwarder(routed);
                    listeners += ",ROUTED://" + host + ":" + routed.getPort();
                    advertised += ",ROUTED://" + host + ":" + front.port();
                    protocols += ",ROUTED:PLAINTEXT";
                }
                p.put("listeners", listeners);
                p.put("advertised.listeners", advertised);
                p.put("listener.security.protocol.map", protocols);
                p.put("log.dirs", dir.resolve("data").toString());
                p.put("metadata.log.dir", dir.resolve("meta").toString());
                // a single node: every internal topic with one replica and few partitions, so they are made fast
                p.put("offsets.topic.replication.factor", "1");
                p.put("offsets.topic.num.partitions", "1");
                p.put("transaction.state.log.replication.factor", "1");
                p.put("transaction.state.log.min.isr", "1");
                p.put("transaction.state.log.num.partitions", "1");
                p.put("share.coordinator.state.topic.replication.factor", "1");
                p.put("share.coordinator.state.topic.min.isr", "1");
                p.put("share.coordinator.state.topic.num.partitions", "1");
                p.put("group.initial.rebalance.delay.ms", "0");
                p.put("num.partitions", "1");
                p.put("auto.create.topics.enable", "false");
                // a small footprint: the cleaner's dedupe buffer is 128 MiB of heap by default
                p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
                p.put("log.cleaner.threads", "1");
                p.put("num.network.threads", "2");
                p.put("num.io.threads", "2");
                p.put("background.threads", "2");
                p.put("num.recovery.threads.per.data.dir", "1");
                p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
                p.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
                p.put("controlled.shutdown.enable", "true");
                p.put("unstable.api.versions.enable", "false");
                p.putAll(overrides);

                Properties props = new Properties();
                props.putAll(p);
                Path config = dir.resolve("server.properties");
                try (OutputStream out = Files.newOutputStream(config)) {
                    props.store(out, "Facta EmbeddedKafka");
                }
                format(config);
                server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
                server.startup();
                EmbeddedKafka kafka = new EmbeddedKafka(host + ":" + client, server, dir, routed, front);
                awaitReady(kafka);
                return kafka;
            } catch (RuntimeException | IOException e) {
                if (server != null) {
                    try {
                        server.shutdown();
                        server.awaitShutdown();
                    } catch (RuntimeException ignored) {
                        // failing anyway
                    }
                }
                if (front != null) front.close();
                deleteTree(dir);
                throw e;
            }
        }
    }

    /** Formats the storage directories, as {@code kafka-storage.sh format} does. */
    private static void format(Path config) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exit = kafka.tools.StorageTool.execute(new String[]{"format", "-t", Uuid.randomUuid().toString(),
                    "-c", config.toString(), "--ignore-formatted"}, out);
        }
        if (exit != 0) {
            throw new FactaException("formatting the Kafka storage failed (" + exit + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    /** Waits until the broker answers a metadata request with itself in it. */
    private static void awaitReady(EmbeddedKafka kafka) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = kafka.admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) throw new FactaException("the embedded Kafka broker did not come up: " + e, e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FactaException("interrupted while starting Kafka", e);
                }
            }
        }
    }

    /** Free loopback ports, held open together so that no two are the same. */
    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) s.close();
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + dir + ": " + e);
        }
    }

    /**
     * The routed listener's advertised port: forwards each connection to the current target (the
     * listener itself, or a proxy in front of it). A connection the target refuses is closed at once,
     * as an unreachable broker's would be.
     */
    private static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        volatile InetSocketAddress target;

        Forwarder(InetSocketAddress target) throws IOException {
            this.target = target;
            this.server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofVirtual().name("facta-kafka-route-" + server.getLocalPort()).start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return;
                }
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 5000);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                } catch (IOException e) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            }
        }

        private void pump(Socket from, Socket to) {
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // one side closed
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                    sockets.remove(from);
                    sockets.remove(to);
                }
            });
        }

        @Override
        public void close() {
            closeQuietly(server);
            for (Socket s : sockets) closeQuietly(s);
        }

        private static void closeQuietly(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }
}
