package dev.facta.bench;

import dev.facta.InvalidInputException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The standard store scenarios of ARCHITECTURE.md, by the names the output line uses. */
public enum Scenario {
    /** 8 writers, 10,000 streams, two appends of 10 events per stream: 200,000 events. */
    APPEND_BATCHED("append-batched", true),
    /** 8 writers, 20,000 single-event appends to distinct streams. */
    APPEND_SINGLE("append-single", true),
    /** The whole global log from the start, in pages, after an append-batched load. */
    READ_ALL("read-all", false),
    /** As read-all, but the load also rolled back one append in ten (gaps in any sequence). */
    READ_ALL_AFTER_ROLLBACKS("read-all-after-rollbacks", false),
    /** Rebuild one 10,000-event aggregate 20 times by replaying its whole stream. */
    LOAD_AGGREGATE("load-aggregate", false),
    /** The same aggregate rebuilt 20 times from its latest snapshot plus the events after it. */
    LOAD_AGGREGATE_SNAPSHOTS("load-aggregate-snapshots", false),
    /** An async projection catches up on the append-batched load, checkpointing with its read model. */
    PROJECTION_CATCHUP("projection-catchup", false),
    /** Append-to-handler latency of a live subscription to the global log under the append-single load. */
    SUBSCRIPTION_LATENCY("subscription-latency", false),
    /** The outbox relay publishes the append-batched load to each reachable broker, one line per broker. */
    OUTBOX_RELAY("outbox-relay", false),
    /** As append-batched, through an encrypting store: two personal fields per event, a data key per stream. */
    APPEND_BATCHED_ENCRYPTED("append-batched-encrypted", true),
    /** As read-all, every event decrypted on the way out. */
    READ_ALL_ENCRYPTED("read-all-encrypted", false);

    private final String id;
    private final boolean measuresAppends;

    Scenario(String id, boolean measuresAppends) {
        this.id = id;
        this.measuresAppends = measuresAppends;
    }

    public String id() {
        return id;
    }

    /** Whether the scenario times appends, and so reports per-append latency. */
    public boolean measuresAppends() {
        return measuresAppends;
    }

    public static Scenario parse(String name) {
        String n = name.trim();
        for (Scenario s : values()) {
            if (s.id.equals(n)) return s;
        }
        throw new InvalidInputException("scenario", "unknown scenario '" + name + "'; known: " + names());
    }

    /** A comma-separated list of scenario names; {@code all} stands for every scenario. */
    public static List<Scenario> parseList(String list) {
        List<Scenario> out = new ArrayList<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) continue;
            if (part.trim().equals("all")) {
                for (Scenario s : values()) if (!out.contains(s)) out.add(s);
            } else {
                Scenario s = parse(part);
                if (!out.contains(s)) out.add(s);
            }
        }
        if (out.isEmpty()) throw new InvalidInputException("scenario", "no scenario given; known: " + names());
        return out;
    }

    public static String names() {
        return Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", "));
    }
}
