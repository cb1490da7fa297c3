package dev.facta.server.admin;

import dev.facta.InvalidInputException;
import dev.facta.projection.DeadLetter;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionRecord;
import dev.facta.projection.ProjectionStatus;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Query;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.server.Access;
import dev.facta.server.ServerContext;
import dev.facta.server.StateView;
import dev.facta.store.AllSlice;
import dev.facta.store.EventStore;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;
import dev.facta.store.StreamNotFoundException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.util.RawValue;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What the admin web UI asks the server, as plain methods that answer JSON text: browsing streams,
 * events with their correlation and causation relations, projection status and operations, dead
 * letters, and an aggregate's state at any version (time travel). {@link AdminUi} maps them to
 * routes under {@code /admin/api}; they can be called directly as well.
 *
 * <p>Bad input is refused with {@link InvalidInputException}; things that do not exist and operations
 * this server cannot perform with {@link AdminApiException}. Read methods change nothing.
 *
 * <p><b>Relations.</b> The event store has no index by event id or correlation id, so lookups by
 * those scan the global log backwards from its head, over at most {@link #relationScanLimit()} events
 * (50,000 by default); older relations are not found, and every answer says which positions it
 * searched. Links between events use positions, which the store reads directly.
 *
 * <p>Safe for use by many threads.
 */
public final class AdminApi {
    /** How many of the newest events relation lookups search by default. */
    public static final int DEFAULT_RELATION_SCAN_LIMIT = 50_000;
    /** The largest page of streams, events or dead letters one call returns. */
    public static final int MAX_PAGE = 500;
    /** At most this many events are folded for one time-travel view. */
    public static final int MAX_FOLD_EVENTS = 100_000;
    /** At most this many related events of each kind are returned (the newest ones). */
    static final int MAX_RELATED = 200;
    /** How many events up to the chosen version the time-travel view lists. */
    static final int TIME_TRAVEL_EVENTS = 200;
    private static final int SCAN_PAGE = 5_000;
    private static final int MAX_ID_LENGTH = 1_000;
    private static final String HIDDEN_ERROR = "(hidden: the error may quote events of streams this token may not read)";
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final ServerContext context;
    private final Access access;
    private final EventStore events;
    private final ProjectionEngine engine;
    private final int relationScanLimit;
    private final AdminJson json;

    /** The admin API over the server's stores, without a projection engine and with the default scan limit. */
    public AdminApi(ServerContext context) {
        this(context, null, DEFAULT_RELATION_SCAN_LIMIT);
    }

    /**
     * @param engine            the application's projection engine when it runs in this process (it
     *                          enables retrying dead letters); null when none does
     * @param relationScanLimit how many of the newest events lookups by id and correlation search
     */
    public AdminApi(ServerContext context, ProjectionEngine engine, int relationScanLimit) {
        this.context = Objects.requireNonNull(context, "context");
        this.events = context.events();
        this.access = context.access();
        this.engine = engine;
        if (relationScanLimit < 1) {
            throw new InvalidInputException("relationScanLimit", "relationScanLimit must be >= 1, got " + relationScanLimit);
        }
        this.relationScanLimit = relationScanLimit;
        this.json = new AdminJson(context.json());
    }

    /** How many of the newest events lookups by id and correlation id search. */
    public int relationScanLimit() {
        return relationScanLimit;
    }

    // ------------------------------------------------------------------ overview

    /** The store, the head of the log, and what this server can do (projections, dead-letter retry, state views). */
    public String overview() {
        ObjectNode out = json.object();
        out.put("store", events.describe());
        out.put("headPosition", events.headPosition());
        out.put("projections", context.projections().isPresent());
        out.put("retryAvailable", engine != null);
        out.put("relationScanLimit", relationScanLimit);
        ArrayNode views = out.putArray("stateViews");
        for (StateView v : context.stateViews()) views.add(v.category());
        return json.write(out);
    }

    // ------------------------------------------------------------------ streams

    /**
     * Streams whose name starts with {@code prefix} (empty: all), in the store's name order, after the
     * stream {@code after} (null: from the first). {@code next} is the cursor of the following page, or
     * null when there is none.
     */
    public String streams(String prefix, String after, int limit) {
        checkLimit(limit);
        String p = prefix == null ? "" : prefix;
        if (p.length() > StreamId.MAX_LENGTH) throw new InvalidInputException("prefix", "prefix is longer than " + StreamId.MAX_LENGTH + " characters");
        List<StreamInfo> found = new ArrayList<>();
        boolean more = false;
        String cursor = after;
        if (cursor != null) {
            new StreamId(cursor); // a cursor is a stream name
        } else if (!p.isEmpty()) {
            Optional<StreamId> exact = validStreamId(p);
            if (exact.isEmpty() && !couldPrefixAName(p)) return json.write(streamsPage(p, found, null));
            if (exact.isPresent()) events.streamInfo(exact.get()).ifPresent(found::add);
            cursor = validCursorBefore(p);
        }
        int skipped = 0;
        scan:
        while (true) {
            List<StreamInfo> page = events.listStreams(cursor, Math.min(EventStore.MAX_READ, limit + 1 - found.size() + 16));
            for (StreamInfo s : page) {
                String name = s.stream().value();
                cursor = name;
                if (name.startsWith(p)) {
                    if (found.size() == limit) {
                        more = true;
                        break scan;
                    }
                    found.add(s);
                } else if (name.compareTo(p) < 0) {
                    if (++skipped > 4 * EventStore.MAX_READ) { // a pathological prefix: hand back a cursor
                        more = true;
                        break scan;
                    }
                } else {
                    break scan;
                }
            }
            if (page.isEmpty()) break;
        }
        String next = more ? (found.isEmpty() ? cursor : found.getLast().stream().value()) : null;
        return json.write(streamsPage(p, found, next));
    }

    private ObjectNode streamsPage(String prefix, List<StreamInfo> found, String next) {
        ObjectNode out = json.object();
        out.put("prefix", prefix);
        ArrayNode list = out.putArray("streams");
        for (StreamInfo s : found) list.add(streamNode(s));
        if (next == null) out.putNull("next");
        else out.put("next", next);
        return out;
    }

    private ObjectNode streamNode(StreamInfo s) {
        ObjectNode n = json.object();
        n.put("stream", s.stream().value());
        n.put("category", s.stream().category());
        n.put("lastVersion", s.lastVersion());
        n.put("deleted", s.deleted());
        return n;
    }

    /**
     * One page of a stream's events, newest first when {@code backward}, starting at version
     * {@code from} (null: the newest, or the oldest visible when reading forward), with what the store
     * knows of the stream. {@code next} is the version the following page starts at, or null.
     */
    public String stream(String name, Long from, int limit, boolean backward) {
        checkLimit(limit);
        StreamId id = new StreamId(name);
        if (from != null && from < 0) throw new InvalidInputException("from", "from must be >= 0, got " + from);
        StreamInfo info = events.streamInfo(id)
                .orElseThrow(() -> AdminApiException.notFound("stream_not_found", "stream '" + name + "' not found"));
        ObjectNode out = streamNode(info);
        StreamMetadata m = info.metadata();
        ObjectNode settings = out.putObject("settings");
        if (m.maxCount() != null) settings.put("maxCount", m.maxCount());
        if (m.maxAge() != null) settings.put("maxAgeSeconds", m.maxAge().toSeconds());
        if (m.truncateBefore() != null) settings.put("truncateBefore", m.truncateBefore());
        out.put("stateView", stateView(info.stream().category()).isPresent());
        out.put("direction", backward ? "backward" : "forward");
        ArrayNode list = out.putArray("events");
        Long next = null;
        if (!info.deleted() && info.hasEvents()) {
            long start = from != null ? from : backward ? Long.MAX_VALUE : 0;
            List<RecordedEvent> page;
            try {
                page = events.readStream(id, start, limit + 1, backward ? ReadDirection.BACKWARD : ReadDirection.FORWARD);
            } catch (StreamNotFoundException | StreamDeletedException e) {
                page = List.of();
            }
            for (int i = 0; i < Math.min(limit, page.size()); i++) list.add(summary(page.get(i)));
            if (page.size() > limit) next = page.get(limit).version();
        }
        if (next == null) out.putNull("next");
        else out.put("next", next);
        return json.write(out);
    }

    // ------------------------------------------------------------------ events and relations

    /** The event at a global position, with its relations. */
    public String eventAtPosition(long position) {
        if (position < 1) throw new InvalidInputException("position", "a position is >= 1, got " + position);
        AllSlice slice = events.readAll(position, 1);
        if (slice.events().isEmpty() || slice.events().getFirst().position() != position) {
            throw AdminApiException.notFound("event_not_found", "there is no event at position " + position);
        }
        return json.write(details(slice.events().getFirst()));
    }

    /** The event of a stream at a version, with its relations. */
    public String eventAt(String stream, long version) {
        StreamId id = new StreamId(stream);
        if (version < 0) throw new InvalidInputException("version", "a version is >= 0, got " + version);
        List<RecordedEvent> found;
        try {
            found = events.readStream(id, version, 1, ReadDirection.FORWARD);
        } catch (StreamNotFoundException e) {
            throw AdminApiException.notFound("stream_not_found", e.getMessage());
        } catch (StreamDeletedException e) {
            throw AdminApiException.notFound("stream_deleted", e.getMessage() + "; its events are still in the global log");
        }
        if (found.isEmpty() || found.getFirst().version() != version) {
            throw AdminApiException.notFound("event_not_found", "stream '" + stream + "' has no visible event at version " + version);
        }
        return json.write(details(found.getFirst()));
    }

    /** The event with an id, searched among the newest {@link #relationScanLimit()} events, with its relations. */
    public String eventById(String eventId) {
        UUID id = parseUuid(eventId);
        Window w = window();
        RecordedEvent[] hit = new RecordedEvent[1];
        scanBackward(w, e -> {
            if (!e.id().equals(id)) return true;
            hit[0] = e;
            return false;
        });
        if (hit[0] == null) {
            throw AdminApiException.notFound("event_not_found", "no event with id " + id + " " + w.describe());
        }
        return json.write(details(hit[0]));
    }

    /** The events whose correlation id is {@code correlationId}, among the newest {@link #relationScanLimit()}, oldest first. */
    public String correlation(String correlationId) {
        if (correlationId == null || correlationId.isEmpty() || correlationId.length() > MAX_ID_LENGTH) {
            throw new InvalidInputException("id", "a correlation id is 1 to " + MAX_ID_LENGTH + " characters");
        }
        Window w = window();
        Related related = new Related(MAX_RELATED * 2);
        scanBackward(w, e -> {
            if (correlationId.equals(e.metadata().correlationId())) related.add(e);
            return true;
        });
        ObjectNode out = json.object();
        out.put("correlationId", correlationId);
        out.set("events", related.toArray());
        out.put("truncated", related.truncated);
        out.set("scan", w.toJson());
        return json.write(out);
    }

    private ObjectNode details(RecordedEvent e) {
        ObjectNode out = json.object();
        out.set("event", full(e));
        String self = e.id().toString();
        String correlation = e.metadata().correlationId();
        String causation = e.metadata().causationId();
        Window w = window();
        RecordedEvent[] causedBy = new RecordedEvent[1];
        Related caused = new Related(MAX_RELATED);
        Related correlated = new Related(MAX_RELATED);
        scanBackward(w, o -> {
            if (causation != null && causedBy[0] == null && o.id().toString().equals(causation)) causedBy[0] = o;
            if (self.equals(o.metadata().causationId())) caused.add(o);
            if (correlation != null && correlation.equals(o.metadata().correlationId())) correlated.add(o);
            return true;
        });
        ObjectNode related = out.putObject("related");
        if (causedBy[0] == null) related.putNull("causedBy");
        else related.set("causedBy", summary(causedBy[0]));
        related.set("caused", caused.toArray());
        related.put("causedTruncated", caused.truncated);
        related.set("correlated", correlated.toArray());
        related.put("correlatedTruncated", correlated.truncated);
        out.set("scan", w.toJson());
        return out;
    }

    /** The newest related events seen by a backward scan, returned oldest first. */
    private final class Related {
        private final int max;
        private final List<RecordedEvent> events = new ArrayList<>();
        private boolean truncated;

        Related(int max) {
            this.max = max;
        }

        void add(RecordedEvent e) {
            events.add(e);
        }

        ArrayNode toArray() {
            // a backward scan visits pages newest first, each page oldest first
            List<RecordedEvent> sorted = new ArrayList<>(events);
            sorted.sort(Comparator.comparingLong(RecordedEvent::position).reversed());
            if (sorted.size() > max) {
                truncated = true;
                sorted = sorted.subList(0, max);
            }
            ArrayNode a = json.mapper().createArrayNode();
            for (int i = sorted.size() - 1; i >= 0; i--) a.add(summary(sorted.get(i)));
            return a;
        }
    }

    /** The positions a relation lookup searches: the newest {@code relationScanLimit} events. */
    private record Window(long from, long to, int limit) {
        String describe() {
            return to < 1 ? "(the log is empty)"
                    : "among the newest " + limit + " events of the log (positions " + from + " to " + to + "); older events are not searched";
        }

        ObjectNode toJson() {
            ObjectNode n = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            n.put("from", from);
            n.put("to", to);
            n.put("limit", limit);
            n.put("complete", from <= 1);
            return n;
        }
    }

    private Window window() {
        long head = events.headPosition();
        return new Window(Math.max(1, head - relationScanLimit + 1), head, relationScanLimit);
    }

    /** Visits the window's events, newest page first (ascending within a page), until the visitor answers false. */
    private void scanBackward(Window w, Predicate<RecordedEvent> visitor) {
        for (long hi = w.to(); hi >= w.from(); ) {
            long lo = Math.max(w.from(), hi - SCAN_PAGE + 1);
            long p = lo;
            while (p <= hi) {
                AllSlice slice = events.readAll(p, (int) (hi - p + 1));
                for (RecordedEvent e : slice.events()) {
                    if (e.position() > hi) break;
                    if (!visitor.test(e)) return;
                }
                if (slice.events().isEmpty() || slice.endOfLog()) break;
                p = slice.next();
            }
            hi = lo - 1;
        }
    }

    private ObjectNode summary(RecordedEvent e) {
        ObjectNode n = json.object();
        n.put("id", e.id().toString());
        n.put("stream", e.stream().value());
        n.put("version", e.version());
        n.put("position", e.position());
        n.put("type", e.type());
        n.put("recordedAt", e.recordedAt().toString());
        n.put("preview", json.preview(e.data()));
        putNullable(n, "correlationId", e.metadata().correlationId());
        putNullable(n, "causationId", e.metadata().causationId());
        return n;
    }

    private ObjectNode full(RecordedEvent e) {
        ObjectNode n = json.object();
        n.put("id", e.id().toString());
        n.put("stream", e.stream().value());
        n.put("category", e.stream().category());
        n.put("version", e.version());
        n.put("position", e.position());
        n.put("type", e.type());
        n.put("recordedAt", e.recordedAt().toString());
        if (json.parseOrNull(e.data()) != null) {
            n.putRawValue("data", new RawValue(e.dataAsString())); // exactly as stored
        } else {
            n.putNull("data");
            n.put("dataText", new String(e.data(), StandardCharsets.UTF_8));
        }
        n.set("metadata", json.objectOf(e.metadata().asMap()));
        n.put("size", e.data().length);
        return n;
    }

    // ------------------------------------------------------------------ projections

    /** Every projection version's status (state, flags, position, lag, dead letters, last error, segments). */
    public String projections() {
        ObjectNode out = json.object();
        Optional<ProjectionStore> store = context.projections();
        out.put("available", store.isPresent());
        out.put("retryAvailable", engine != null);
        out.put("headPosition", events.headPosition());
        ArrayNode list = out.putArray("projections");
        if (store.isPresent()) {
            for (ProjectionStatus s : ProjectionStatus.list(events, store.get())) list.add(statusNode(s));
        }
        return json.write(out);
    }

    private ObjectNode statusNode(ProjectionStatus s) {
        ObjectNode n = json.object();
        n.put("name", s.key().name());
        n.put("version", s.key().version());
        n.put("state", s.state().name());
        n.put("paused", s.paused());
        n.put("stopped", s.stopped());
        n.put("rebuildRequested", s.rebuildRequested());
        n.put("position", s.position());
        n.put("headPosition", s.headPosition());
        n.put("lagEvents", s.lagEvents());
        n.put("lagSeconds", s.lagSeconds());
        n.put("caughtUp", s.caughtUp());
        n.put("parked", s.parked());
        // an error message may quote any event's data: only for callers who may read every stream
        putNullable(n, "lastError", s.lastError() == null || access.readsEverything() ? s.lastError() : HIDDEN_ERROR);
        putNullable(n, "lastErrorAt", s.lastErrorAt());
        n.put("retryAvailable", engine != null && engine.projections().contains(s.key()));
        ArrayNode segments = n.putArray("segments");
        for (ProjectionStatus.SegmentStatus seg : s.segments()) {
            ObjectNode g = segments.addObject();
            g.put("segment", seg.segment());
            g.put("checkpoint", seg.checkpoint());
            putNullable(g, "owner", seg.owner());
            putNullable(g, "leaseExpiresAt", seg.leaseExpiresAt());
        }
        return n;
    }

    /** Pauses every version of a projection (engines keep their segments but apply nothing); answers {@link #projections()}. */
    public String pause(String name) {
        ProjectionKey.checkName(name);
        if (!projectionStore().setPaused(name, true)) throw unknownProjection(name);
        return projections();
    }

    /** Resumes a paused projection, or one stopped by a failure; answers {@link #projections()}. */
    public String resume(String name) {
        ProjectionKey.checkName(name);
        if (!projectionStore().resume(name)) throw unknownProjection(name);
        return projections();
    }

    /** Asks for a rebuild of the active version (its segment 0's owner performs it); answers {@link #projections()}. */
    public String rebuild(String name) {
        ProjectionKey.checkName(name);
        ProjectionStore store = projectionStore();
        if (!store.requestRebuild(name)) {
            if (store.list().stream().anyMatch(r -> r.key().name().equals(name))) {
                throw AdminApiException.conflict("no_active_version", "projection '" + name + "' has no active version to rebuild");
            }
            throw unknownProjection(name);
        }
        return projections();
    }

    /** The dead letters of every version of a projection, by id, after the letter {@code after} (0: from the first). */
    public String deadLetters(String name, long after, int limit) {
        ProjectionKey.checkName(name);
        checkLimit(limit);
        if (after < 0) throw new InvalidInputException("after", "after must be >= 0, got " + after);
        ProjectionStore store = projectionStore();
        List<ProjectionRecord> versions = store.list().stream().filter(r -> r.key().name().equals(name)).toList();
        if (versions.isEmpty()) throw unknownProjection(name);
        List<DeadLetter> letters = new ArrayList<>();
        for (ProjectionRecord r : versions) letters.addAll(readableLetters(store, r.key(), after, limit + 1));
        letters.sort(Comparator.comparingLong(DeadLetter::id));
        boolean more = letters.size() > limit;
        if (more) letters = letters.subList(0, limit);
        ObjectNode out = json.object();
        out.put("projection", name);
        ArrayNode list = out.putArray("letters");
        for (DeadLetter d : letters) list.add(letterNode(d));
        if (more) out.put("next", letters.getLast().id());
        else out.putNull("next");
        out.put("retryAvailable", engine != null && versions.stream().anyMatch(r -> engine.projections().contains(r.key())));
        return json.write(out);
    }

    /** Up to {@code max} letters after {@code after} whose event's stream the caller may read. */
    private List<DeadLetter> readableLetters(ProjectionStore store, ProjectionKey key, long after, int max) {
        List<DeadLetter> out = new ArrayList<>();
        long cursor = after;
        while (out.size() < max) {
            List<DeadLetter> page = store.deadLetters(key, cursor, max);
            for (DeadLetter d : page) {
                if (out.size() < max && access.canRead(d.stream())) out.add(d);
            }
            if (page.size() < max) break;
            cursor = page.getLast().id();
        }
        return out;
    }

    /** The letter, if it exists and the caller may read its event's stream (else it does not exist for it). */
    private DeadLetter readableLetter(ProjectionStore store, long id) {
        return store.deadLetter(id).filter(d -> access.canRead(d.stream())).orElseThrow(() -> noLetter(id));
    }

    private ObjectNode letterNode(DeadLetter d) {
        ObjectNode n = json.object();
        n.put("id", d.id());
        n.put("projection", d.key().name());
        n.put("version", d.key().version());
        n.put("segment", d.segment());
        n.put("position", d.position());
        n.put("eventId", d.eventId().toString());
        n.put("stream", d.stream());
        n.put("eventType", d.eventType());
        n.put("attempts", d.attempts());
        putNullable(n, "error", d.error());
        putNullable(n, "parkedAt", d.parkedAt());
        return n;
    }

    /**
     * Deletes a dead letter without applying its event. A letter its segment is stopped in front of
     * (parked under {@code OnFailure.STOP}) is skipped: the segment's checkpoint moves past it in the
     * same transaction, and the projection runs again when no other segment waits on a letter; this is
     * what {@link ProjectionEngine#discardDeadLetter} does, and it is used when an engine is given.
     */
    public String discardDeadLetter(long id) {
        ProjectionStore store = projectionStore();
        DeadLetter letter = readableLetter(store, id);
        if (engine != null) {
            if (!engine.discardDeadLetter(id)) throw noLetter(id);
        } else {
            ProjectionKey key = letter.key();
            List<DeadLetter> others = new ArrayList<>();
            long after = 0;
            while (true) {
                List<DeadLetter> page = store.deadLetters(key, after, 500);
                for (DeadLetter d : page) if (d.id() != id) others.add(d);
                if (page.size() < 500) break;
                after = page.getLast().id();
            }
            boolean deleted = store.inTransaction(tx -> {
                long checkpoint = tx.checkpoint(key, letter.segment());
                if (!tx.deleteDeadLetter(id)) return false;
                if (letter.position() > checkpoint) {
                    tx.saveCheckpoint(key, letter.segment(), letter.position());
                    boolean waiting = false;
                    for (DeadLetter d : others) {
                        if (d.position() > tx.checkpoint(d.key(), d.segment())) waiting = true;
                    }
                    if (!waiting) tx.setStopped(key, false);
                }
                return true;
            });
            if (!deleted) throw noLetter(id);
        }
        ObjectNode out = json.object();
        out.put("discarded", id);
        out.set("letter", letterNode(letter));
        return json.write(out);
    }

    /**
     * Applies a dead letter's event again with the projection's code, which only the application's
     * {@link ProjectionEngine} has: without one this refuses with {@code retry_unavailable}.
     */
    public String retryDeadLetter(long id) {
        ProjectionStore store = projectionStore();
        DeadLetter letter = readableLetter(store, id);
        if (engine == null || !engine.projections().contains(letter.key())) {
            throw AdminApiException.conflict("retry_unavailable", "retrying applies the event with the projection's code, "
                    + "which runs in the application, not in this server: call ProjectionEngine.retryDeadLetter(" + id
                    + ") there, or discard the letter here");
        }
        Optional<DeadLetter> again = engine.retryDeadLetter(id);
        ObjectNode out = json.object();
        out.put("applied", again.isEmpty());
        if (again.isPresent()) out.set("letter", letterNode(again.get()));
        return json.write(out);
    }

    // ------------------------------------------------------------------ read models

    /**
     * The read-model collections with their document counts. Read models are derived from events of
     * any stream, so only callers who may read every stream see them (else 403 {@code forbidden}).
     */
    public String readModels() {
        ReadModelStore store = readModelStore();
        ObjectNode out = json.object();
        ArrayNode list = out.putArray("collections");
        for (String name : store.collections()) {
            ObjectNode c = list.addObject();
            c.put("name", name);
            c.put("count", store.collection(name, DocumentCodec.json()).count(Query.all()));
        }
        return json.write(out);
    }

    /** One page of a read-model collection's documents, as stored; same rights as {@link #readModels()}. */
    public String readModel(String collection, long offset, int limit) {
        ReadModelStore.checkName(collection);
        checkLimit(limit);
        if (offset < 0) throw new InvalidInputException("offset", "offset must be >= 0, got " + offset);
        ReadModelStore store = readModelStore();
        if (!store.collections().contains(collection)) {
            throw AdminApiException.notFound("collection_not_found", "there is no read-model collection '" + collection + "'");
        }
        Page<String> page = store.collection(collection, DocumentCodec.json()).find(Query.all().limit(limit).offset(offset));
        ObjectNode out = json.object();
        out.put("collection", collection);
        ArrayNode docs = out.putArray("documents");
        for (String d : page.items()) docs.addRawValue(new RawValue(d));
        if (page.hasMore()) out.put("next", offset + page.items().size());
        else out.putNull("next");
        return json.write(out);
    }

    private ReadModelStore readModelStore() {
        if (!access.readsEverything()) {
            throw new AdminApiException(403, "forbidden", "read models are derived from events of any stream: only a token that may"
                    + " read every stream sees them");
        }
        return projectionStore().readModels();
    }

    private ProjectionStore projectionStore() {
        return context.projections().orElseThrow(() -> AdminApiException.conflict("no_projection_store",
                "this server's store (" + events.describe() + ") keeps no projections"));
    }

    private static AdminApiException unknownProjection(String name) {
        return AdminApiException.notFound("projection_not_found", "unknown projection: " + name);
    }

    private static AdminApiException noLetter(long id) {
        return AdminApiException.notFound("dead_letter_not_found", "there is no dead letter " + id);
    }

    // ------------------------------------------------------------------ time travel

    /**
     * The state of a stream's aggregate at {@code version} (null: its last version): folded by the
     * {@link StateView} registered for its category, else by merging each event's JSON data object into
     * the state (events whose data is not an object are counted in {@code skipped}). Answers the event
     * at that version and up to {@value #TIME_TRAVEL_EVENTS} events up to it, oldest first.
     */
    public String timeTravel(String stream, Long version) {
        StreamId id = new StreamId(stream);
        StreamInfo info = events.streamInfo(id).filter(StreamInfo::hasEvents)
                .orElseThrow(() -> AdminApiException.notFound("stream_not_found", "stream '" + stream + "' not found"));
        if (info.deleted()) throw AdminApiException.notFound("stream_deleted", "stream '" + stream + "' is deleted");
        long last = info.lastVersion();
        long v = version == null ? last : version;
        if (v < 0 || v > last) {
            throw new InvalidInputException("version", "version must be 0.." + last + " for stream '" + stream + "', got " + v);
        }
        List<RecordedEvent> folded = new ArrayList<>();
        long from = 0;
        while (true) {
            List<RecordedEvent> page;
            try {
                page = events.readStream(id, from, EventStore.MAX_READ, ReadDirection.FORWARD);
            } catch (StreamDeletedException e) {
                throw AdminApiException.notFound("stream_deleted", e.getMessage());
            }
            boolean done = page.size() < EventStore.MAX_READ;
            for (RecordedEvent e : page) {
                if (e.version() > v) {
                    done = true;
                    break;
                }
                folded.add(e);
                if (folded.size() > MAX_FOLD_EVENTS) {
                    throw new InvalidInputException("version", "the time-travel view folds at most " + MAX_FOLD_EVENTS
                            + " events; version " + v + " of '" + stream + "' needs more");
                }
            }
            if (done || page.isEmpty()) break;
            from = page.getLast().version() + 1;
        }
        if (folded.isEmpty() || folded.getLast().version() != v) {
            throw new InvalidInputException("version", "version " + v + " of '" + stream + "' is hidden by the stream's settings");
        }
        ObjectNode out = json.object();
        out.put("stream", stream);
        out.put("category", id.category());
        out.put("firstVersion", folded.getFirst().version());
        out.put("lastVersion", last);
        out.put("version", v);
        Optional<StateView> view = stateView(id.category());
        out.put("view", view.isPresent() ? "registered" : "generic");
        if (view.isPresent()) {
            try {
                String rendered = view.get().render(List.copyOf(folded));
                JsonNode state = json.parseOrNull(rendered);
                if (state == null) {
                    out.putNull("state");
                    out.put("stateError", "the state view of category '" + id.category() + "' did not return one JSON value");
                } else {
                    out.set("state", state);
                }
            } catch (RuntimeException e) {
                out.putNull("state");
                out.put("stateError", "the state view of category '" + id.category() + "' failed: " + e);
            }
            out.put("skipped", 0);
        } else {
            ObjectNode state = json.object();
            int skipped = 0;
            for (RecordedEvent e : folded) {
                if (json.parseOrNull(e.data()) instanceof ObjectNode patch) AdminJson.deepMerge(state, patch);
                else skipped++;
            }
            out.set("state", state);
            out.put("skipped", skipped);
        }
        out.set("event", full(folded.getLast()));
        ArrayNode list = out.putArray("events");
        int start = Math.max(0, folded.size() - TIME_TRAVEL_EVENTS);
        for (int i = start; i < folded.size(); i++) list.add(summary(folded.get(i)));
        out.put("omitted", start);
        return json.write(out);
    }

    private Optional<StateView> stateView(String category) {
        for (StateView v : context.stateViews()) {
            if (v.category().equals(category)) return Optional.of(v);
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ helpers

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_PAGE) throw new InvalidInputException("limit", "limit must be 1.." + MAX_PAGE + ", got " + limit);
    }

    private static UUID parseUuid(String text) {
        if (text == null || !UUID_TEXT.matcher(text).matches()) {
            throw new InvalidInputException("id", "an event id is a UUID like 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b, got: "
                    + (text == null ? "nothing" : text.length() > 80 ? text.substring(0, 80) + "…" : text));
        }
        return UUID.fromString(text);
    }

    private static Optional<StreamId> validStreamId(String name) {
        try {
            return Optional.of(new StreamId(name));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    /** Whether some legal stream name starts with {@code prefix}. */
    private static boolean couldPrefixAName(String prefix) {
        return validStreamId(prefix + "x").isPresent();
    }

    /** The longest legal stream name that is a prefix of {@code prefix} (names after it include every match), or null. */
    private static String validCursorBefore(String prefix) {
        for (int end = prefix.length(); end > 0; end--) {
            if (end < prefix.length() && Character.isLowSurrogate(prefix.charAt(end))) continue;
            Optional<StreamId> id = validStreamId(prefix.substring(0, end));
            if (id.isPresent()) return id.get().value();
        }
        return null;
    }

    private static void putNullable(ObjectNode n, String field, String value) {
        if (value == null) n.putNull(field);
        else n.put(field, value);
    }

    private static void putNullable(ObjectNode n, String field, Instant value) {
        if (value == null) n.putNull(field);
        else n.put(field, value.toString());
    }
}
