package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code facta runtime ...}: operates a running plugin runtime through its admin endpoint
 * ({@code runtime.admin.port} in its configuration; see docs/runtime.md). The endpoint is found with
 * {@code --url}, else {@code FACTA_RUNTIME_URL}, else {@code http://127.0.0.1:7070}; a token with
 * {@code --token} or {@code FACTA_RUNTIME_TOKEN}.
 */
@Command(name = "runtime",
        description = {"Operate a running plugin runtime: list, load, unload and restart plugins, show their statistics.",
                "Talks to the runtime's admin endpoint (--url, FACTA_RUNTIME_URL, default http://127.0.0.1:7070)."},
        subcommands = {RuntimeCommand.ListPlugins.class, RuntimeCommand.Load.class, RuntimeCommand.Unload.class,
                RuntimeCommand.Restart.class, RuntimeCommand.Stats.class})
final class RuntimeCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Spec
    CommandSpec spec;

    @Option(names = "--url", scope = picocli.CommandLine.ScopeType.INHERIT, description = "The runtime's admin endpoint (default: FACTA_RUNTIME_URL, else http://127.0.0.1:7070).")
    String url;

    @Option(names = "--token", scope = picocli.CommandLine.ScopeType.INHERIT, description = "The admin token, when the runtime has one (default: FACTA_RUNTIME_TOKEN).")
    String token;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: list, load, unload, restart or stats");
    }

    private String base() {
        String u = url != null ? url : System.getenv().getOrDefault("FACTA_RUNTIME_URL", "http://127.0.0.1:7070");
        if (!u.startsWith("http://") && !u.startsWith("https://")) throw new InvalidInputException("url", "--url must be an http:// address: " + u);
        return u.replaceAll("/+$", "");
    }

    /** Sends one request and returns its JSON body; an error answer becomes a typed exception. */
    JsonNode request(String method, String path, String body) {
        String address = base() + path;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        String t = token != null ? token : System.getenv("FACTA_RUNTIME_TOKEN");
        if (t != null && !t.isBlank()) b.header("Authorization", "Bearer " + t);
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new FactaException("no runtime answers at " + base() + " (is it running with runtime.admin.port set?)");
        } catch (IOException e) {
            throw new FactaException("cannot reach the runtime at " + base() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FactaException("interrupted");
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            throw new FactaException(address + " answered " + response.statusCode() + " with something that is not JSON");
        }
        int status = response.statusCode();
        if (status >= 400 && status != 503) {
            String message = json.path("message").asString(json.toString());
            if (status == 400) throw new InvalidInputException("request", message);
            if (status == 401) throw new FactaException("the runtime refused the token: give --token or FACTA_RUNTIME_TOKEN");
            throw new FactaException(message);
        }
        return json;
    }

    static String plugin(JsonNode p) {
        JsonNode s = p.path("stats");
        return String.format("%-20s %-9s %-10s %8d %7d %7d  %s", p.path("id").asString(), p.path("state").asString(),
                p.path("version").asString(), s.path("restarts").asLong(), s.path("callsServed").asLong(), s.path("errors").asLong(),
                String.join(",", p.path("services").valueStream().map(JsonNode::asString).toList()));
    }

    static final String HEADER = String.format("%-20s %-9s %-10s %8s %7s %7s  %s", "PLUGIN", "STATE", "VERSION", "RESTARTS", "CALLS", "ERRORS", "SERVICES");

    @Command(name = "list", description = "List the plugins with their state, version, restarts, calls served, errors and services.")
    static final class ListPlugins implements Callable<Integer> {
        @ParentCommand
        RuntimeCommand parent;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            JsonNode plugins = parent.request("GET", "/plugins", null).path("plugins");
            out.println(HEADER);
            for (JsonNode p : plugins) out.println(plugin(p));
            if (plugins.isEmpty()) out.println("(no plugins loaded)");
            return Main.OK;
        }
    }

    @Command(name = "load", description = "Load the plugins of a jar (a path on the runtime's machine) and start them.")
    static final class Load implements Callable<Integer> {
        @ParentCommand
        RuntimeCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "JAR", description = "The plugin jar.")
        Path jar;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(jar)) throw new InvalidInputException("jar", "no such file: " + jar);
            String body = JSON.writeValueAsString(Map.of("jar", jar.toAbsolutePath().toString()));
            JsonNode loaded = parent.request("POST", "/plugins", body).path("loaded");
            spec.commandLine().getOut().println("loaded " + String.join(", ", loaded.valueStream().map(JsonNode::asString).toList()));
            return Main.OK;
        }
    }

    /** A command acting on one plugin: the request it sends and what it prints of the answer. */
    abstract static class PluginAction implements Callable<Integer> {
        @ParentCommand
        RuntimeCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "PLUGIN", description = "The plugin's id.")
        String id;

        abstract String act();

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(act());
            return Main.OK;
        }
    }

    @Command(name = "unload", description = "Stop a plugin and remove it with its services and subscriptions.")
    static final class Unload extends PluginAction {
        @Override
        String act() {
            parent.request("DELETE", "/plugins/" + id, null);
            return "unloaded " + id;
        }
    }

    @Command(name = "restart", description = "Stop and start a plugin now, forgetting its backoff.")
    static final class Restart extends PluginAction {
        @Override
        String act() {
            return "restarted " + id + ": " + parent.request("POST", "/plugins/" + id + "/restart", null).path("state").asString();
        }
    }

    @Command(name = "stats", description = "Events, service calls, errors and restarts per plugin, and the runtime's health.")
    static final class Stats implements Callable<Integer> {
        @ParentCommand
        RuntimeCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "PLUGIN", arity = "0..1", description = "Only this plugin.")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            JsonNode health = parent.request("GET", "/health", null);
            out.println("runtime: " + health.path("status").asString());
            out.println(String.format("%-20s %-9s %9s %9s %7s %7s %7s %8s", "PLUGIN", "STATE", "PUBLISHED", "RECEIVED", "SERVED", "MADE", "ERRORS", "RESTARTS"));
            Iterable<JsonNode> plugins = id == null ? parent.request("GET", "/plugins", null).path("plugins")
                    : java.util.List.of(parent.request("GET", "/plugins/" + id, null));
            for (JsonNode p : plugins) {
                JsonNode s = p.path("stats");
                out.println(String.format("%-20s %-9s %9d %9d %7d %7d %7d %8d", p.path("id").asString(), p.path("state").asString(),
                        s.path("eventsPublished").asLong(), s.path("eventsReceived").asLong(), s.path("callsServed").asLong(),
                        s.path("callsMade").asLong(), s.path("errors").asLong(), s.path("restarts").asLong()));
                if (!p.path("lastError").isNull() && !p.path("lastError").asString("").isEmpty()) {
                    out.println("    last error: " + p.path("lastError").asString());
                }
            }
            return Main.OK;
        }
    }
}
