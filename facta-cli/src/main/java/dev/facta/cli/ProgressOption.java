package dev.facta.cli;

import picocli.CommandLine.Option;

import java.io.Console;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --progress / --no-progress}, shared by the commands that draw a {@link Progress} bar. By
 * default the bar is drawn when stderr is a terminal and the command's data does not go to that
 * same terminal (a bar between lines of exported JSON on screen would only garble them).
 */
final class ProgressOption {
    @Option(names = "--progress", negatable = true,
            description = "Draw a progress bar on stderr. Default: only when stderr is a terminal (and stdout is not, for data on stdout).")
    Boolean progress;

    /** Whether to draw the bar for a command whose data goes to stdout when {@code dataOnStdout}. */
    boolean enabled(boolean dataOnStdout) {
        if (progress != null) return progress;
        if (!Terminal.isTerminal(2)) return false;
        return !dataOnStdout || !Terminal.isTerminal(1);
    }

    /** Whether a standard stream of this process is a terminal. */
    static final class Terminal {
        private Terminal() {
        }

        /**
         * Whether file descriptor {@code fd} (1 stdout, 2 stderr) is a terminal. On Linux this reads
         * where {@code /proc/self/fd/N} points (a {@code /dev/pts/*} or {@code /dev/tty*} device);
         * elsewhere it falls back to {@link System#console()}, which covers stdin and stdout together.
         */
        static boolean isTerminal(int fd) {
            if ("dumb".equals(System.getenv("TERM"))) return false;
            Path link = Path.of("/proc/self/fd/" + fd);
            if (Files.isDirectory(Path.of("/proc/self/fd"))) {
                try {
                    String target = Files.readSymbolicLink(link).toString();
                    return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
                } catch (IOException | UnsupportedOperationException | SecurityException e) {
                    return false;
                }
            }
            Console console = System.console();
            if (console == null) return false;
            try {
                // JDK 22+ returns a console for redirected streams too; isTerminal tells them apart
                Method isTerminal = Console.class.getMethod("isTerminal");
                return (Boolean) isTerminal.invoke(console);
            } catch (NoSuchMethodException e) {
                return true; // JDK 21: a console exists only when stdin and stdout are a terminal
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }
    }
}
