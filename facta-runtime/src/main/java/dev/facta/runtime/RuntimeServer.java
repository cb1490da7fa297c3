package dev.facta.runtime;

import dev.facta.InvalidInputException;
import dev.facta.runtime.admin.AdminServer;
import dev.facta.runtime.storage.KeyValueStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A runtime as a process runs it, from a configuration file: the plugin runtime on the configured
 * storage, the admin endpoint ({@code runtime.admin.port}), the host of remote plugins
 * ({@code runtime.remote.port}, when gRPC is on the class path), and a watch on the file that
 * applies a changed configuration without a restart (an invalid one is logged and ignored).
 * {@code main} runs one: {@code java dev.facta.runtime.RuntimeServer runtime.yaml}.
 */
public final class RuntimeServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RuntimeServer.class.getName());

    private final PluginRuntime runtime;
    private final AdminServer admin;
    private final AutoCloseable remote;
    private final Path configFile;
    private final ScheduledExecutorService watcher;
    private volatile FileTime lastModified;

    private RuntimeServer(RuntimeConfig config, Path configFile, Consumer<PluginRuntime.Builder> customize) {
        this.configFile = configFile;
        KeyValueStore store = config.openStorage();
        PluginRuntime.Builder b = PluginRuntime.builder().storage(store).config(config);
        if (customize != null) customize.accept(b);
        PluginRuntime rt = b.build();
        AdminServer adminServer = null;
        AutoCloseable remoteHost = null;
        try {
            rt.start();
            if (config.adminPort() != null) adminServer = AdminServer.start(rt, config.adminPort(), config.adminToken(), configFile == null ? null : this::reload);
            if (config.remotePort() != null) {
                requireGrpc();
                remoteHost = dev.facta.runtime.remote.RemotePluginHost.start(rt, config.remotePort());
            }
        } catch (RuntimeException e) {
            if (adminServer != null) adminServer.close();
            rt.close();
            store.close();
            throw e;
        }
        this.runtime = rt;
        this.admin = adminServer;
        this.remote = remoteHost;
        this.lastModified = modified();
        if (configFile != null) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "facta-runtime-config-watch");
                t.setDaemon(true);
                return t;
            });
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, 1, 1, TimeUnit.SECONDS);
        } else {
            watcher = null;
        }
    }

    private static void requireGrpc() {
        try {
            Class.forName("io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder", false, RuntimeServer.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new InvalidInputException("runtime.remote.port",
                    "remote plugins need grpc-netty-shaded, grpc-protobuf and grpc-stub on the class path (optional dependencies of facta-runtime)");
        }
    }

    /** Starts from a configuration file, watched for changes. */
    public static RuntimeServer start(Path configFile, Consumer<PluginRuntime.Builder> customize) {
        return new RuntimeServer(RuntimeConfig.load(configFile), configFile, customize);
    }

    /** Starts from a configuration with no file (no reload). */
    public static RuntimeServer start(RuntimeConfig config, Consumer<PluginRuntime.Builder> customize) {
        return new RuntimeServer(config, null, customize);
    }

    public PluginRuntime runtime() {
        return runtime;
    }

    /** The admin endpoint's port, or -1 without one. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** The remote plugin host's port, or -1 without one. */
    public int remotePort() {
        return remote instanceof dev.facta.runtime.remote.RemotePluginHost h ? h.port() : -1;
    }

    /**
     * Reads the configuration file again and applies it.
     *
     * @throws InvalidInputException the file is invalid; nothing was changed
     */
    public boolean reload() {
        RuntimeConfig config = RuntimeConfig.load(configFile);
        lastModified = modified();
        runtime.reconfigure(config);
        LOG.log(System.Logger.Level.INFO, "configuration reloaded from " + configFile);
        return true;
    }

    private void reloadIfChanged() {
        FileTime now = modified();
        if (now == null || now.equals(lastModified)) return;
        try {
            reload();
        } catch (InvalidInputException e) {
            lastModified = now;
            LOG.log(System.Logger.Level.ERROR, "configuration " + configFile + " not applied: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "configuration " + configFile + " not applied", e);
        }
    }

    private FileTime modified() {
        try {
            return configFile == null ? null : Files.getLastModifiedTime(configFile);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (watcher != null) watcher.shutdownNow();
        if (remote != null) {
            try {
                remote.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "closing the remote plugin host failed", e);
            }
        }
        if (admin != null) admin.close();
        KeyValueStore store = runtime.storage();
        runtime.close();
        store.close();
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: RuntimeServer <runtime.yaml>");
            System.exit(2);
        }
        RuntimeServer server = start(Path.of(args[0]), null);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("facta runtime: admin on 127.0.0.1:" + server.adminPort() + ", plugins: "
                + server.runtime().plugins().stream().map(PluginInfo::id).toList());
        Thread.currentThread().join();
    }
}
