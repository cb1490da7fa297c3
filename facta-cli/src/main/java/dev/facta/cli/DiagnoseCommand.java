package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresMigrations;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.postgres.PostgresProvider;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionState;
import dev.facta.projection.ProjectionStatus;
import dev.facta.projection.ProjectionStore;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.sqlite.SqliteSchema;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code facta diagnose}: is a store usable, and are the projections on it keeping up? Checks, in
 * order, connectivity (open the store, time a read of the head of the log), the schema version,
 * every projection's lag, dead letters and failures, and, on PostgreSQL, the skew between the
 * database's clock and this machine's; then prints one verdict line:
 *
 * <ul>
 *   <li>{@code verdict: healthy} (exit 0): everything checked is fine;</li>
 *   <li>{@code verdict: degraded (...)} (exit 1): the store works but something needs attention
 *       (pending migrations, a projection behind by more than {@code --max-lag}, stopped or with dead
 *       letters, a clock skew above {@code --max-skew}, a slow head read);</li>
 *   <li>{@code verdict: failing (...)} (exit 1): the store cannot be used (unreachable, no Facta schema,
 *       a read that fails).</li>
 * </ul>
 *
 * The report is the command's output, on stdout, also when the verdict is failing; when it is not
 * healthy, the verdict is repeated as one line on stderr, as every failing {@code facta} command does.
 * Diagnose changes nothing: PostgreSQL is opened without migrating, and an SQLite file with pending
 * migrations is only read (opening it as a store would migrate it).
 */
@Command(name = "diagnose",
        description = {"Check a store: connectivity, schema version, projection lag, clock skew; end with a verdict line.",
                "Exit 0 when healthy, 1 when degraded or failing (the report is on stdout, the verdict also on stderr).",
                "Changes nothing: no migrations, no writes."})
final class DiagnoseCommand implements Callable<Integer> {
    /** A head read slower than this makes the store degraded. */
    static final Duration SLOW_READ = Duration.ofSeconds(1);

    @Mixin
    StoreOption store;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "PostgreSQL: how long to wait for a connection (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--max-lag", paramLabel = "DURATION", defaultValue = "60s",
            description = "An active projection further behind than this makes the store degraded (default: ${DEFAULT-VALUE}).")
    String maxLag;

    @Option(names = "--max-skew", paramLabel = "DURATION", defaultValue = "1s",
            description = "A clock skew between PostgreSQL and this machine beyond this makes the store degraded"
                    + " (default: ${DEFAULT-VALUE}).")
    String maxSkew;

    @Spec
    CommandSpec spec;

    enum Level { OK, INFO, DEGRADED, FAILING }

    /** One check's outcome: a level, what was found, the details printed below it, and the reason for the verdict. */
    record Finding(String check, Level level, String summary, List<String> details, String reason) {
    }

    /** The checks in the order they are reported. */
    static final List<String> CHECKS = List.of("connectivity", "schema", "projections", "clock skew");

    private final List<Finding> findings = new ArrayList<>();

    @Override
    public Integer call() {
        Duration connectTimeout = Durations.parse(timeout, "--timeout");
        Duration lagLimit = Durations.parse(maxLag, "--max-lag");
        Duration skewLimit = Durations.parse(maxSkew, "--max-skew");
        String url = store.url;
        if (!Stores.isSqlite(url) && !Stores.isPostgres(url) && !Stores.isMemory(url)) {
            throw new InvalidInputException("store", "cannot diagnose '" + EventStores.redact(url)
                    + "': not a sqlite:, memory: or postgresql:// store URL");
        }
        if (Stores.isPostgres(url)) PostgresProvider.parse(url); // a malformed URL is bad usage, not a failing store

        PrintWriter out = spec.commandLine().getOut();
        out.println("store:        " + EventStores.redact(url));
        if (Stores.isPostgres(url)) {
            postgres(url, connectTimeout, lagLimit, skewLimit);
        } else if (Stores.isSqlite(url)) {
            sqlite(url, lagLimit);
        } else {
            memory(url, lagLimit);
        }
        findings.sort(java.util.Comparator.comparingInt(f -> CHECKS.indexOf(f.check())));
        for (Finding f : findings) {
            out.printf("%-13s %-9s %s%n", f.check() + ":", f.level().name().toLowerCase(Locale.ROOT), f.summary());
            for (String d : f.details()) out.println("                        " + d);
        }
        Level worst = Level.OK;
        List<String> reasons = new ArrayList<>();
        for (Finding f : findings) {
            if (f.level().compareTo(worst) > 0) {
                worst = f.level();
                reasons.clear();
            }
            if (f.level() == worst && f.reason() != null) reasons.add(f.reason());
        }
        String verdict = switch (worst) {
            case OK, INFO -> "healthy";
            case DEGRADED -> "degraded (" + String.join("; ", reasons) + ")";
            case FAILING -> "failing (" + String.join("; ", reasons) + ")";
        };
        out.println("verdict: " + verdict);
        out.flush();
        if (worst == Level.OK || worst == Level.INFO) return Main.OK;
        spec.commandLine().getErr().println("facta: diagnose: the store is " + verdict);
        return Main.FAILED;
    }

    // ------------------------------------------------------------------ stores

    private void memory(String url, Duration lagLimit) {
        long t0 = System.nanoTime();
        try (EventStore es = Stores.openForRead(url)) {
            long opened = System.nanoTime() - t0;
            if (!headRead(es, opened)) return;
            add("schema", Level.INFO, "none: an in-memory store keeps nothing beyond this process", null);
            projections(es, new InMemoryProjectionStore(), lagLimit);
            add("clock skew", Level.INFO, "not applicable: the store uses this machine's clock", null);
        }
    }

    private void sqlite(String url, Duration lagLimit) {
        Path file = Stores.sqlitePath(url);
        if (!Files.isRegularFile(file)) {
            add("connectivity", Level.FAILING, "no store at " + file + ": nothing has been written there", "no store at " + file);
            return;
        }
        long t0 = System.nanoTime();
        List<MigrateCommand.Row> rows;
        try {
            rows = MigrateCommand.sqliteRows(file);
        } catch (FactaException e) {
            add("connectivity", Level.FAILING, e.getMessage(), "cannot read " + file);
            return;
        }
        long read = System.nanoTime() - t0;
        if (!schema(rows, SqliteSchema.LATEST)) {
            add("connectivity", Level.OK, "the file is readable (schema read in " + millis(read) + ")", null);
            add("projections", Level.INFO, "not checked: the schema is not current (opening the store would migrate it)", null);
            add("clock skew", Level.INFO, "not applicable: an SQLite store uses this machine's clock", null);
            return;
        }
        t0 = System.nanoTime();
        EventStore es;
        try {
            es = Stores.openForRead(url);
        } catch (FactaException e) {
            add("connectivity", Level.FAILING, e.getMessage(), "cannot open " + file);
            return;
        }
        try (es) {
            long opened = System.nanoTime() - t0;
            if (!headRead(es, opened)) return;
            ProjectionStore ps = es instanceof SqliteEventStore s ? SqliteProjectionStore.on(s) : new InMemoryProjectionStore();
            projections(es, ps, lagLimit);
            add("clock skew", Level.INFO, "not applicable: an SQLite store uses this machine's clock", null);
        }
    }

    private void postgres(String url, Duration connectTimeout, Duration lagLimit, Duration skewLimit) {
        long t0 = System.nanoTime();
        PostgresEventStore es;
        String withTimeouts = withTimeouts(url, connectTimeout);
        try {
            es = PostgresProvider.configure(withTimeouts).poolSize(2).migrate(false).build();
        } catch (FactaException e) {
            // the driver's message names the URL with the timeouts added here; show the one the user gave
            String message = String.valueOf(e.getMessage()).replace(withTimeouts.substring(url.length()), "");
            add("connectivity", Level.FAILING, message, "cannot connect to " + EventStores.redact(url));
            return;
        }
        try (es) {
            long opened = System.nanoTime() - t0;
            List<MigrateCommand.Row> rows;
            try {
                rows = MigrateCommand.postgresRows(new PostgresMigrations(es.dataSource(), es.schema()).status());
            } catch (FactaException e) {
                add("connectivity", Level.FAILING, e.getMessage(), "cannot read the schema");
                return;
            }
            int current = rows.stream().filter(r -> r.appliedAt() != null).mapToInt(MigrateCommand.Row::version).max().orElse(0);
            if (current == 0) {
                add("connectivity", Level.OK, "connected in " + millis(opened), null);
                schema(rows, PostgresMigrations.latestVersion());
                return;
            }
            if (!headRead(es, opened)) return;
            boolean upToDate = schema(rows, PostgresMigrations.latestVersion());
            if (upToDate) {
                projections(es, PostgresProjectionStore.on(es), lagLimit);
            } else {
                add("projections", Level.INFO, "not checked: the schema is not current", null);
            }
            clockSkew(es, skewLimit);
        }
    }

    /** The URL with the driver's connect and login timeouts, unless it sets them itself. */
    static String withTimeouts(String url, Duration timeout) {
        long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
        StringBuilder b = new StringBuilder(url);
        for (String param : List.of("connectTimeout", "loginTimeout")) {
            if (url.contains(param + "=")) continue;
            b.append(b.indexOf("?") >= 0 ? '&' : '?').append(param).append('=').append(seconds);
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ checks

    /** Times a read of the head; false (and a failing finding) when it fails. */
    private boolean headRead(EventStore es, long openNanos) {
        long t0 = System.nanoTime();
        long head;
        try {
            head = es.headPosition();
        } catch (RuntimeException e) {
            add("connectivity", Level.FAILING, "reading the head of the log failed: " + e.getMessage(), "the head of the log cannot be read");
            return false;
        }
        long took = System.nanoTime() - t0;
        String summary = "opened in " + millis(openNanos) + "; head position " + Progress.count(head) + " read in " + millis(took);
        if (took > SLOW_READ.toNanos()) {
            add("connectivity", Level.DEGRADED, summary, "reading the head took " + millis(took));
        } else {
            add("connectivity", Level.OK, summary, null);
        }
        return true;
    }

    /** Reports the schema; true when it is exactly at the version this build knows. */
    private boolean schema(List<MigrateCommand.Row> rows, int latest) {
        int current = rows.stream().filter(r -> r.appliedAt() != null).mapToInt(MigrateCommand.Row::version).max().orElse(0);
        long pending = rows.stream().filter(r -> r.appliedAt() == null).count();
        if (current == 0) {
            add("schema", Level.FAILING, "no Facta schema (this facta knows versions up to " + latest + "); run 'facta migrate up'",
                    "no Facta schema");
            return false;
        }
        if (current > latest) {
            add("schema", Level.DEGRADED, "version " + current + ", newer than this facta knows (" + latest
                    + "): diagnose with the Facta version the applications use", "schema version " + current + " is newer than this facta");
            return false;
        }
        if (pending > 0) {
            add("schema", Level.DEGRADED, "version " + current + " of " + latest + ": " + pending + " migration" + (pending == 1 ? "" : "s")
                    + " pending; run 'facta migrate up' (applications also apply them when they open the store)",
                    pending + " schema migration" + (pending == 1 ? "" : "s") + " pending");
            return false;
        }
        add("schema", Level.OK, "version " + current + ", the latest this facta knows", null);
        return true;
    }

    private void projections(EventStore es, ProjectionStore ps, Duration lagLimit) {
        List<ProjectionStatus> all;
        try {
            all = ProjectionStatus.list(es, ps);
        } catch (RuntimeException e) {
            add("projections", Level.FAILING, "reading the projections failed: " + e.getMessage(), "the projections cannot be read");
            return;
        }
        if (all.isEmpty()) {
            add("projections", Level.OK, "none registered", null);
            return;
        }
        List<String> details = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        double limit = lagLimit.toMillis() / 1000.0;
        for (ProjectionStatus s : all) {
            List<String> notes = new ArrayList<>();
            boolean owned = s.segments().stream().anyMatch(seg -> seg.owner() != null);
            if (s.state() == ProjectionState.ACTIVE) {
                if (s.stopped()) {
                    notes.add("STOPPED after a failure");
                    problems.add(s.key().name() + " is stopped after a failure");
                }
                if (s.parked() > 0) {
                    notes.add(s.parked() + " dead letter" + (s.parked() == 1 ? "" : "s"));
                    problems.add(s.key().name() + " has " + s.parked() + " dead letter" + (s.parked() == 1 ? "" : "s"));
                }
                if (s.lagSeconds() > limit) {
                    notes.add("behind by more than " + fmtSeconds(limit));
                    problems.add(s.key().name() + " is " + fmtSeconds(s.lagSeconds()) + " behind");
                }
            }
            if (s.paused()) notes.add("paused");
            if (!owned && !s.caughtUp() && s.state() != ProjectionState.RETIRED) notes.add("no engine holds its segments");
            if (s.lastError() != null && s.state() == ProjectionState.ACTIVE && (s.stopped() || s.parked() > 0)) {
                notes.add("last error: " + oneLine(s.lastError()));
            }
            details.add(String.format(Locale.ROOT, "%s v%d %s: position %s of %s, %s events / %s behind%s",
                    s.key().name(), s.key().version(), s.state(), Progress.count(s.position()), Progress.count(s.headPosition()),
                    Progress.count(s.lagEvents()), fmtSeconds(s.lagSeconds()), notes.isEmpty() ? "" : "; " + String.join("; ", notes)));
        }
        String count = all.size() + " projection version" + (all.size() == 1 ? "" : "s");
        if (problems.isEmpty()) {
            add("projections", Level.OK, count + ", every active one within " + fmtSeconds(limit) + " of the head", details,
                    null);
        } else {
            add("projections", Level.DEGRADED, count + "; " + String.join("; ", problems), details, String.join("; ", problems));
        }
    }

    /**
     * PostgreSQL's {@code clock_timestamp()} against this machine's clock, on the sample of five with
     * the shortest round trip: the server's reading is compared with the middle of the round trip, and
     * half the round trip is the uncertainty. Only a skew beyond the limit plus that uncertainty counts.
     */
    private void clockSkew(PostgresEventStore es, Duration limit) {
        long bestRtt = Long.MAX_VALUE;
        long bestSkew = 0;
        try (Connection c = es.dataSource().getConnection(); Statement st = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                long n0 = System.nanoTime();
                Instant before = Instant.now();
                Instant server;
                try (ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
                    rs.next();
                    server = rs.getObject(1, OffsetDateTime.class).toInstant();
                }
                long rtt = System.nanoTime() - n0;
                Instant middle = before.plusNanos(rtt / 2);
                if (rtt < bestRtt) {
                    bestRtt = rtt;
                    bestSkew = Duration.between(middle, server).toNanos();
                }
            }
        } catch (SQLException | RuntimeException e) {
            add("clock skew", Level.DEGRADED, "could not be measured: " + e.getMessage(), "the clock skew could not be measured");
            return;
        }
        long uncertainty = bestRtt / 2;
        String text = String.format(Locale.ROOT, "%+.1f ms \u00b1 %.1f ms (%s)", bestSkew / 1e6, uncertainty / 1e6,
                bestSkew >= 0 ? "the database is ahead of this machine" : "the database is behind this machine");
        if (Math.abs(bestSkew) - uncertainty > limit.toNanos()) {
            add("clock skew", Level.DEGRADED, text + ", more than " + limit.toMillis() + " ms; lag in seconds and lease expiry"
                    + " read differently on each side", String.format(Locale.ROOT, "clock skew %+.0f ms", bestSkew / 1e6));
        } else {
            add("clock skew", Level.OK, text, null);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void add(String check, Level level, String summary, String reason) {
        add(check, level, summary, List.of(), reason);
    }

    private void add(String check, Level level, String summary, List<String> details, String reason) {
        findings.add(new Finding(check, level, summary, details, reason));
    }

    static String millis(long nanos) {
        double ms = nanos / 1e6;
        return ms < 10 ? String.format(Locale.ROOT, "%.1f ms", ms) : String.format(Locale.ROOT, "%,d ms", Math.round(ms));
    }

    static String fmtSeconds(double seconds) {
        return String.format(Locale.ROOT, "%.1f s", seconds);
    }

    private static String oneLine(String error) {
        String s = error.replaceAll("\\s+", " ").trim();
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
