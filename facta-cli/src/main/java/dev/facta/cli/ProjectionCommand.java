package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.projection.DeadLetter;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionRecord;
import dev.facta.projection.ProjectionStatus;
import dev.facta.projection.ProjectionStore;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code facta projection ...}: what operators do to projections while applications run them. The
 * command changes only what the store shares with every engine (flags, dead letters); the engines
 * that own the projection act on it at their next poll.
 */
@Command(name = "projection",
        description = {"List projections, show their status and lag, rebuild, pause and resume them, and manage their dead letters.",
                "Flags are kept in the store: running applications act on them within their poll interval."},
        subcommands = {ProjectionCommand.ListProjections.class, ProjectionCommand.Status.class, ProjectionCommand.Rebuild.class,
                ProjectionCommand.Pause.class, ProjectionCommand.Resume.class, ProjectionCommand.DeadLetters.class})
final class ProjectionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: list, status, rebuild, pause, resume or dead-letters");
    }

    /** An event store and the projection store in the same database, closed together. */
    record Opened(EventStore events, ProjectionStore projections) implements AutoCloseable {
        static Opened open(String url) {
            EventStore es = Stores.openForRead(url);
            try {
                ProjectionStore ps = switch (es) {
                    case SqliteEventStore s -> SqliteProjectionStore.on(s);
                    case PostgresEventStore p -> PostgresProjectionStore.on(p);
                    default -> new InMemoryProjectionStore();
                };
                return new Opened(es, ps);
            } catch (RuntimeException e) {
                es.close();
                throw e;
            }
        }

        List<ProjectionStatus> statuses(String name) {
            List<ProjectionStatus> out = new ArrayList<>();
            for (ProjectionRecord r : projections.list()) {
                if (name != null && !r.key().name().equals(name)) continue;
                out.add(ProjectionStatus.of(r, events, projections.leases(r.key())));
            }
            if (name != null && out.isEmpty()) throw unknown(name);
            return out;
        }

        @Override
        public void close() {
            if (projections instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // nothing to release that outlives the process
                }
            }
            events.close();
        }
    }

    /** {@code --store} and the projection's NAME, shared by the commands that act on one projection. */
    static final class Named {
        @Mixin
        StoreOption store;

        @Parameters(index = "0", paramLabel = "NAME", description = "The projection's name.")
        String name;

        /** Checks the name and opens the store. */
        Opened open() {
            ProjectionKey.checkName(name);
            return Opened.open(store.url);
        }

        /** Applies a flag change to every version of the projection and says so; unknown names fail. */
        int change(CommandSpec spec, java.util.function.BiPredicate<ProjectionStore, String> op, String done) {
            try (Opened o = open()) {
                if (!op.test(o.projections(), name)) throw unknown(name);
                spec.commandLine().getOut().println(name + ": " + done);
            }
            return Main.OK;
        }
    }

    static FactaException unknown(String name) {
        return new FactaException("no projection named '" + name + "' in this store (see 'facta projection list')");
    }

    static String flags(ProjectionStatus s) {
        List<String> f = new ArrayList<>();
        if (s.paused()) f.add("paused");
        if (s.stopped()) f.add("stopped");
        if (s.rebuildRequested()) f.add("rebuild-requested");
        return f.isEmpty() ? "-" : String.join(",", f);
    }

    @Command(name = "list", description = "Every projection version in the store: state, position, lag, dead letters.")
    static final class ListProjections implements Callable<Integer> {
        @Mixin
        StoreOption store;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Opened o = Opened.open(store.url)) {
                List<ProjectionStatus> all = o.statuses(null);
                if (all.isEmpty()) {
                    out.println("no projections in " + o.events().describe());
                    return Main.OK;
                }
                out.printf("%-32s %4s %-9s %8s %12s %10s %9s %6s  %s%n",
                        "PROJECTION", "VER", "STATE", "SEGMENTS", "POSITION", "LAG", "LAG (S)", "PARKED", "FLAGS");
                for (ProjectionStatus s : all) {
                    out.printf(Locale.ROOT, "%-32s %4d %-9s %8d %12d %10d %9.1f %6d  %s%n", s.key().name(), s.key().version(),
                            s.state(), s.segments().size(), s.position(), s.lagEvents(), s.lagSeconds(), s.parked(), flags(s));
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "status", description = "One projection in detail: every version, its lag, last error and each segment's owner.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Named target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Opened o = target.open()) {
                for (ProjectionStatus s : o.statuses(target.name)) {
                    out.printf("%s version %d: %s%s%n", s.key().name(), s.key().version(), s.state(),
                            flags(s).equals("-") ? "" : " (" + flags(s) + ")");
                    out.printf(Locale.ROOT, "  position %d of %d, %d events behind (%.1f s)%s%n", s.position(), s.headPosition(),
                            s.lagEvents(), s.lagSeconds(), s.caughtUp() ? ", caught up" : "");
                    out.printf("  dead letters: %d%n", s.parked());
                    if (s.lastError() != null) out.printf("  last error at %s: %s%n", s.lastErrorAt(), s.lastError());
                    for (ProjectionStatus.SegmentStatus seg : s.segments()) {
                        out.printf("  segment %d: checkpoint %d, %s%n", seg.segment(), seg.checkpoint(),
                                seg.owner() == null ? "no owner" : "owned by " + seg.owner() + " until " + seg.leaseExpiresAt());
                    }
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "rebuild", description = {"Rebuild a projection's active version from the start of the log.",
            "The engine that owns its first segment clears the read model and starts over at its next poll.",
            "With --wait, the command stays until the rebuilt version has caught up with the head of the log, showing its progress."})
    static final class Rebuild implements Callable<Integer> {
        /** How often --wait reads the checkpoints. */
        static final long POLL_MILLIS = 200;
        /** After this long without an engine starting the rebuild, --wait says what it is waiting for. */
        static final long HINT_AFTER_MILLIS = 5_000;

        @Mixin
        Named target;

        @Option(names = "--wait", description = "Wait until the rebuild has caught up with the head of the log.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION",
                description = "With --wait: give up waiting after this long (e.g. 90s, 10m; default: no limit). The rebuild itself goes on.")
        String timeout;

        @Mixin
        ProgressOption progress;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ProjectionKey.checkName(target.name);
            java.time.Duration limit = timeout == null ? null : Durations.parse(timeout, "--timeout");
            if (limit != null && !await) throw new InvalidInputException("timeout", "--timeout only applies with --wait");
            PrintWriter out = spec.commandLine().getOut();
            try (Opened o = target.open()) {
                if (!o.projections().requestRebuild(target.name)) throw unknown(target.name);
                if (!await) {
                    out.println(target.name + ": rebuild requested; a running engine performs it at its next poll");
                    return Main.OK;
                }
                long started = System.nanoTime();
                long position = awaitRebuilt(o, limit);
                out.printf(Locale.ROOT, "%s: rebuilt, caught up at position %d in %.1f s%n", target.name, position,
                        (System.nanoTime() - started) / 1e9);
            }
            return Main.OK;
        }

        /**
         * Follows the active version until the rebuild has started (its flag is cleared when an engine
         * resets the checkpoints) and every segment has reached the head as it is at that moment.
         * Returns the position reached.
         */
        private long awaitRebuilt(Opened o, java.time.Duration limit) {
            PrintWriter err = spec.commandLine().getErr();
            long started = System.nanoTime();
            boolean hinted = false;
            try (Progress bar = new Progress(err, progress.enabled(false), "rebuild " + target.name, 0, "events")) {
                while (true) {
                    ProjectionRecord r = o.projections().active(target.name).orElseThrow(() -> new FactaException(
                            "projection '" + target.name + "' has no active version any more (see 'facta projection list')"));
                    long head = o.events().headPosition();
                    if (!r.rebuildRequested() && r.position() >= head) {
                        bar.total(Math.max(head, 1));
                        bar.update(Math.max(head, 1));
                        return r.position();
                    }
                    if (r.stopped()) {
                        throw new FactaException(target.name + ": the rebuild stopped at position " + r.position() + " after a failure"
                                + (r.lastError() == null ? "" : ": " + oneLine(r.lastError()))
                                + " (see 'facta projection dead-letters " + target.name + "', then 'facta projection resume " + target.name + "')");
                    }
                    long waited = (System.nanoTime() - started) / 1_000_000;
                    String waitingFor = r.rebuildRequested()
                            ? (o.projections().leases(r.key()).isEmpty()
                                    ? "no engine runs this projection"
                                    : "waiting for its engine to start")
                            : r.paused() ? "paused (facta projection resume " + target.name + ")" : "";
                    bar.total(head);
                    bar.update(r.rebuildRequested() ? 0 : r.position());
                    bar.detail(waitingFor);
                    if (!hinted && r.rebuildRequested() && waited >= HINT_AFTER_MILLIS) {
                        bar.message(target.name + ": the rebuild has not started after " + HINT_AFTER_MILLIS / 1000 + " s: " + waitingFor
                                + " (it starts when an engine running '" + target.name + "' next polls)");
                        hinted = true;
                    }
                    if (limit != null && waited >= limit.toMillis()) {
                        throw new FactaException(target.name + ": not caught up after " + timeout + " (position " + r.position()
                                + " of " + head + (r.rebuildRequested() ? ", rebuild not started yet" : "")
                                + "); the rebuild goes on in the engine");
                    }
                    try {
                        Thread.sleep(POLL_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new FactaException(target.name + ": interrupted while waiting; the rebuild goes on in the engine");
                    }
                }
            }
        }

        private static String oneLine(String error) {
            String s = error.replaceAll("\\s+", " ").trim();
            return s.length() <= 200 ? s : s.substring(0, 197) + "...";
        }
    }

    @Command(name = "pause", description = "Pause a projection: engines keep their segments but apply nothing until it is resumed.")
    static final class Pause implements Callable<Integer> {
        @Mixin
        Named target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return target.change(spec, (store, name) -> store.setPaused(name, true), "paused");
        }
    }

    @Command(name = "resume", description = "Resume a paused projection, or one stopped by a failure, from where it stopped.")
    static final class Resume implements Callable<Integer> {
        @Mixin
        Named target;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return target.change(spec, ProjectionStore::resume, "resumed");
        }
    }

    @Command(name = "dead-letters", description = {"List the events a projection parked after failing to apply them, or discard one.",
            "Retrying a dead letter runs the projection's code, so it is done by the application (ProjectionEngine.retryDeadLetter)."})
    static final class DeadLetters implements Callable<Integer> {
        @Mixin
        Named target;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "List at most N (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--discard", paramLabel = "ID", description = "Discard the dead letter with this id instead of listing.")
        Long discard;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ProjectionKey.checkName(target.name);
            if (limit < 1 || limit > 10_000) throw new InvalidInputException("limit", "--limit must be 1..10000, got " + limit);
            PrintWriter out = spec.commandLine().getOut();
            try (Opened o = target.open()) {
                List<ProjectionRecord> versions = o.projections().list().stream().filter(r -> r.key().name().equals(target.name)).toList();
                if (versions.isEmpty()) throw unknown(target.name);
                if (discard != null) {
                    DeadLetter letter = o.projections().deadLetter(discard)
                            .filter(d -> d.key().name().equals(target.name))
                            .orElseThrow(() -> new FactaException("projection '" + target.name + "' has no dead letter " + discard));
                    o.projections().inTransaction(tx -> tx.deleteDeadLetter(letter.id()));
                    out.println(target.name + ": discarded dead letter " + letter.id() + " (position " + letter.position() + ")");
                    return Main.OK;
                }
                int shown = 0;
                for (ProjectionRecord r : versions) {
                    long after = 0;
                    while (shown < limit) {
                        List<DeadLetter> page = o.projections().deadLetters(r.key(), after, Math.min(500, limit - shown));
                        for (DeadLetter d : page) {
                            if (shown == 0) {
                                out.printf("%6s %4s %4s %10s %-30s %-24s %8s  %s%n", "ID", "VER", "SEG", "POSITION", "STREAM", "TYPE",
                                        "ATTEMPTS", "ERROR");
                            }
                            out.printf("%6d %4d %4d %10d %-30s %-24s %8d  %s%n", d.id(), d.key().version(), d.segment(), d.position(),
                                    d.stream(), d.eventType(), d.attempts(), oneLine(d.error()));
                            shown++;
                            after = d.id();
                        }
                        if (page.isEmpty()) break;
                    }
                }
                if (shown == 0) out.println(target.name + ": no dead letters");
            }
            return Main.OK;
        }

        private static String oneLine(String error) {
            if (error == null) return "";
            String s = error.replaceAll("\\s+", " ").trim();
            return s.length() <= 120 ? s : s.substring(0, 117) + "...";
        }
    }
}
