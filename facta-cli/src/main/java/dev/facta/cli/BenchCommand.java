package dev.facta.cli;

import dev.facta.bench.BenchConfig;
import dev.facta.bench.BenchmarkRunner;
import dev.facta.bench.FreshStore;
import dev.facta.bench.Impl;
import dev.facta.bench.PgServer;
import dev.facta.bench.Scenario;
import dev.facta.bench.StoreTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench",
        description = {"Run the standard store benchmarks against Facta and plain JDBC.",
                "Prints one line per scenario: scenario=<name> impl=<facta|rawjdbc> store=<store> events=<n> seconds=<s>"
                        + " events_per_s=<x>, plus p50_ms= p99_ms= per append for the append scenarios"
                        + " and per event (append to handler) for subscription-latency.",
                "Every run uses a fresh temp file or a fresh database (facta_bench_*, dropped afterwards)."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--store", paramLabel = "STORES",
            description = "Comma-separated: memory, sqlite, postgres, or store URLs (sqlite:PATH puts the temp files next to PATH; "
                    + "postgresql://... creates the databases on that server). Default: memory,sqlite and postgres when "
                    + PgServer.DEFAULT_URL + " (or $FACTA_BENCH_PG_URL) answers.")
    String stores;

    /** The scenario names for --help and shell completion, straight from the runner. */
    static final class ScenarioNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Scenario.values()).map(Scenario::id).iterator();
        }
    }

    @Option(names = "--scenario", paramLabel = "NAMES", defaultValue = "all", completionCandidates = ScenarioNames.class,
            description = "Comma-separated scenarios, or all (default). Known: ${COMPLETION-CANDIDATES}.")
    String scenarios;

    @Option(names = "--impl", paramLabel = "IMPL", defaultValue = "both",
            description = "facta, rawjdbc (plain JDBC on an equivalent table, the ceiling) or both (default).")
    String impl;

    @Option(names = "--scale", paramLabel = "X", description = "Size relative to the standard (1 = 200,000 events batched); 0.1 for a quick run.")
    Double scale;

    @Option(names = "--events", paramLabel = "N", description = "Events of append-batched; scales the other scenarios alike. Overrides --scale.")
    Long events;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "" + BenchConfig.DEFAULT_PAGE_SIZE,
            description = "Events per read-all page and JDBC fetch size (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--no-warmup", description = "Skip the small warm-up run before each measured one.")
    boolean noWarmUp;

    @Option(names = {"-q", "--quiet"}, description = "Print only the result lines, not the notes and progress bar on stderr (unless --progress).")
    boolean quiet;

    @Mixin
    ProgressOption progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        double s = events != null ? BenchConfig.scaleForEvents(events) : scale != null ? scale : 1.0;
        List<StoreTarget> targets;
        if (stores != null) {
            targets = StoreTarget.parseList(stores);
        } else {
            targets = new ArrayList<>(List.of(StoreTarget.memory(), StoreTarget.sqlite(null)));
            StoreTarget pg = StoreTarget.parse("postgres");
            if (FreshStore.answers(pg.server())) {
                targets.add(pg);
            } else if (!quiet) {
                err.println("bench: no PostgreSQL answers at " + pg.server().describe()
                        + "; skipping postgres (name one with --store postgresql://user@host:port/db)");
            }
        }
        BenchConfig config = new BenchConfig(targets, Scenario.parseList(scenarios), Impl.parseChoice(impl), s, pageSize, !noWarmUp);
        // the bar counts runs (store x scenario x implementation); a run the runner skips counts as done
        long runs = (long) config.stores().size() * config.scenarios().size() * config.impls().size();
        // result lines are few and printed with the bar wiped, so the bar may share a terminal with them
        boolean bar = progress.progress != null ? progress.progress : !quiet && progress.enabled(false);
        try (Progress p = new Progress(err, bar, "bench", runs, "runs")) {
            new BenchmarkRunner(config, line -> {
                p.above(() -> {
                    out.println(line);
                    out.flush();
                });
                p.update(p.done() + 1);
            }, note -> {
                if (note.startsWith(SKIPPING)) p.update(p.done() + 1);
                else if (note.startsWith(MEASURING) || note.startsWith(WARMING_UP)) p.detail(note.substring("bench: ".length()));
                if (!quiet) p.message(note);
            }).run();
        }
        return Main.OK;
    }

    // the runner's notes, as BenchmarkRunner words them
    private static final String SKIPPING = "bench: skipping ";
    private static final String MEASURING = "bench: measuring ";
    private static final String WARMING_UP = "bench: warming up ";
}
