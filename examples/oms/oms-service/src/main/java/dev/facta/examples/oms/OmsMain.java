package dev.facta.examples.oms;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.examples.oms.app.OmsConfig;
import dev.facta.examples.oms.ops.JsonLogging;
import dev.facta.store.EventStores;

import java.io.PrintStream;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * Runs the order management service until SIGTERM (or Ctrl-C), then shuts it down gracefully.
 *
 * <p>Configuration, each from a command-line option or else an environment variable:
 * <table>
 * <caption>Settings</caption>
 * <tr><th>option</th><th>environment</th><th>default</th></tr>
 * <tr><td>{@code --store URL}</td><td>{@code OMS_STORE_URL}</td><td>{@code sqlite:./oms-data/oms.db}</td></tr>
 * <tr><td>{@code --http-port N}</td><td>{@code OMS_HTTP_PORT}</td><td>8080 (REST, health, metrics)</td></tr>
 * <tr><td>{@code --grpc-port N}</td><td>{@code OMS_GRPC_PORT}</td><td>9090</td></tr>
 * <tr><td>{@code --host ADDRESS}</td><td>{@code OMS_HOST}</td><td>{@code 0.0.0.0}</td></tr>
 * <tr><td>{@code --kafka BOOTSTRAP}</td><td>{@code OMS_KAFKA_BOOTSTRAP}</td><td>none (no Kafka)</td></tr>
 * <tr><td>{@code --kafka-topic NAME}</td><td>{@code OMS_KAFKA_TOPIC}</td><td>{@code oms.orders}</td></tr>
 * <tr><td>{@code --payment-timeout D}</td><td>{@code OMS_PAYMENT_TIMEOUT}</td><td>{@code 10s} ({@code 500ms}, {@code 2m}, ISO {@code PT10S})</td></tr>
 * <tr><td>{@code --db-password P}</td><td>{@code OMS_DB_PASSWORD}</td><td>none: added to a PostgreSQL URL that has none</td></tr>
 * <tr><td>{@code --log-requests true|false}</td><td>{@code OMS_LOG_REQUESTS}</td><td>true</td></tr>
 * <tr><td>{@code --log-format json|text}</td><td>{@code OMS_LOG_FORMAT}</td><td>json</td></tr>
 * <tr><td>{@code --log-level LEVEL}</td><td>{@code OMS_LOG_LEVEL}</td><td>INFO</td></tr>
 * </table>
 *
 * <p>Exit codes: 0 after a clean shutdown, 1 when the service cannot start, 2 on bad usage.
 */
public final class OmsMain {
    private static final System.Logger LOG = System.getLogger(OmsMain.class.getName());

    /** Option name -> environment variable, in the order usage lists them. */
    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("store", "OMS_STORE_URL");
        OPTIONS.put("http-port", "OMS_HTTP_PORT");
        OPTIONS.put("grpc-port", "OMS_GRPC_PORT");
        OPTIONS.put("host", "OMS_HOST");
        OPTIONS.put("kafka", "OMS_KAFKA_BOOTSTRAP");
        OPTIONS.put("kafka-topic", "OMS_KAFKA_TOPIC");
        OPTIONS.put("payment-timeout", "OMS_PAYMENT_TIMEOUT");
        OPTIONS.put("db-password", "OMS_DB_PASSWORD");
        OPTIONS.put("log-requests", "OMS_LOG_REQUESTS");
        OPTIONS.put("log-format", "OMS_LOG_FORMAT");
        OPTIONS.put("log-level", "OMS_LOG_LEVEL");
    }

    private OmsMain() {
    }

    /**
     * What the command line and environment ask for.
     *
     * @param config   the application's configuration
     * @param settings where the server listens
     * @param jsonLogs JSON lines (true) or the JDK's plain format
     * @param logLevel the root log level
     */
    public record Launch(OmsConfig config, OmsServer.Settings settings, boolean jsonLogs, Level logLevel) {
    }

    public static void main(String[] args) {
        Launch launch;
        try {
            launch = parse(args, System.getenv());
        } catch (InvalidInputException e) {
            System.err.println("oms: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        if (launch == null) {
            System.out.println(usage());
            return;
        }
        if (launch.jsonLogs()) JsonLogging.install(System.out, launch.logLevel());
        else java.util.logging.Logger.getLogger("").setLevel(launch.logLevel());
        OmsServer server;
        try {
            server = OmsServer.start(launch.config(), launch.settings());
        } catch (FactaException | IllegalStateException | java.io.UncheckedIOException e) {
            LOG.log(System.Logger.Level.ERROR, "the order management service could not start: " + e.getMessage(), e);
            System.err.println("oms: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // the JDK resets java.util.logging in a shutdown hook of its own, so these lines go straight to the output
            announce(launch, "shutting down: readiness is down, calls in flight finish");
            server.close();
            announce(launch, "stopped");
            stopped.countDown();
        }, "oms-shutdown"));
        printWhereToLook(System.out, server, launch);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void announce(Launch launch, String message) {
        if (launch.jsonLogs()) {
            java.util.logging.LogRecord r = new java.util.logging.LogRecord(Level.INFO, message);
            r.setLoggerName(OmsMain.class.getName());
            System.out.print(new dev.facta.observability.JsonLogFormatter().format(r));
        } else {
            System.out.println("oms: " + message);
        }
        System.out.flush();
    }

    static void printWhereToLook(PrintStream out, OmsServer server, Launch launch) {
        String base = server.httpUrl();
        String text = String.join("\n",
                "Order management service on " + EventStores.redact(launch.config().storeUrl()),
                "  REST     " + base + "/orders  (Idempotency-Key header on POST)",
                "  gRPC     " + server.grpcTarget() + "  (facta.oms.v1.OrderService)",
                "  health   " + base + "/health/live  " + base + "/health/ready",
                "  metrics  " + base + "/metrics",
                "  try:     curl -s -X POST " + base + "/stock/SKU_1 -H 'Idempotency-Key: r1' -d '{\"quantity\": 10}'",
                "           curl -s -X POST " + base + "/orders -H 'Idempotency-Key: o1' -d '{\"customerId\": \"c1\", "
                        + "\"currency\": \"EUR\", \"lines\": [{\"sku\": \"SKU_1\", \"quantity\": 2, \"unitPrice\": 9.90}], "
                        + "\"payment\": {\"token\": \"tok_visa\"}}'",
                "Stop with Ctrl-C or SIGTERM.");
        if (launch.jsonLogs()) {
            LOG.log(System.Logger.Level.INFO, text);
        } else {
            out.println(text);
        }
    }

    /**
     * Reads the options ({@code --name value} or {@code --name=value}), each falling back to its environment variable.
     *
     * @return the launch, or null when {@code --help} was asked for
     * @throws InvalidInputException an unknown option, a missing value or a malformed one (names it)
     */
    public static Launch parse(String[] args, Map<String, String> env) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) return null;
            if (!a.startsWith("--")) throw new InvalidInputException(a, "unexpected argument '" + a + "'");
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.length) throw new InvalidInputException("--" + name, "--" + name + " needs a value");
                value = args[++i];
            }
            if (!OPTIONS.containsKey(name)) throw new InvalidInputException("--" + name, "unknown option --" + name);
            given.put(name, value);
        }
        Function<String, String> get = name -> {
            String v = given.get(name);
            if (v == null) v = env.get(OPTIONS.get(name));
            return v == null || v.isBlank() ? null : v.strip();
        };
        String store = or(get.apply("store"), "sqlite:./oms-data/oms.db");
        String password = get.apply("db-password");
        if (password != null) store = withPassword(store, password);
        OmsConfig.Builder config = OmsConfig.builder(store);
        String timeout = get.apply("payment-timeout");
        if (timeout != null) config.paymentTimeout(duration("payment-timeout", timeout));
        String kafka = get.apply("kafka");
        if (kafka != null) config.kafka(kafka, or(get.apply("kafka-topic"), OmsConfig.DEFAULT_TOPIC));
        OmsServer.Settings settings = new OmsServer.Settings(or(get.apply("host"), "0.0.0.0"),
                port("http-port", or(get.apply("http-port"), "8080")), port("grpc-port", or(get.apply("grpc-port"), "9090")),
                bool("log-requests", or(get.apply("log-requests"), "true")), Duration.ofSeconds(5), Duration.ofSeconds(10));
        String format = or(get.apply("log-format"), "json").toLowerCase(Locale.ROOT);
        if (!format.equals("json") && !format.equals("text")) {
            throw new InvalidInputException("log-format", "--log-format is json or text, got " + format);
        }
        Level level;
        try {
            level = Level.parse(or(get.apply("log-level"), "INFO").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("log-level", "--log-level is one of SEVERE, WARNING, INFO, FINE, ALL, OFF");
        }
        return new Launch(config.build(), settings, format.equals("json"), level);
    }

    /** A PostgreSQL URL with the password added (kept out of ConfigMaps: it comes from a Secret). */
    static String withPassword(String url, String password) {
        String enc = java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8);
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            int scheme = url.indexOf("://") + 3;
            int at = url.indexOf('@', scheme);
            int slash = url.indexOf('/', scheme);
            if (at < 0 || (slash >= 0 && at > slash)) {
                throw new InvalidInputException("db-password", "the store URL names no user to give the password to");
            }
            String user = url.substring(scheme, at);
            if (user.contains(":")) return url; // the URL has its own password
            return url.substring(0, at) + ":" + enc + url.substring(at);
        }
        if (url.startsWith("jdbc:postgresql:")) {
            if (url.contains("password=")) return url;
            return url + (url.contains("?") ? "&" : "?") + "password=" + enc;
        }
        throw new InvalidInputException("db-password", "a database password applies to a PostgreSQL store URL only");
    }

    private static String or(String v, String dflt) {
        return v == null ? dflt : v;
    }

    private static int port(String name, String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw new InvalidInputException(name, "--" + name + " is a port number 0-65535, got '" + v + "'");
    }

    private static boolean bool(String name, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> throw new InvalidInputException(name, "--" + name + " is true or false, got '" + v + "'");
        };
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, a plain number of seconds, or ISO-8601 ({@code PT10S}). */
    static Duration duration(String name, String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        Duration d;
        try {
            if (s.startsWith("pt")) d = Duration.parse(s.toUpperCase(Locale.ROOT));
            else if (s.endsWith("ms")) d = Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).strip()));
            else if (s.endsWith("s")) d = Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1).strip()) * 1000));
            else if (s.endsWith("m")) d = Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).strip()) * 60);
            else d = Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new InvalidInputException(name, "--" + name + " is a duration like 10s, 500ms or PT10S, got '" + v + "'");
        }
        if (d.isNegative() || d.isZero()) throw new InvalidInputException(name, "--" + name + " must be positive, got '" + v + "'");
        return d;
    }

    static String usage() {
        StringBuilder b = new StringBuilder("usage: java -cp ... dev.facta.examples.oms.OmsMain [options]\n");
        OPTIONS.forEach((option, env) -> b.append(String.format("  --%-18s (%s)%n", option + " V", env)));
        return b.toString().stripTrailing();
    }
}
