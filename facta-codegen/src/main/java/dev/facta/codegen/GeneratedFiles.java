package dev.facta.codegen;

import dev.facta.FactaException;
import dev.facta.codegen.CodeModel.Unit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes generated units incrementally, never losing hand-written code.
 *
 * <p>Every generated file starts with a header naming its source and a hash of its text outside the
 * {@code facta:begin}/{@code facta:end} regions. On regeneration a file is:
 * <ul>
 *   <li>created when it does not exist;</li>
 *   <li>left alone when the new text (with the regions' current bodies kept) is what it already holds;</li>
 *   <li>rewritten when the schema changed, its regions' bodies carried over verbatim;</li>
 *   <li>refused as a conflict when its text outside the regions no longer matches its hash (someone edited
 *       it there), when a file without the header is in the way, or when a region holding code has no
 *       place in the new text (its operation was removed);</li>
 *   <li>deleted when its source no longer defines it and it holds no edits; kept and reported when it does.</li>
 * </ul>
 * Conflicts are found before anything is written: one conflict and nothing changes
 * ({@link GenerationConflictException}), unless {@code force} is set, which overwrites edited files and
 * deletes stale ones regardless.
 */
public final class GeneratedFiles {

    /** The marker of the header line that carries the source and the hash. */
    public static final String MARK = "// facta:generated ";

    private static final Pattern HEADER = Pattern.compile("^// facta:generated from=(\\S+) hash=([0-9a-f]{64})\\s*$");
    /**
     * What a skeleton's regions hold before anyone wrote code there: nothing, the "not implemented yet" throw,
     * {@code return state;}, {@code return new State();} or the empty state record.
     */
    private static final Pattern DEFAULT_BODY = Pattern.compile("\\s*(throw new UnsupportedOperationException\\(\"[\\w.]+ is not"
            + " implemented yet\"\\);|return state;|return new State\\(\\);|(/\\*\\*[^*]*\\*/\\s*)?public record State\\(\\) \\{\\s*})?\\s*");

    /** Where one set of units goes. */
    public record Target(Path root, List<Unit> units) {
        public Target {
            units = List.copyOf(units);
        }
    }

    /** What one run did, each list of absolute paths. */
    public record Report(List<Path> created, List<Path> updated, List<Path> unchanged, List<Path> deleted, List<String> kept) {
        /** Whether any file was written or deleted. */
        public boolean changedAnything() {
            return !created.isEmpty() || !updated.isEmpty() || !deleted.isEmpty();
        }
    }

    private GeneratedFiles() {
    }

    /**
     * Writes the units of every target below its root.
     *
     * @param prunable which sources' earlier output this run owns ({@code from} values such as
     *                 {@code proto:shop/orders.proto}): a generated file of such a source that this run no longer
     *                 makes is deleted (when unedited)
     * @param force    overwrite and delete edited files instead of refusing
     * @throws CodegenException two units would be the same file
     * @throws GenerationConflictException regeneration would lose hand-written code; nothing was written
     */
    public static Report write(List<Target> targets, Predicate<String> prunable, boolean force) {
        Map<Path, String> writes = new LinkedHashMap<>();
        List<Path> created = new ArrayList<>();
        List<Path> updated = new ArrayList<>();
        List<Path> unchanged = new ArrayList<>();
        List<Path> deleted = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        Map<Path, Unit> planned = new LinkedHashMap<>();
        for (Target t : targets) {
            for (Unit u : t.units()) {
                Path path = t.root().resolve(u.relativePath()).toAbsolutePath().normalize();
                Unit other = planned.put(path, u);
                if (other != null) {
                    throw new CodegenException(CodegenException.Kind.NAME_CLASH, u.source(), "two definitions make "
                            + u.relativePath() + ": one from " + other.source() + ", one from " + u.source()
                            + "; rename one of them or give them different packages");
                }
            }
        }
        for (Map.Entry<Path, Unit> e : planned.entrySet()) {
            Path path = e.getKey();
            Unit unit = e.getValue();
            String body = JavaEmitter.emit(unit);
            if (!Files.exists(path)) {
                writes.put(path, withHeader(unit.source(), body));
                created.add(path);
                continue;
            }
            String existing = read(path);
            Existing old = parse(existing);
            String problem = old.problem();
            Map<String, String> keep = old.split() == null ? Map.of() : old.split().bodies();
            Set<String> newRegions = Regions.split(body).bodies().keySet();
            if (problem == null) {
                for (Map.Entry<String, String> r : keep.entrySet()) {
                    if (!newRegions.contains(r.getKey()) && !DEFAULT_BODY.matcher(r.getValue()).matches()) {
                        problem = "region '" + r.getKey() + "' holds code, but its place is gone from the schema";
                        break;
                    }
                }
            }
            if (problem != null) {
                if (!force) {
                    conflicts.add(path + ": " + problem);
                    continue;
                }
                keep = old.split() == null ? Map.of() : old.split().bodies();
            }
            String content = withHeader(unit.source(), Regions.merge(body, keep));
            if (content.equals(existing.replace("\r\n", "\n"))) { // a checkout with CRLF line ends is no change
                unchanged.add(path);
            } else {
                writes.put(path, content);
                updated.add(path);
            }
        }
        for (Target t : targets) {
            for (Path stale : staleFiles(t.root(), planned.keySet(), prunable)) {
                Existing old = parse(read(stale));
                String problem = old.problem();
                if (problem == null) {
                    for (Map.Entry<String, String> r : old.split().bodies().entrySet()) {
                        if (!DEFAULT_BODY.matcher(r.getValue()).matches()) {
                            problem = "region '" + r.getKey() + "' holds code";
                            break;
                        }
                    }
                }
                if (problem == null || force) {
                    deleted.add(stale);
                } else {
                    kept.add(stale + ": its source no longer defines it, but " + problem + "; kept (delete it yourself)");
                }
            }
        }
        if (!conflicts.isEmpty()) throw new GenerationConflictException(conflicts);
        for (Map.Entry<Path, String> w : writes.entrySet()) writeAtomically(w.getKey(), w.getValue());
        for (Path d : deleted) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException ex) {
                throw new FactaException("cannot delete the stale generated file " + d + ": " + ex.getMessage(), ex);
            }
        }
        return new Report(List.copyOf(created), List.copyOf(updated), List.copyOf(unchanged), List.copyOf(deleted),
                List.copyOf(kept));
    }

    /** The header of a generated file and its body. */
    static String withHeader(String source, String body) {
        return "// Generated by Facta from " + source + ". Write code only between the facta:begin and facta:end lines:\n"
                + "// regeneration keeps it there and rewrites the rest; edits elsewhere stop regeneration with a conflict.\n"
                + MARK + "from=" + source.replace(" ", "%20") + " hash=" + hash(Regions.split(body).frame()) + "\n"
                + body;
    }

    /** A file on disk as the header and regions describe it; {@code problem} non-null when it must not be touched. */
    private record Existing(String from, Regions.Split split, String problem) {
    }

    private static Existing parse(String text) {
        text = text.replace("\r\n", "\n");
        List<String> lines = Regions.lines(text);
        int headerAt = -1;
        Matcher m = null;
        for (int i = 0; i < Math.min(lines.size(), 5); i++) {
            Matcher candidate = HEADER.matcher(lines.get(i).stripTrailing());
            if (candidate.matches()) {
                headerAt = i;
                m = candidate;
                break;
            }
        }
        if (m == null) return new Existing(null, null, "not generated by Facta (no '" + MARK.strip() + "' header);"
                + " a hand-written file of that name is in the way");
        String body = String.join("", lines.subList(headerAt + 1, lines.size()));
        Regions.Split split;
        try {
            split = Regions.split(body);
        } catch (IllegalArgumentException ex) {
            return new Existing(m.group(1), null, "its facta regions are broken (" + ex.getMessage() + ")");
        }
        if (!hash(split.frame()).equals(m.group(2))) {
            return new Existing(m.group(1), split, "edited outside its facta:begin/facta:end regions");
        }
        return new Existing(m.group(1), split, null);
    }

    /** Generated Java files below {@code root} of a prunable source that this run does not make. */
    private static List<Path> staleFiles(Path root, Set<Path> planned, Predicate<String> prunable) {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> stale = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".java") && Files.isRegularFile(f)).toList()) {
                Path abs = p.toAbsolutePath().normalize();
                if (planned.contains(abs)) continue;
                String from = generatedFrom(abs);
                if (from != null && prunable.test(from.replace("%20", " "))) stale.add(abs);
            }
            return stale;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** The {@code from} of a generated file's header, or null for any other file. */
    static String generatedFrom(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.limit(5).map(l -> HEADER.matcher(l.stripTrailing())).filter(Matcher::matches)
                    .map(x -> x.group(1)).findFirst().orElse(null);
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FactaException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path path, String content) {
        try {
            Files.createDirectories(path.getParent());
            Path tmp = Files.createTempFile(path.getParent(), ".facta-", ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new FactaException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }
}
