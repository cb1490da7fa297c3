package dev.facta.internal;

import dev.facta.InvalidInputException;
import dev.facta.store.AppendResult;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Decides, for a batch of appends that will share one transaction, which are written (and at
 * which versions and positions), which are idempotent repeats of events already stored, and
 * which fail on their own. Every store runs its appends through this one planner, so the rules
 * for expected versions and retried event ids are the same everywhere.
 *
 * <p>Requests are planned in order, each against the state the earlier ones leave: two appends
 * to one stream at the same expected version in one batch give one winner. Event ids are looked
 * up only where a retry is possible (the version check fails, or the append expects {@code any}
 * or {@code stream_exists}) unless {@code checkAllIds} is set; an id already stored in another
 * stream then surfaces as the store's unique-key violation, and the store replans the batch one
 * request at a time with {@code checkAllIds} to find the culprit.
 */
public final class AppendPlanner {

    /** A stream's committed state: last version ({@code -1}: no events) and deletion. */
    public record StreamState(long version, boolean deleted) {
        public static final StreamState NONE = new StreamState(-1, false);
    }

    /** An event already stored. */
    public record Existing(UUID id, String stream, long version, long position) {
    }

    /** Reads committed state inside the batch's transaction. */
    public interface Lookup {
        Map<StreamId, StreamState> states(Set<StreamId> streams);

        Map<UUID, Existing> existing(Collection<UUID> ids);

        /** States read beforehand for the whole batch, and ids looked up on demand. */
        static Lookup of(Map<StreamId, StreamState> states, java.util.function.Function<Collection<UUID>, Map<UUID, Existing>> existing) {
            return new Lookup() {
                @Override
                public Map<StreamId, StreamState> states(Set<StreamId> streams) {
                    return states;
                }

                @Override
                public Map<UUID, Existing> existing(Collection<UUID> ids) {
                    return existing.apply(ids);
                }
            };
        }
    }

    public sealed interface Outcome {
    }

    /** Write the request's events from {@code firstVersion} at {@code firstPosition} onwards. */
    public record Write(PreparedAppend append, long firstVersion, long firstPosition) implements Outcome {
        public AppendResult result() {
            int n = append.events().size();
            return new AppendResult(append.stream(), firstVersion + n - 1, firstPosition, firstPosition + n - 1);
        }
    }

    /** Nothing to write: the events were already stored by an earlier identical append. */
    public record Done(AppendResult result) implements Outcome {
    }

    public record Failed(RuntimeException error) implements Outcome {
    }

    /**
     * The plan: one outcome per request (same order), the writes among them, the new head
     * position and the new last version of every stream written.
     */
    public record Plan(List<Outcome> outcomes, List<Write> writes, long head, Map<StreamId, Long> versions) {
        public int eventCount() {
            int n = 0;
            for (Write w : writes) n += w.append().events().size();
            return n;
        }
    }

    private AppendPlanner() {
    }

    public static Plan plan(List<PreparedAppend> batch, long head, Lookup lookup, boolean checkAllIds) {
        Set<StreamId> streams = new LinkedHashSet<>();
        for (PreparedAppend a : batch) streams.add(a.stream());
        Map<StreamId, StreamState> committed = lookup.states(streams);
        Map<StreamId, StreamState> states = new HashMap<>();
        for (StreamId s : streams) states.put(s, committed.getOrDefault(s, StreamState.NONE));

        // Prefetch the ids of every request that may be a retry, in one lookup.
        Set<UUID> wanted = new HashSet<>();
        for (PreparedAppend a : batch) {
            if (checkAllIds || mayBeRetry(a, states.get(a.stream()))) {
                for (PreparedEvent e : a.events()) wanted.add(e.id());
            }
        }
        Map<UUID, Existing> known = new HashMap<>(wanted.isEmpty() ? Map.of() : lookup.existing(wanted));
        Set<UUID> looked = new HashSet<>(wanted);

        List<Outcome> outcomes = new ArrayList<>(batch.size());
        List<Write> writes = new ArrayList<>();
        Map<StreamId, Long> versions = new HashMap<>();
        long position = head;
        for (PreparedAppend a : batch) {
            StreamState st = states.get(a.stream());
            if (st.deleted()) {
                outcomes.add(new Failed(new StreamDeletedException(a.stream())));
                continue;
            }
            boolean matches = a.expected().matches(st.version());
            boolean lookIds = checkAllIds || !matches || !(a.expected() instanceof ExpectedVersion.Exact
                    || a.expected() instanceof ExpectedVersion.NoStream);
            if (lookIds) {
                List<UUID> missing = new ArrayList<>();
                for (PreparedEvent e : a.events()) {
                    if (!looked.contains(e.id())) missing.add(e.id());
                }
                if (!missing.isEmpty()) {
                    known.putAll(lookup.existing(missing));
                    looked.addAll(missing);
                }
                Outcome repeat = repeatOf(a, known, st);
                if (repeat != null) {
                    outcomes.add(repeat);
                    continue;
                }
            }
            if (!matches) {
                outcomes.add(new Failed(new WrongExpectedVersionException(a.stream(), a.expected(), st.version())));
                continue;
            }
            long firstVersion = st.version() + 1;
            long firstPosition = position + 1;
            int n = a.events().size();
            Write w = new Write(a, firstVersion, firstPosition);
            writes.add(w);
            outcomes.add(w);
            for (int i = 0; i < n; i++) {
                PreparedEvent e = a.events().get(i);
                known.put(e.id(), new Existing(e.id(), a.stream().value(), firstVersion + i, firstPosition + i));
                looked.add(e.id());
            }
            position += n;
            states.put(a.stream(), new StreamState(firstVersion + n - 1, false));
            versions.put(a.stream(), firstVersion + n - 1);
        }
        return new Plan(outcomes, writes, position, versions);
    }

    private static boolean mayBeRetry(PreparedAppend a, StreamState st) {
        return !(a.expected() instanceof ExpectedVersion.Exact || a.expected() instanceof ExpectedVersion.NoStream)
                || !a.expected().matches(st.version());
    }

    /**
     * Null when none of the request's ids is stored; {@link Done} when all are, in this stream, in
     * order and consecutive, where the original append could have been made with the same expected
     * version; otherwise {@link Failed}.
     */
    private static Outcome repeatOf(PreparedAppend a, Map<UUID, Existing> known, StreamState st) {
        int found = 0;
        for (PreparedEvent e : a.events()) {
            if (known.containsKey(e.id())) found++;
        }
        if (found == 0) {
            return null;
        }
        Existing first = known.get(a.events().getFirst().id());
        boolean sameRun = found == a.events().size() && first != null && first.stream().equals(a.stream().value());
        for (int i = 1; sameRun && i < a.events().size(); i++) {
            Existing e = known.get(a.events().get(i).id());
            sameRun = e.stream().equals(first.stream()) && e.version() == first.version() + i
                    && e.position() == first.position() + i;
        }
        if (sameRun) {
            boolean compatible = switch (a.expected()) {
                case ExpectedVersion.Any any -> true;
                case ExpectedVersion.StreamExists se -> first.version() > 0;
                case ExpectedVersion.NoStream ns -> first.version() == 0;
                case ExpectedVersion.Exact ex -> first.version() == ex.version() + 1;
            };
            if (compatible) {
                int n = a.events().size();
                return new Done(new AppendResult(a.stream(), first.version() + n - 1, first.position(), first.position() + n - 1));
            }
        }
        if (!a.expected().matches(st.version())) {
            return new Failed(new WrongExpectedVersionException(a.stream(), a.expected(), st.version()));
        }
        for (PreparedEvent e : a.events()) {
            Existing x = known.get(e.id());
            if (x != null) {
                return new Failed(new InvalidInputException("events.id", "event id " + e.id()
                        + " was already written to stream '" + x.stream() + "' at version " + x.version()));
            }
        }
        throw new IllegalStateException("unreachable");
    }
}
