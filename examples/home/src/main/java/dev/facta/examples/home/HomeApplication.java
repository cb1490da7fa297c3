package dev.facta.examples.home;

import dev.facta.runtime.PluginInfo;
import dev.facta.runtime.RuntimeServer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the home on the plugin runtime: {@code HomeApplication [home.yaml]}. Without an argument it
 * writes the bundled {@code home.yaml} to the working directory (when missing) and runs it; edit
 * the file while it runs and the change is applied. The plugins are found on the class path.
 */
public final class HomeApplication {
    private HomeApplication() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path config = Path.of(args.length > 0 ? args[0] : "home.yaml");
        if (args.length == 0 && Files.notExists(config)) {
            try (InputStream in = HomeApplication.class.getResourceAsStream("/home.yaml")) {
                Files.copy(in, config);
            }
        }
        RuntimeServer server = RuntimeServer.start(config, null);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("home: plugins " + server.runtime().plugins().stream().map(PluginInfo::id).toList()
                + "; admin on 127.0.0.1:" + server.adminPort() + " (facta runtime list --url http://127.0.0.1:" + server.adminPort() + ")");
        Thread.currentThread().join();
    }
}
