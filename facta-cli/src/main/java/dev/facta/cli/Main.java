package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code facta} command. Exit codes: 0 success, 1 a failed operation, 2 bad usage; errors
 * are one line on stderr, with the stack trace only under {@code --verbose} or {@code FACTA_DEBUG=1}.
 */
@Command(name = "facta",
        mixinStandardHelpOptions = true,
        // every subcommand gets --help and --version too
        scope = ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Event sourcing for Java 21+: inspect and write event streams, operate projections, migrate stores, run benchmarks.",
        subcommands = {StreamCommand.class, ProjectionCommand.class, MigrateCommand.class, BenchCommand.class, DemoCommand.class, ServeCommand.class,
                InitCommand.class, GenerateCommand.class, SchemaCommand.class, DiagnoseCommand.class, CompletionCommand.class, RuntimeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Log what the stores do and print stack traces of errors.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "no command given; try 'facta demo'");
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line with its output on the given streams and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cmd = commandLine(outWriter, errWriter);
        try {
            return cmd.execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(out);
        cmd.setErr(err);
        // JSON arguments may start with '@'; they are data, not argument files
        cmd.setExpandAtFiles(false);
        cmd.setExecutionStrategy(parseResult -> {
            configureLogging(verbose(parseResult));
            return new CommandLine.RunLast().execute(parseResult);
        });
        cmd.setParameterExceptionHandler(Main::usageError);
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failure(ex, commandLine, parseResult));
        return cmd;
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
        if (debug(ex.getCommandLine().getParseResult())) ex.printStackTrace(cmd.getErr());
        return USAGE;
    }

    private static int failure(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        int code;
        if (ex instanceof InvalidInputException) {
            err.println("facta: " + ex.getMessage());
            code = USAGE;
        } else if (ex instanceof FactaException) {
            err.println("facta: " + ex.getMessage());
            code = FAILED;
        } else {
            String message = ex.getMessage() == null ? "" : ": " + ex.getMessage();
            err.println("facta: unexpected " + ex.getClass().getSimpleName() + message
                    + (debug(parseResult) ? "" : " (run with --verbose for details)"));
            code = FAILED;
        }
        if (debug(parseResult)) ex.printStackTrace(err);
        return code;
    }

    static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    private static boolean debug(ParseResult parseResult) {
        return "1".equals(System.getenv("FACTA_DEBUG")) || (parseResult != null && verbose(parseResult));
    }

    private static void configureLogging(boolean verbose) {
        // The connection pool and stores log to java.util.logging (through SLF4J's JDK binding);
        // their start-up chatter would drown the command's own output.
        Level level = verbose ? Level.INFO : Level.WARNING;
        Logger root = Logger.getLogger("");
        root.setLevel(level);
        for (var handler : root.getHandlers()) handler.setLevel(level);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"facta " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
