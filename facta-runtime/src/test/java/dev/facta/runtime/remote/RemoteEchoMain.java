package dev.facta.runtime.remote;

/**
 * A remote plugin in its own JVM, for the tests: service {@code remote.echo} answers with its
 * process id; every {@code ping.*} event is answered with a {@code pong} event.
 */
public final class RemoteEchoMain {
    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        long pid = ProcessHandle.current().pid();
        RemotePluginClient[] self = new RemotePluginClient[1];
        self[0] = RemotePluginClient.builder("127.0.0.1", port, "echo-remote").version("2.0.0")
                .maxBackoff(java.time.Duration.ofMillis(500))
                .service("remote.echo", (method, json) -> "{\"pid\":" + pid + ",\"method\":\"" + method + "\",\"args\":" + json + "}")
                .subscribe("ping.*", e -> self[0].publish("pong", "{\"pid\":" + pid + ",\"topic\":\"" + e.topic() + "\"}"))
                .connect();
        System.out.println("remote plugin started, pid " + pid);
        Thread.currentThread().join();
    }
}
