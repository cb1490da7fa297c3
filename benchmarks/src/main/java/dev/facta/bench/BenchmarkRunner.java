package dev.facta.bench;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs the standard store scenarios and prints one line per measured scenario (see
 * {@link BenchResult}). Each measured run, and each warm-up, gets a fresh store.
 *
 * <pre>
 * java dev.facta.bench.BenchmarkRunner [--store memory,sqlite,postgres,dynamodb|URL] [--scenario a,b|all]
 *      [--impl facta|rawjdbc|both] [--scale 0.1 | --events N] [--page-size N] [--no-warmup]
 * </pre>
 */
public final class BenchmarkRunner {
    private final BenchConfig config;
    private final Consumer<String> out;
    private final Consumer<String> progress;

    /**
     * @param out      receives the result lines, one per scenario, as soon as each is measured
     * @param progress receives what is being done and why something is skipped (null: nothing)
     */
    public BenchmarkRunner(BenchConfig config, Consumer<String> out, Consumer<String> progress) {
        this.config = config;
        this.out = out;
        this.progress = progress;
    }

    public List<BenchResult> run() {
        for (StoreTarget t : config.stores()) {
            if (t.kind() == StoreKind.POSTGRES) FreshStore.checkReachable(t.server());
        }
        List<BenchResult> results = new ArrayList<>();
        for (StoreTarget target : config.stores()) {
            for (Scenario scenario : config.scenarios()) {
                for (Impl impl : config.impls()) {
                    String skip = whySkipped(target, scenario, impl);
                    if (skip != null) {
                        note("skipping " + scenario.id() + " impl=" + impl.id() + " store=" + target.kind().id() + ": " + skip);
                        continue;
                    }
                    if (scenario == Scenario.OUTBOX_RELAY) {
                        // one line per broker, in the standard format; the note before each names the broker
                        for (OutboxRelayBench.Broker broker : OutboxRelayBench.available(this::note)) {
                            if (config.warmUp()) {
                                note("warming up outbox-relay broker=" + broker.id + " on " + target.describe());
                                measureOutbox(target, broker, true);
                            }
                            note("measuring outbox-relay broker=" + broker.id + " on " + target.describe());
                            BenchResult r = measureOutbox(target, broker, false);
                            results.add(r);
                            out.accept(r.line());
                        }
                        continue;
                    }
                    if (config.warmUp()) {
                        note("warming up " + scenario.id() + " impl=" + impl.id() + " on " + target.describe());
                        measure(target, scenario, impl, true);
                    }
                    note("measuring " + scenario.id() + " impl=" + impl.id() + " on " + target.describe());
                    BenchResult r = measure(target, scenario, impl, false);
                    results.add(r);
                    out.accept(r.line());
                }
            }
        }
        return results;
    }

    private String whySkipped(StoreTarget target, Scenario scenario, Impl impl) {
        if (impl == Impl.RAWJDBC && target.kind() == StoreKind.MEMORY) {
            return "plain JDBC has no in-memory store";
        }
        if (impl == Impl.RAWJDBC && target.kind() == StoreKind.DYNAMODB) {
            return "plain JDBC has no DynamoDB store";
        }
        if ((scenario == Scenario.LOAD_AGGREGATE || scenario == Scenario.LOAD_AGGREGATE_SNAPSHOTS) && impl == Impl.RAWJDBC) {
            return "aggregates are a Facta notion";
        }
        if (scenario == Scenario.SUBSCRIPTION_LATENCY && impl == Impl.RAWJDBC) {
            return "subscriptions are a Facta notion";
        }
        if (scenario == Scenario.PROJECTION_CATCHUP && impl == Impl.RAWJDBC) {
            return "projections are a Facta notion";
        }
        if (scenario == Scenario.OUTBOX_RELAY && impl == Impl.RAWJDBC) {
            return "the outbox relay is a Facta notion";
        }
        if ((scenario == Scenario.APPEND_BATCHED_ENCRYPTED || scenario == Scenario.READ_ALL_ENCRYPTED) && impl == Impl.RAWJDBC) {
            return "encryption is a Facta feature";
        }
        if (scenario == Scenario.READ_ALL_AFTER_ROLLBACKS && impl == Impl.FACTA && !FactaSubject.canRollBack(target.kind())) {
            return "the " + target.kind().id() + " store has no hook to roll back an append transaction";
        }
        return null;
    }

    private BenchResult measure(StoreTarget target, Scenario scenario, Impl impl, boolean warmUp) {
        Shape batched = Shape.batched(config.scale());
        Shape single = Shape.single(config.scale());
        if (warmUp) {
            batched = batched.warmUp();
            single = single.warmUp();
        }
        if (scenario == Scenario.LOAD_AGGREGATE || scenario == Scenario.LOAD_AGGREGATE_SNAPSHOTS) {
            try (FreshStore fresh = FreshStore.create(target).settled()) {
                AggregateLoad.Timing t = AggregateLoad.run(fresh.factaUrl(), (int) (batched.events() / 20),
                        scenario == Scenario.LOAD_AGGREGATE_SNAPSHOTS);
                return new BenchResult(scenario, impl, target.kind(), t.events(), t.nanos() / 1e9, null, null);
            } catch (FactaException e) {
                throw e;
            } catch (Exception e) {
                throw new FactaException(scenario.id() + " store=" + target.kind().id() + " failed: " + e, e);
            }
        }
        if (scenario == Scenario.PROJECTION_CATCHUP) {
            try (FreshStore fresh = FreshStore.create(target).settled()) {
                ProjectionCatchup.Timing t = ProjectionCatchup.run(fresh.factaUrl(), batched);
                return new BenchResult(scenario, impl, target.kind(), t.events(), t.nanos() / 1e9, null, null);
            } catch (FactaException e) {
                throw e;
            } catch (Exception e) {
                throw new FactaException(scenario.id() + " store=" + target.kind().id() + " failed: " + e, e);
            }
        }
        if (scenario == Scenario.SUBSCRIPTION_LATENCY) {
            try (FreshStore fresh = FreshStore.create(target).settled()) {
                SubscriptionLatency.Timing t = SubscriptionLatency.run(target.kind(), fresh.factaUrl(), single);
                return new BenchResult(scenario, impl, target.kind(), t.events(), t.nanos() / 1e9,
                        AppendLoad.percentileMillis(t.latencies(), 50), AppendLoad.percentileMillis(t.latencies(), 99));
            } catch (FactaException e) {
                throw e;
            } catch (Exception e) {
                throw new FactaException(scenario.id() + " store=" + target.kind().id() + " failed: " + e, e);
            }
        }
        try (FreshStore fresh = FreshStore.create(target).settled();
             Subject subject = scenario == Scenario.APPEND_BATCHED_ENCRYPTED || scenario == Scenario.READ_ALL_ENCRYPTED
                     ? EncryptedSubject.open(fresh) : open(impl, fresh, scenario == Scenario.READ_ALL_AFTER_ROLLBACKS)) {
            return switch (scenario) {
                case APPEND_BATCHED, APPEND_BATCHED_ENCRYPTED -> appendResult(scenario, impl, target, AppendLoad.run(batched, subject, false));
                case APPEND_SINGLE -> appendResult(scenario, impl, target, AppendLoad.run(single, subject, false));
                case READ_ALL, READ_ALL_ENCRYPTED -> readResult(scenario, impl, target, subject, batched, false);
                case READ_ALL_AFTER_ROLLBACKS -> readResult(scenario, impl, target, subject, batched, true);
                case LOAD_AGGREGATE, LOAD_AGGREGATE_SNAPSHOTS, SUBSCRIPTION_LATENCY, PROJECTION_CATCHUP, OUTBOX_RELAY ->
                        throw new IllegalStateException("handled above");
            };
        } catch (FactaException e) {
            throw e;
        } catch (Exception e) {
            throw new FactaException(scenario.id() + " impl=" + impl.id() + " store=" + target.kind().id() + " failed: " + e, e);
        }
    }

    private BenchResult measureOutbox(StoreTarget target, OutboxRelayBench.Broker broker, boolean warmUp) {
        Shape batched = Shape.batched(config.scale());
        if (warmUp) batched = batched.warmUp();
        try (FreshStore fresh = FreshStore.create(target).settled()) {
            OutboxRelayBench.Timing t = OutboxRelayBench.run(fresh.factaUrl(), batched, broker);
            return new BenchResult(Scenario.OUTBOX_RELAY, Impl.FACTA, target.kind(), t.events(), t.nanos() / 1e9, null, null);
        } catch (FactaException e) {
            throw e;
        } catch (Exception e) {
            throw new FactaException("outbox-relay broker=" + broker.id + " store=" + target.kind().id() + " failed: " + e, e);
        }
    }

    private static Subject open(Impl impl, FreshStore fresh, boolean rollbacks) throws Exception {
        return switch (impl) {
            case FACTA -> new FactaSubject(fresh.kind(), fresh.factaUrl(), rollbacks);
            case RAWJDBC -> new RawJdbcSubject(fresh.kind(), fresh.rawJdbcUrl());
        };
    }

    private static BenchResult appendResult(Scenario scenario, Impl impl, StoreTarget target, AppendLoad.Timing t) {
        return new BenchResult(scenario, impl, target.kind(), t.events(), t.nanos() / 1e9,
                AppendLoad.percentileMillis(t.appendNanos(), 50), AppendLoad.percentileMillis(t.appendNanos(), 99));
    }

    private BenchResult readResult(Scenario scenario, Impl impl, StoreTarget target, Subject subject, Shape load,
                                   boolean rollbacks) throws Exception {
        AppendLoad.run(load, subject, rollbacks);
        long t0 = System.nanoTime();
        Subject.ReadStats stats = subject.readAll(config.pageSize());
        long elapsed = System.nanoTime() - t0;
        if (stats.events() != load.events()) {
            // a reader that skips or repeats events would look fast; refuse to report it
            throw new FactaException(scenario.id() + " impl=" + impl.id() + " store=" + target.kind().id()
                    + " read " + stats.events() + " events but " + load.events() + " were committed");
        }
        return new BenchResult(scenario, impl, target.kind(), stats.events(), elapsed / 1e9, null, null);
    }

    private void note(String message) {
        if (progress != null) {
            progress.accept("bench: " + message);
        }
    }

    /** Parses the runner's own command line; the facta CLI builds a {@link BenchConfig} itself. */
    static BenchConfig parseArgs(String[] args) {
        String stores = "memory,sqlite,postgres";
        String scenarios = "all";
        String impl = "both";
        double scale = 1.0;
        int pageSize = BenchConfig.DEFAULT_PAGE_SIZE;
        boolean warmUp = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--store" -> stores = value(args, ++i, a);
                case "--scenario" -> scenarios = value(args, ++i, a);
                case "--impl" -> impl = value(args, ++i, a);
                case "--scale" -> scale = number(value(args, ++i, a), a);
                case "--events" -> scale = BenchConfig.scaleForEvents((long) number(value(args, ++i, a), a));
                case "--page-size" -> pageSize = (int) number(value(args, ++i, a), a);
                case "--no-warmup" -> warmUp = false;
                default -> throw new InvalidInputException("args", "unknown argument '" + a + "'");
            }
        }
        return new BenchConfig(StoreTarget.parseList(stores), Scenario.parseList(scenarios), Impl.parseChoice(impl),
                scale, pageSize, warmUp);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new InvalidInputException(option, option + " needs a value");
        return args[i];
    }

    private static double number(String text, String option) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(option, option + " needs a number, got '" + text + "'");
        }
    }

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.config.file") == null) {
            // the connection pool's start and stop lines would interleave with the progress notes
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            root.setLevel(java.util.logging.Level.WARNING);
            for (var h : root.getHandlers()) h.setLevel(java.util.logging.Level.WARNING);
        }
        int code;
        try {
            new BenchmarkRunner(parseArgs(args), System.out::println, System.err::println).run();
            code = 0;
        } catch (InvalidInputException e) {
            System.err.println("bench: " + e.getMessage());
            code = 2;
        } catch (FactaException e) {
            System.err.println("bench: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }
}
