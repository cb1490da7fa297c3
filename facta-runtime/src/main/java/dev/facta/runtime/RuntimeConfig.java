package dev.facta.runtime;

import dev.facta.InvalidInputException;
import dev.facta.runtime.storage.KeyValueStore;
import dev.facta.runtime.storage.SqliteKeyValueStore;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runtime's configuration, read from YAML and checked whole: an unknown key, a value of the
 * wrong kind or out of range is refused with an {@link InvalidInputException} naming its path
 * ({@code runtime.backoff.initial}), and nothing of the file is applied.
 *
 * <pre>
 * runtime:
 *   storage: sqlite:facta-data/runtime.db    # or postgresql://user@host:port/db?schema=s, redis://host:port
 *   plugins-dir: plugins
 *   admin: {port: 7070, token: secret}
 *   remote: {port: 7071}
 *   backoff: {initial: 200ms, max: 30s}
 *   restart-after-failures: 5
 *   health-interval: 5s
 * services:
 *   defaults: {timeout: 5s, rate: 0, burst: 0, failures: 5, open-for: 5s}
 *   devices: {timeout: 2s, rate: 100}
 * plugins:
 *   automation: {enabled: true, settings: {rules: [...]}}
 * </pre>
 */
public record RuntimeConfig(String storage, Path pluginsDirectory, Integer adminPort, String adminToken, Integer remotePort,
                            Duration backoffInitial, Duration backoffMax, int restartAfterFailures, Duration healthInterval,
                            ServiceOptions serviceDefaults, Map<String, ServiceOptions> services, Map<String, PluginConfig> plugins) {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    public RuntimeConfig {
        services = Map.copyOf(services);
        plugins = Map.copyOf(plugins);
    }

    /** The configuration of a runtime given no file. */
    public static RuntimeConfig defaults() {
        return parse("{}");
    }

    public static RuntimeConfig load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidInputException("config", "cannot read " + file + ": " + e.getMessage());
        }
    }

    public static RuntimeConfig parse(String yamlText) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yamlText);
        } catch (YAMLException e) {
            throw new InvalidInputException("config", "malformed YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        Map<String, Object> top = root == null ? Map.of() : map(root, "(root)");
        keys(top, "", Set.of("runtime", "services", "plugins"));
        Map<String, Object> rt = map(top.getOrDefault("runtime", Map.of()), "runtime");
        keys(rt, "runtime.", Set.of("storage", "plugins-dir", "admin", "remote", "backoff", "restart-after-failures", "health-interval"));
        String storage = string(rt.getOrDefault("storage", "sqlite:facta-data/runtime.db"), "runtime.storage");
        if (!storage.startsWith("sqlite:") && !storage.startsWith("postgresql:") && !storage.startsWith("jdbc:postgresql:")
                && !storage.startsWith("redis:") && !storage.startsWith("memory:")) {
            throw new InvalidInputException("runtime.storage", "storage must be sqlite:PATH, postgresql://..., redis://host:port or memory: : " + storage);
        }
        Path dir = rt.get("plugins-dir") == null ? null : Path.of(string(rt.get("plugins-dir"), "runtime.plugins-dir"));
        Map<String, Object> admin = map(rt.getOrDefault("admin", Map.of()), "runtime.admin");
        keys(admin, "runtime.admin.", Set.of("port", "token"));
        Integer adminPort = admin.get("port") == null ? null : port(admin.get("port"), "runtime.admin.port");
        String token = admin.get("token") == null ? null : string(admin.get("token"), "runtime.admin.token");
        Map<String, Object> remote = map(rt.getOrDefault("remote", Map.of()), "runtime.remote");
        keys(remote, "runtime.remote.", Set.of("port"));
        Integer remotePort = remote.get("port") == null ? null : port(remote.get("port"), "runtime.remote.port");
        Map<String, Object> backoff = map(rt.getOrDefault("backoff", Map.of()), "runtime.backoff");
        keys(backoff, "runtime.backoff.", Set.of("initial", "max"));
        Duration initial = duration(backoff.getOrDefault("initial", "200ms"), "runtime.backoff.initial");
        Duration max = duration(backoff.getOrDefault("max", "30s"), "runtime.backoff.max");
        if (initial.toMillis() < 1 || max.compareTo(initial) < 0) {
            throw new InvalidInputException("runtime.backoff", "backoff needs 1ms <= initial <= max");
        }
        int restartAfter = integer(rt.getOrDefault("restart-after-failures", 5), "runtime.restart-after-failures", 1, 1_000_000);
        Duration health = duration(rt.getOrDefault("health-interval", "5s"), "runtime.health-interval");
        if (health.toMillis() < 10) throw new InvalidInputException("runtime.health-interval", "health interval must be at least 10ms");

        Map<String, Object> svc = map(top.getOrDefault("services", Map.of()), "services");
        ServiceOptions defaults = serviceOptions(svc.getOrDefault("defaults", Map.of()), "services.defaults", ServiceOptions.DEFAULTS);
        Map<String, ServiceOptions> services = new LinkedHashMap<>();
        for (var e : svc.entrySet()) {
            if (e.getKey().equals("defaults")) continue;
            ServiceKey.json(e.getKey()); // checks the name
            services.put(e.getKey(), serviceOptions(e.getValue(), "services." + e.getKey(), defaults));
        }
        Map<String, PluginConfig> plugins = new LinkedHashMap<>();
        for (var e : map(top.getOrDefault("plugins", Map.of()), "plugins").entrySet()) {
            String path = "plugins." + e.getKey();
            Map<String, Object> p = map(e.getValue() == null ? Map.of() : e.getValue(), path);
            keys(p, path + ".", Set.of("enabled", "settings"));
            Object enabled = p.getOrDefault("enabled", true);
            if (!(enabled instanceof Boolean b)) throw new InvalidInputException(path + ".enabled", "enabled must be true or false");
            Map<String, Object> settings = map(p.getOrDefault("settings", Map.of()), path + ".settings");
            textKeys(settings, path + ".settings");
            plugins.put(e.getKey(), new PluginConfig(b, settings));
        }
        return new RuntimeConfig(storage, dir, adminPort, token, remotePort, initial, max, restartAfter, health, defaults, services, plugins);
    }

    /** Opens the storage backend the configuration names. */
    public KeyValueStore openStorage() {
        return openStorage(storage);
    }

    /**
     * Opens a storage backend by URL: {@code sqlite:PATH}, {@code postgresql://user@host:port/db?schema=name}
     * (schema {@code facta_runtime} by default), {@code redis://host:port} (key prefix {@code facta:}).
     */
    public static KeyValueStore openStorage(String url) {
        if (url.startsWith("sqlite:")) return SqliteKeyValueStore.open(Path.of(url.substring("sqlite:".length())));
        if (url.startsWith("memory:")) {
            try {
                Path tmp = Files.createTempFile("facta-runtime", ".db");
                tmp.toFile().deleteOnExit();
                return SqliteKeyValueStore.open(tmp);
            } catch (IOException e) {
                throw new InvalidInputException("storage", "cannot create a temporary storage file: " + e.getMessage());
            }
        }
        if (url.startsWith("redis:")) return dev.facta.runtime.storage.redis.RedisKeyValueStore.open(url, "facta:");
        String jdbc = url.startsWith("jdbc:") ? url : "jdbc:" + url;
        String schema = "facta_runtime";
        Matcher m = Pattern.compile("[?&]schema=([a-z_][a-z0-9_]*)").matcher(jdbc);
        if (m.find()) {
            schema = m.group(1);
            jdbc = jdbc.replaceAll("([?&])schema=[a-z0-9_]*&?", "$1").replaceAll("[?&]$", "");
        }
        // postgresql://user@host:port/db: pgjdbc wants the user as a parameter
        Matcher user = Pattern.compile("^jdbc:postgresql://([^@/]+)@").matcher(jdbc);
        if (user.find()) {
            jdbc = "jdbc:postgresql://" + jdbc.substring(user.end()) + (jdbc.contains("?") ? "&" : "?") + "user=" + user.group(1);
        }
        return dev.facta.runtime.storage.postgres.PostgresKeyValueStore.open(jdbc, schema);
    }

    private static ServiceOptions serviceOptions(Object value, String path, ServiceOptions base) {
        Map<String, Object> m = map(value == null ? Map.of() : value, path);
        keys(m, path + ".", Set.of("timeout", "rate", "burst", "failures", "open-for"));
        Duration timeout = m.containsKey("timeout") ? duration(m.get("timeout"), path + ".timeout") : base.timeout();
        if (timeout.isZero()) throw new InvalidInputException(path + ".timeout", "timeout must be positive");
        double rate = m.containsKey("rate") ? number(m.get("rate"), path + ".rate") : base.ratePerSecond();
        int burst = m.containsKey("burst") ? integer(m.get("burst"), path + ".burst", 0, 1_000_000) : (m.containsKey("rate") ? 0 : base.burst());
        int failures = m.containsKey("failures") ? integer(m.get("failures"), path + ".failures", 1, 1_000_000) : base.failureThreshold();
        Duration openFor = m.containsKey("open-for") ? duration(m.get("open-for"), path + ".open-for") : base.openFor();
        try {
            return new ServiceOptions(timeout, rate, burst, failures, openFor);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(path + "." + e.field(), e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v, String path) {
        if (!(v instanceof Map<?, ?> m)) throw new InvalidInputException(path, path + " must be a mapping");
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) throw new InvalidInputException(path, path + " has a key that is not text: " + k);
        }
        return (Map<String, Object>) m;
    }

    /** Settings reach plugins as JSON-like maps: every key, however deep, must be text. */
    private static void textKeys(Object v, String path) {
        if (v instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new InvalidInputException(path, path + " has the key " + e.getKey()
                            + ", which YAML read as a " + (e.getKey() == null ? "null" : e.getKey().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
                            + "; quote it (YAML reads on, off, yes, no as booleans)");
                }
                textKeys(e.getValue(), path + "." + k);
            }
        } else if (v instanceof java.util.List<?> l) {
            for (int i = 0; i < l.size(); i++) textKeys(l.get(i), path + "[" + i + "]");
        }
    }

    private static void keys(Map<String, Object> m, String prefix, Set<String> allowed) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                throw new InvalidInputException(prefix + k, "unknown setting " + prefix + k + " (expected one of " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String string(Object v, String path) {
        if (!(v instanceof String s) || s.isBlank()) throw new InvalidInputException(path, path + " must be non-empty text");
        return s;
    }

    private static int integer(Object v, String path, int min, int max) {
        if (!(v instanceof Integer i) || i < min || i > max) throw new InvalidInputException(path, path + " must be a whole number from " + min + " to " + max + ": " + v);
        return i;
    }

    private static Integer port(Object v, String path) {
        return integer(v, path, 0, 65535);
    }

    private static double number(Object v, String path) {
        if (!(v instanceof Number n) || n.doubleValue() < 0) throw new InvalidInputException(path, path + " must be a number >= 0: " + v);
        return n.doubleValue();
    }

    /** {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, or a number of milliseconds. */
    static Duration duration(Object v, String path) {
        if (v instanceof Integer i && i >= 0) return Duration.ofMillis(i);
        if (v instanceof String s) {
            Matcher m = DURATION.matcher(s.trim());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
        }
        throw new InvalidInputException(path, path + " must be a duration such as 250ms, 5s, 2m: " + v);
    }
}
