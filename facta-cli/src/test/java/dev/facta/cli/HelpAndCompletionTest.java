package dev.facta.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code --help} on every command, and the shell completion script. */
class HelpAndCompletionTest {
    @TempDir
    Path temp;

    /** Every command path below {@code facta}, e.g. {@code [stream, export]}, from the command tree itself. */
    static List<List<String>> commandPaths() {
        CommandLine root = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        List<List<String>> out = new ArrayList<>();
        walk(root, new ArrayList<>(), out);
        return out;
    }

    private static void walk(CommandLine cmd, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        for (var e : cmd.getSubcommands().entrySet()) {
            if (e.getValue().getCommandSpec().aliases().length > 0 && !e.getKey().equals(e.getValue().getCommandName())) continue;
            List<String> next = new ArrayList<>(path);
            next.add(e.getKey());
            walk(e.getValue(), next, out);
        }
    }

    @Test
    void every_command_answers_help_with_its_usage() {
        List<List<String>> paths = commandPaths();
        assertThat(paths).contains(List.of("init"), List.of("generate", "aggregate"), List.of("generate", "projection"),
                List.of("generate", "saga"), List.of("diagnose"), List.of("completion"), List.of("stream", "export"),
                List.of("projection", "rebuild"), List.of("bench"));
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Facta r = Facta.run(args.toArray(String[]::new));
            String name = String.join(" ", path);
            assertThat(r.exitCode()).as(name + ": " + r).isZero();
            assertThat(r.err()).as(name).isEmpty();
            assertThat(r.outLines()).as(name).anyMatch(l -> l.startsWith(("Usage: facta " + name).trim()));
        }
    }

    @Test
    void the_completion_script_names_every_command_and_option() {
        Facta bash = Facta.run("completion", "bash");
        assertThat(bash.exitCode()).as(bash.toString()).isZero();
        for (List<String> path : commandPaths()) {
            if (path.isEmpty()) continue;
            assertThat(bash.out()).as(String.join(" ", path)).containsPattern("[\"' ]" + path.getLast() + "[\"' ]");
        }
        assertThat(bash.out()).contains("complete -F _complete_facta").contains("--store").contains("--progress").contains("--wait");
        assertThat(Facta.run("completion").out()).isEqualTo(bash.out());

        Facta zsh = Facta.run("completion", "zsh");
        assertThat(zsh.exitCode()).isZero();
        assertThat(zsh.out()).contains("bashcompinit").endsWith(bash.out());

        Facta fish = Facta.run("completion", "fish");
        assertThat(fish.exitCode()).isEqualTo(2);
        assertThat(fish.err()).contains("bash and zsh");
    }

    @Test
    void bash_completes_commands_subcommands_and_option_values_with_the_script() throws Exception {
        Path bashBinary = Path.of("/bin/bash");
        assumeTrue(Files.isExecutable(bashBinary), "no bash on this machine");
        Path script = Files.writeString(temp.resolve("facta_completion"), Facta.run("completion", "bash").out());

        assertThat(complete(bashBinary, script, "facta ")).contains("stream", "projection", "init", "generate", "diagnose", "completion");
        assertThat(complete(bashBinary, script, "facta generate ")).containsExactlyInAnyOrder("aggregate", "projection", "saga", "proto",
                "json-schema");
        assertThat(complete(bashBinary, script, "facta stream ex")).containsExactly("export");
        assertThat(complete(bashBinary, script, "facta init shop --store ")).containsExactlyInAnyOrder("sqlite", "postgres");
    }

    /** What the completion function offers for a command line ending where the cursor is. */
    private static List<String> complete(Path bash, Path script, String line) throws Exception {
        String[] words = line.split(" ", -1);
        String program = "source '" + script + "'\n"
                + "COMP_LINE='" + line + "'; COMP_POINT=" + line.length() + "\n"
                + "COMP_WORDS=(" + String.join(" ", Arrays.stream(words).map(w -> "'" + w + "'").toList()) + ")\n"
                + "COMP_CWORD=" + (words.length - 1) + "\n"
                + "_complete_facta facta '" + words[words.length - 1] + "' '" + words[words.length - 2] + "'\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        // stderr is dropped: outside a real completion, bash's compopt complains, harmlessly
        Process p = new ProcessBuilder(bash.toString(), "--norc", "--noprofile", "-c", program)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
