package dev.facta.dynamodb;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.internal.AppendCoalescer;
import dev.facta.internal.AppendPlanner;
import dev.facta.internal.AppendValidation;
import dev.facta.internal.MetadataCodec;
import dev.facta.internal.PreparedAppend;
import dev.facta.internal.PreparedEvent;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendNotifier;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.EventTooLargeException;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StoreLimits;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import dev.facta.store.StreamMetadata;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import static dev.facta.dynamodb.DynamoDbTable.GK;
import static dev.facta.dynamodb.DynamoDbTable.GS;
import static dev.facta.dynamodb.DynamoDbTable.PK;
import static dev.facta.dynamodb.DynamoDbTable.SK;
import static dev.facta.dynamodb.DynamoDbTable.key;
import static dev.facta.dynamodb.DynamoDbTable.n;

/**
 * The event store on one DynamoDB table (layout: {@link DynamoDbTable}, docs/dynamodb.md).
 *
 * <p>Invariants, and how they are kept:
 * <ul>
 * <li>An append commits in one {@code TransactWriteItems}: its events packed into a chunk item in
 * the stream's partition (sort key: the first version) and one in the global log (sort key: the
 * first position), one item per event id, the stream's head and the log counter. Everything it
 * writes is conditional: the counter must still hold the position the plan started from, the
 * head the version it was read at (and not be deleted), ids and chunks must not exist yet. So of
 * concurrent appends, in this process or any other, exactly one wins each position and each
 * version, and a batch is all or nothing.
 * <li>An append whose id items do not fit one transaction beside its chunks (more than about 90
 * events) writes its id items first, in transactions of their own, and then commits as above.
 * Until the commit they point at nothing: an id item counts only when the log chunk at its
 * position holds that id, and one left behind by a commit that failed (or a crash) is replaced.
 * <li>Positions are dense: they are taken from the counter in the transaction that writes them,
 * so a position is readable exactly when the counter covers it. A reader reads the counter first
 * (strongly consistent) and then only positions at or below it, and checks that the chunks it got
 * tile them without a hole; a position it knows to be committed is waited for, never skipped.
 * <li>In this process, appends go through an {@link AppendCoalescer}: whatever queued up is
 * planned together by {@link AppendPlanner} (the same rules as every store) and written in as
 * few transactions as DynamoDB's limits allow (100 items, 4 MB each). A transaction cancelled by
 * a condition (another process wrote first, or an event id is already taken) is planned again
 * from fresh reads; only the culprit fails.
 * <li>An append must fit one transaction's {@value #MAX_TRANSACTION_BYTES} bytes (its events are
 * written twice); past that it is refused whole with {@link EventTooLargeException}.
 * </ul>
 */
public final class DynamoDbEventStore implements EventStore, AppendNotifier {
    /** The most items DynamoDB takes in one transaction. */
    public static final int MAX_TRANSACTION_ITEMS = 100;
    /** The most bytes DynamoDB takes in one transaction (items as DynamoDB sizes them). */
    public static final int MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
    /** Data plus metadata of one event: it must fit a chunk item (DynamoDB items hold 400 KB). */
    public static final int MAX_EVENT_BYTES = 300 * 1024;
    public static final StoreLimits LIMITS = new StoreLimits(MAX_EVENT_BYTES, StoreLimits.DEFAULT.maxEventsPerAppend(), 64);
    /** What a chunk item's events may weigh, leaving room below 400 KB for keys and attributes. */
    static final int CHUNK_BYTES = 340 * 1024;

    /** Attribute names, short because DynamoDB counts them in every item's size. */
    static final String A_HEAD = "lp", A_LAST = "lv", A_DELETED = "dl", A_MAX_COUNT = "mc", A_MAX_AGE = "ma",
            A_TRUNCATE = "tb", A_ID = "id", A_TYPE = "ty", A_DATA = "da", A_META = "me", A_POS = "po",
            A_VER = "ve", A_STREAM = "st", A_AT = "at", A_EVENTS = "ev";
    /** Bytes an event costs in a chunk besides its data, metadata and type (a generous bound). */
    private static final int EVENT_OVERHEAD = 64;
    /** Bytes an item costs besides its events: keys, stream name excluded (a generous bound). */
    private static final int ITEM_OVERHEAD = 128;
    /** How many positions one readAll call looks at when a filter passes few of them. */
    private static final int MAX_SCAN = 10_000;
    private static final int MAX_ATTEMPTS = 200;

    private static final System.Logger LOG = System.getLogger(DynamoDbEventStore.class.getName());

    private final DynamoDbClient client;
    private final boolean ownsClient;
    private final String table;
    private final String description;
    private final StoreLimits limits;
    private final Clock clock;
    private final AppendCoalescer coalescer;
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();
    /**
     * Streams' states as this instance last read or wrote them, to plan without reading them
     * again. Safe against other processes: a write planned on a stale state fails its head
     * condition and is planned again from fresh reads, and a failure is never reported from it.
     */
    private final Map<StreamId, AppendPlanner.StreamState> heads = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_CACHED_HEADS = 100_000;
    /** The counter as this instance last wrote or read it; -1: unknown (read it before planning). */
    private long knownHead = -1; // only touched by the coalescer's thread
    private volatile boolean closed;

    private DynamoDbEventStore(Builder b) {
        this.client = b.client != null ? b.client : DynamoDbClients.create(b.endpoint, b.region);
        this.ownsClient = b.client == null || b.closeClient;
        this.table = b.table;
        this.limits = b.limits;
        this.clock = b.clock;
        this.description = "dynamodb table " + table + (b.endpoint != null ? " at " + b.endpoint : "")
                + (b.region != null ? " in " + b.region : "");
        if (b.createTable) {
            try {
                DynamoDbTable.createIfMissing(client, table);
            } catch (RuntimeException e) {
                if (ownsClient) client.close();
                throw e;
            }
        }
        this.coalescer = new AppendCoalescer("dynamodb-" + table, b.maxBatchEvents, b.linger, this::writeBatch);
    }

    public static Builder builder(String table) {
        return new Builder(table);
    }

    /** The store's settings; every one but the table name has a default. */
    public static final class Builder {
        private final String table;
        private DynamoDbClient client;
        private boolean closeClient;
        private URI endpoint;
        private String region;
        private boolean createTable = true;
        private StoreLimits limits = LIMITS;
        private int maxBatchEvents = 1_000;
        private Duration linger = Duration.ofMillis(2);
        private Clock clock = Clock.systemUTC();

        private Builder(String table) {
            if (table == null || !table.matches("[A-Za-z0-9_.-]{3,255}")) {
                throw new InvalidInputException("table", "a DynamoDB table name is 3 to 255 letters, digits, '_', '-'"
                        + " or '.', got '" + table + "'");
            }
            this.table = table;
        }

        /** The client to use (the store does not close it); default: one built from endpoint and region. */
        public Builder client(DynamoDbClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** Whether closing the store closes a client given by {@link #client}; default false. */
        public Builder closeClient(boolean close) {
            this.closeClient = close;
            return this;
        }

        /** An endpoint other than AWS's, e.g. DynamoDB Local's {@code http://localhost:8000}. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** The AWS region; default: the SDK's (AWS_REGION, the profile), {@code us-east-1} with an endpoint. */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /** Whether opening creates the table when it is missing (on-demand capacity); default true. */
        public Builder createTable(boolean create) {
            this.createTable = create;
            return this;
        }

        /** Limits at most as large as DynamoDB allows ({@link #LIMITS}). */
        public Builder limits(StoreLimits limits) {
            Objects.requireNonNull(limits, "limits");
            if (limits.maxEventBytes() > MAX_EVENT_BYTES) {
                throw new IllegalArgumentException("DynamoDB takes at most " + MAX_EVENT_BYTES + " bytes per event");
            }
            this.limits = limits;
            return this;
        }

        /** The most events the coalescer hands the writer at once (written in as many transactions as needed). */
        public Builder maxBatchEvents(int n) {
            if (n < 1) throw new IllegalArgumentException("maxBatchEvents must be >= 1");
            this.maxBatchEvents = n;
            return this;
        }

        /**
         * How long the writer waits for the callers of its previous transaction to come back before
         * it starts the next one (default 2 ms): a transaction costs DynamoDB about the same for one
         * append as for twenty, so sharing one is worth a short wait.
         */
        public Builder linger(Duration linger) {
            if (linger.isNegative()) throw new IllegalArgumentException("linger must not be negative");
            this.linger = linger;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public DynamoDbEventStore open() {
            return new DynamoDbEventStore(this);
        }
    }

    /** The table this store keeps its items in. */
    public String table() {
        return table;
    }

    /** The client this store talks through (for a snapshot store on the same table). */
    public DynamoDbClient client() {
        return client;
    }

    @Override
    public AutoCloseable onAppend(Runnable listener) {
        appendListeners.add(listener);
        return () -> appendListeners.remove(listener);
    }

    // ---- appending -----------------------------------------------------------------------

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        checkOpen();
        PreparedAppend prepared = AppendValidation.prepare(stream, expected, events, limits);
        long bytes = commitBytes(prepared);
        if (bytes > MAX_TRANSACTION_BYTES) {
            throw new EventTooLargeException("events", bytes, MAX_TRANSACTION_BYTES);
        }
        return coalescer.append(prepared);
    }

    private static long eventBytes(PreparedEvent e) {
        return utf8Length(e.data()) + (e.metadata().isEmpty() ? 0 : utf8Length(e.metadataJson())) + utf8Length(e.type())
                + EVENT_OVERHEAD;
    }

    /** A bound on what the append weighs in its commit: its events twice (stream and log chunks), its id items. */
    private static long commitBytes(PreparedAppend a) {
        long streamBytes = utf8Length(a.stream().value());
        long events = eventBytes(a);
        return 2 * events + a.events().size() * (ITEM_OVERHEAD + 2 * streamBytes)
                + (long) (chunksBound(events, 0) + 2) * (ITEM_OVERHEAD + streamBytes);
    }

    private static long eventBytes(PreparedAppend a) {
        long n = 0;
        for (PreparedEvent e : a.events()) n += eventBytes(e);
        return n;
    }

    /**
     * How many chunk items events of this weight are cut into at most: a chunk is cut before an
     * event that would take it past {@link #CHUNK_BYTES}, so every chunk but the last holds more
     * than {@code CHUNK_BYTES - MAX_EVENT_BYTES}; log chunks are cut at bucket boundaries too.
     */
    private static int chunksBound(long bytes, long buckets) {
        return (int) (1 + bytes / (CHUNK_BYTES - MAX_EVENT_BYTES) + buckets);
    }

    /** Items of the append beside the log chunks and the counter: its stream chunks, its ids, its head. */
    private static int itemsBound(PreparedAppend a) {
        return chunksBound(eventBytes(a), 0) + a.events().size() + 1;
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /**
     * Runs on the coalescer's thread: splits the batch into transactions that fit DynamoDB's
     * limits; an append too large to share one goes alone, its id items written beforehand.
     */
    private void writeBatch(List<AppendCoalescer.Pending> batch) {
        List<AppendCoalescer.Pending> chunk = new ArrayList<>();
        int items = 0;
        long bytes = 0;
        long events = 0;
        for (AppendCoalescer.Pending p : batch) {
            PreparedAppend a = p.append();
            int more = itemsBound(a);
            long moreBytes = commitBytes(a);
            if (transactionItems(more, moreBytes, a.events().size()) > MAX_TRANSACTION_ITEMS) {
                if (!chunk.isEmpty()) writeChunk(chunk, false);
                chunk.clear();
                items = 0;
                bytes = 0;
                events = 0;
                writeChunk(List.of(p), true);
                continue;
            }
            if (!chunk.isEmpty() && (transactionItems(items + more, bytes + moreBytes, events + a.events().size())
                    > MAX_TRANSACTION_ITEMS || bytes + moreBytes > MAX_TRANSACTION_BYTES)) {
                writeChunk(chunk, false);
                chunk.clear();
                items = 0;
                bytes = 0;
                events = 0;
            }
            chunk.add(p);
            items += more;
            bytes += moreBytes;
            events += a.events().size();
        }
        if (!chunk.isEmpty()) writeChunk(chunk, false);
    }

    /** Items of a transaction: the appends' own, the log chunks (cut by size and bucket) and the counter. */
    private static int transactionItems(int appendItems, long bytes, long events) {
        return appendItems + chunksBound(bytes / 2, 1 + events / DynamoDbTable.LOG_BUCKET) + 1;
    }

    /** One attempt's knowledge of id items that point at nothing committed, and so may be replaced. */
    private record Orphan(String stream, long position) {
    }

    private void writeChunk(List<AppendCoalescer.Pending> chunk, boolean stageIds) {
        List<PreparedAppend> appends = new ArrayList<>(chunk.size());
        Set<StreamId> streams = new LinkedHashSet<>();
        for (AppendCoalescer.Pending p : chunk) {
            appends.add(p.append());
            streams.add(p.append().stream());
        }
        boolean checkAllIds = false;
        boolean trustCache = true;
        for (int attempt = 1; ; attempt++) {
            long head = knownHead >= 0 ? knownHead : readHead();
            Map<StreamId, AppendPlanner.StreamState> states = trustCache ? cachedStates(appends) : null;
            boolean cached = states != null;
            if (!cached) states = readStates(streams);
            Map<UUID, Orphan> orphans = new HashMap<>();
            AppendPlanner.Plan plan = AppendPlanner.plan(appends, head,
                    AppendPlanner.Lookup.of(states, ids -> existing(ids, head, orphans)), checkAllIds);
            if (cached && plan.outcomes().stream().anyMatch(o -> o instanceof AppendPlanner.Failed)) {
                // a failure is only reported from fresh reads: the cache may lag behind another process
                trustCache = false;
                continue;
            }
            if (plan.writes().isEmpty()) {
                resolve(chunk, plan);
                return;
            }
            List<TransactWriteItem> ids = idItems(plan, orphans);
            List<TransactWriteItem> items = new ArrayList<>(stageIds ? List.of() : ids);
            items.addAll(commitItems(plan, head, states));
            List<TransactWriteItem> sent = items;
            try {
                if (stageIds) {
                    for (int from = 0; from < ids.size(); from += MAX_TRANSACTION_ITEMS) {
                        List<TransactWriteItem> part = ids.subList(from, Math.min(ids.size(), from + MAX_TRANSACTION_ITEMS));
                        sent = part;
                        client.transactWriteItems(r -> r.transactItems(part));
                    }
                }
                sent = items;
                client.transactWriteItems(r -> r.transactItems(items));
                knownHead = plan.head();
                if (heads.size() > MAX_CACHED_HEADS) heads.clear();
                plan.versions().forEach((stream, version) -> heads.put(stream, new AppendPlanner.StreamState(version, false)));
                resolve(chunk, plan);
                for (Runnable listener : appendListeners) listener.run();
                return;
            } catch (TransactionCanceledException cancelled) {
                knownHead = -1;
                trustCache = false;
                streams.forEach(heads::remove);
                Conflict why = conflict(cancelled, sent);
                if (why == Conflict.EVENT_ID) checkAllIds = true;
                if (attempt >= MAX_ATTEMPTS) {
                    throw new FactaException("append to DynamoDB table '" + table + "' gave up after " + attempt
                            + " conflicting attempts: " + cancelled.getMessage(), cancelled);
                }
                if (why == Conflict.BUSY) backoff(attempt);
            }
        }
    }

    private enum Conflict { EVENT_ID, STATE, BUSY }

    /** Why a transaction was cancelled: an id item taken, a head or counter moved, or items busy. */
    private static Conflict conflict(TransactionCanceledException e, List<TransactWriteItem> sent) {
        List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        boolean state = false;
        for (int i = 0; i < reasons.size(); i++) {
            if ("ConditionalCheckFailed".equals(reasons.get(i).code())) {
                Put put = i < sent.size() ? sent.get(i).put() : null;
                if (put != null && put.item().get(PK).s().startsWith(DynamoDbTable.ID_PREFIX)) return Conflict.EVENT_ID;
                state = true;
            }
        }
        return state ? Conflict.STATE : Conflict.BUSY;
    }

    private static void backoff(int attempt) {
        long maxMicros = Math.min(50_000, 500L << Math.min(attempt, 7));
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(maxMicros / 2, maxMicros) * 1_000);
    }

    private static void resolve(List<AppendCoalescer.Pending> chunk, AppendPlanner.Plan plan) {
        for (int i = 0; i < chunk.size(); i++) chunk.get(i).resolve(plan.outcomes().get(i));
    }

    /** One id item per event written: new, or replacing one that points at nothing committed. */
    private List<TransactWriteItem> idItems(AppendPlanner.Plan plan, Map<UUID, Orphan> orphans) {
        List<TransactWriteItem> items = new ArrayList<>();
        for (AppendPlanner.Write w : plan.writes()) {
            AttributeValue stream = AttributeValue.fromS(w.append().stream().value());
            List<PreparedEvent> events = w.append().events();
            for (int i = 0; i < events.size(); i++) {
                UUID id = events.get(i).id();
                Map<String, AttributeValue> item = new HashMap<>(key(DynamoDbTable.ID_PREFIX + id, 0));
                item.put(A_STREAM, stream);
                item.put(A_VER, n(w.firstVersion() + i));
                item.put(A_POS, n(w.firstPosition() + i));
                Orphan orphan = orphans.get(id);
                Put.Builder put = Put.builder().tableName(table).item(item);
                if (orphan == null) {
                    put.conditionExpression("attribute_not_exists(#pk)").expressionAttributeNames(Map.of("#pk", PK));
                } else {
                    put.conditionExpression("attribute_not_exists(#pk) OR (#st = :ost AND #po = :opo)")
                            .expressionAttributeNames(Map.of("#pk", PK, "#st", A_STREAM, "#po", A_POS))
                            .expressionAttributeValues(Map.of(":ost", AttributeValue.fromS(orphan.stream()),
                                    ":opo", n(orphan.position())));
                }
                items.add(TransactWriteItem.builder().put(put.build()).build());
            }
        }
        return items;
    }

    /**
     * The stream chunks of every write (cut by size), the log chunks of the whole transaction
     * (its positions in order, cut by size and at bucket boundaries), the heads and the counter.
     */
    private List<TransactWriteItem> commitItems(AppendPlanner.Plan plan, long head,
                                                Map<StreamId, AppendPlanner.StreamState> states) {
        List<TransactWriteItem> items = new ArrayList<>();
        long at = micros(Instant.now(clock));
        List<AttributeValue> log = new ArrayList<>();
        long logFirst = head + 1;
        long logBytes = 0;
        for (AppendPlanner.Write w : plan.writes()) {
            String stream = w.append().stream().value();
            AttributeValue streamValue = AttributeValue.fromS(stream);
            List<PreparedEvent> events = w.append().events();
            List<AttributeValue> run = new ArrayList<>();
            long runFirst = w.firstVersion();
            long runBytes = 0;
            for (int i = 0; i < events.size(); i++) {
                PreparedEvent e = events.get(i);
                long version = w.firstVersion() + i;
                long position = w.firstPosition() + i;
                long size = eventBytes(e);
                if (!run.isEmpty() && runBytes + size > CHUNK_BYTES) {
                    items.add(streamChunk(stream, runFirst, w.firstPosition() + (runFirst - w.firstVersion()), at, run));
                    run = new ArrayList<>();
                    runFirst = version;
                    runBytes = 0;
                }
                if (!log.isEmpty() && (position % DynamoDbTable.LOG_BUCKET == 0 || logBytes + size > CHUNK_BYTES)) {
                    items.add(logChunk(logFirst, at, log));
                    log = new ArrayList<>();
                    logFirst = position;
                    logBytes = 0;
                }
                AttributeValue value = eventValue(e, null, 0);
                run.add(value);
                runBytes += size;
                log.add(eventValue(e, streamValue, version));
                logBytes += size + utf8Length(stream);
            }
            items.add(streamChunk(stream, runFirst, w.firstPosition() + (runFirst - w.firstVersion()), at, run));
        }
        items.add(logChunk(logFirst, at, log));
        for (Map.Entry<StreamId, Long> v : plan.versions().entrySet()) {
            long before = states.getOrDefault(v.getKey(), AppendPlanner.StreamState.NONE).version();
            items.add(TransactWriteItem.builder().update(headUpdate(v.getKey(), before, v.getValue())).build());
        }
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":new", n(plan.head()));
        values.put(":old", n(head));
        items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(key(DynamoDbTable.COUNTER, 0))
                .updateExpression("SET #h = :new")
                .conditionExpression((head == 0 ? "attribute_not_exists(#h) OR " : "") + "#h = :old")
                .expressionAttributeNames(Map.of("#h", A_HEAD))
                .expressionAttributeValues(values).build()).build());
        return items;
    }

    private TransactWriteItem streamChunk(String stream, long firstVersion, long firstPosition, long at,
                                          List<AttributeValue> events) {
        Map<String, AttributeValue> item = new HashMap<>(key(DynamoDbTable.STREAM_PREFIX + stream, firstVersion));
        item.put(A_POS, n(firstPosition));
        item.put(A_AT, n(at));
        item.put(A_EVENTS, AttributeValue.fromL(events));
        return putIfAbsent(item);
    }

    private TransactWriteItem logChunk(long firstPosition, long at, List<AttributeValue> events) {
        Map<String, AttributeValue> item = new HashMap<>(key(DynamoDbTable.logPartition(firstPosition), firstPosition));
        item.put(A_AT, n(at));
        item.put(A_EVENTS, AttributeValue.fromL(events));
        return putIfAbsent(item);
    }

    /** An event in a chunk; in a log chunk ({@code stream} not null) with its stream and version. */
    private static AttributeValue eventValue(PreparedEvent e, AttributeValue stream, long version) {
        Map<String, AttributeValue> m = new HashMap<>();
        if (stream != null) {
            m.put(A_STREAM, stream);
            m.put(A_VER, n(version));
        }
        m.put(A_ID, AttributeValue.fromS(e.id().toString()));
        m.put(A_TYPE, AttributeValue.fromS(e.type()));
        m.put(A_DATA, AttributeValue.fromS(e.data()));
        if (!e.metadata().isEmpty()) m.put(A_META, AttributeValue.fromS(e.metadataJson()));
        return AttributeValue.fromM(m);
    }

    private TransactWriteItem putIfAbsent(Map<String, AttributeValue> item) {
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", PK)).build()).build();
    }

    /** Moves the head from {@code before} to {@code after}, on condition it is still at {@code before} and not deleted. */
    private Update headUpdate(StreamId stream, long before, long after) {
        // a head that does not exist yet has no #lv either
        String condition = (before < 0 ? "attribute_not_exists(#lv) OR " : "") + "(#lv = :before AND #dl = :no)";
        return Update.builder().tableName(table)
                .key(key(DynamoDbTable.STREAM_PREFIX + stream.value(), DynamoDbTable.HEAD_SK))
                .updateExpression("SET #lv = :after, #dl = if_not_exists(#dl, :no), #gk = :gk, #gs = :name")
                .conditionExpression(condition)
                .expressionAttributeNames(Map.of("#lv", A_LAST, "#dl", A_DELETED, "#gk", GK, "#gs", GS))
                .expressionAttributeValues(Map.of(":before", n(before), ":after", n(after),
                        ":no", AttributeValue.fromBool(false), ":gk", AttributeValue.fromS(DynamoDbTable.HEADS),
                        ":name", AttributeValue.fromS(stream.value())))
                .build();
    }

    /**
     * The streams' states as this instance last saw them, a stream it never saw taken to be new
     * when every append to it expects {@code no_stream}; null when one is not known.
     */
    private Map<StreamId, AppendPlanner.StreamState> cachedStates(List<PreparedAppend> appends) {
        Map<StreamId, AppendPlanner.StreamState> states = new HashMap<>();
        Set<StreamId> unknown = new java.util.HashSet<>();
        for (PreparedAppend a : appends) {
            AppendPlanner.StreamState st = heads.get(a.stream());
            if (st != null) {
                states.put(a.stream(), st);
            } else if (a.expected() instanceof ExpectedVersion.NoStream && !states.containsKey(a.stream())) {
                unknown.add(a.stream());
            } else if (!states.containsKey(a.stream()) || unknown.contains(a.stream())) {
                return null;
            }
        }
        for (StreamId s : unknown) states.put(s, AppendPlanner.StreamState.NONE);
        return states;
    }

    private Map<StreamId, AppendPlanner.StreamState> readStates(Set<StreamId> streams) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(streams.size());
        for (StreamId s : streams) keys.add(key(DynamoDbTable.STREAM_PREFIX + s.value(), DynamoDbTable.HEAD_SK));
        Map<StreamId, AppendPlanner.StreamState> states = new HashMap<>();
        for (Map<String, AttributeValue> item : batchGet(keys)) {
            Head h = Head.of(item);
            AppendPlanner.StreamState st = new AppendPlanner.StreamState(h.last(), h.deleted());
            states.put(h.stream(), st);
            heads.put(h.stream(), st);
        }
        return states;
    }

    /**
     * The ids already written, each checked against the log: an id item whose position holds
     * another event, or lies past the counter (its commit failed, or is under way right now), is
     * reported in {@code orphans} instead, so that a write may replace it.
     */
    private Map<UUID, AppendPlanner.Existing> existing(Collection<UUID> ids, long head, Map<UUID, Orphan> orphans) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(ids.size());
        for (UUID id : ids) keys.add(key(DynamoDbTable.ID_PREFIX + id, 0));
        Map<UUID, AppendPlanner.Existing> found = new HashMap<>();
        List<LogChunk> seen = new ArrayList<>();
        for (Map<String, AttributeValue> item : batchGet(keys)) {
            UUID id = UUID.fromString(item.get(PK).s().substring(DynamoDbTable.ID_PREFIX.length()));
            String stream = item.get(A_STREAM).s();
            long position = num(item, A_POS);
            LogChunk chunk = position > head ? null : seen.stream().filter(c -> c.covers(position)).findFirst()
                    .orElseGet(() -> chunkAt(position));
            if (chunk != null && !seen.contains(chunk)) seen.add(chunk);
            if (chunk != null && chunk.event(position).id().equals(id)) {
                found.put(id, new AppendPlanner.Existing(id, stream, num(item, A_VER), position));
            } else {
                orphans.put(id, new Orphan(stream, position));
            }
        }
        return found;
    }

    /** The committed log chunk holding a position, or null. */
    private LogChunk chunkAt(long position) {
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true).scanIndexForward(false).limit(1)
                .keyConditionExpression("#pk = :pk AND #sk <= :p")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(DynamoDbTable.logPartition(position)),
                        ":p", n(position)))
                .build();
        for (Map<String, AttributeValue> item : client.query(q).items()) {
            LogChunk c = LogChunk.of(item);
            if (c.covers(position)) return c;
        }
        return null;
    }

    /** Strongly consistent reads of up to any number of keys, 100 per request, unprocessed keys retried. */
    private List<Map<String, AttributeValue>> batchGet(List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += 100) {
            List<Map<String, AttributeValue>> page = keys.subList(from, Math.min(keys.size(), from + 100));
            Map<String, KeysAndAttributes> request = Map.of(table,
                    KeysAndAttributes.builder().keys(page).consistentRead(true).build());
            for (int attempt = 1; !request.isEmpty(); attempt++) {
                var finalRequest = request;
                var response = client.batchGetItem(r -> r.requestItems(finalRequest));
                out.addAll(response.responses().getOrDefault(table, List.of()));
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!request.isEmpty()) backoff(attempt);
            }
        }
        return out;
    }

    // ---- reading -------------------------------------------------------------------------

    @Override
    public long headPosition() {
        checkOpen();
        return readHead();
    }

    private long readHead() {
        var item = client.getItem(r -> r.tableName(table).key(key(DynamoDbTable.COUNTER, 0)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? 0 : num(item, A_HEAD);
    }

    /** A log chunk: the events of one transaction at positions {@code first..first+count-1}, within one bucket. */
    record LogChunk(long first, Instant at, List<AttributeValue> events) {
        static LogChunk of(Map<String, AttributeValue> item) {
            return new LogChunk(num(item, SK), fromMicros(num(item, A_AT)), item.get(A_EVENTS).l());
        }

        long last() {
            return first + events.size() - 1;
        }

        boolean covers(long position) {
            return position >= first && position <= last();
        }

        RecordedEvent event(long position) {
            Map<String, AttributeValue> m = events.get((int) (position - first)).m();
            return DynamoDbEventStore.event(m, StreamId.of(m.get(A_STREAM).s()), num(m, A_VER), position, at);
        }
    }

    /** A stream chunk: the events of one append at versions {@code first..first+count-1}. */
    record StreamChunk(long first, long firstPosition, Instant at, List<AttributeValue> events) {
        static StreamChunk of(Map<String, AttributeValue> item) {
            return new StreamChunk(num(item, SK), num(item, A_POS), fromMicros(num(item, A_AT)), item.get(A_EVENTS).l());
        }

        long last() {
            return first + events.size() - 1;
        }

        RecordedEvent event(StreamId stream, long version) {
            int k = (int) (version - first);
            return DynamoDbEventStore.event(events.get(k).m(), stream, version, firstPosition + k, at);
        }
    }

    private static RecordedEvent event(Map<String, AttributeValue> m, StreamId stream, long version, long position, Instant at) {
        AttributeValue meta = m.get(A_META);
        return new RecordedEvent(UUID.fromString(m.get(A_ID).s()), stream, version, position, m.get(A_TYPE).s(),
                m.get(A_DATA).s().getBytes(StandardCharsets.UTF_8),
                meta == null ? dev.facta.store.Metadata.empty() : MetadataCodec.fromJson(meta.s()), at);
    }

    /**
     * The chunks of one partition that hold sort keys {@code from..to}: the one that starts at or
     * before {@code from} (found by reading downwards from it, not below {@code floor}), then those
     * starting after it, lazily page by page.
     */
    private Iterable<Map<String, AttributeValue>> chunksFrom(String partition, long floor, long from, long to, int pageSize) {
        QueryRequest before = QueryRequest.builder().tableName(table).consistentRead(true).scanIndexForward(false).limit(1)
                .keyConditionExpression("#pk = :pk AND #sk BETWEEN :floor AND :from")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(partition), ":floor", n(floor), ":from", n(from)))
                .build();
        List<Map<String, AttributeValue>> first = client.query(before).items();
        if (from >= to) return first;
        QueryRequest after = QueryRequest.builder().tableName(table).consistentRead(true).limit(pageSize)
                .keyConditionExpression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(partition), ":from", n(from + 1), ":to", n(to)))
                .build();
        Iterable<Map<String, AttributeValue>> rest = client.queryPaginator(after).items();
        return () -> new java.util.Iterator<>() {
            final java.util.Iterator<Map<String, AttributeValue>> head = first.iterator();
            java.util.Iterator<Map<String, AttributeValue>> tail;

            @Override
            public boolean hasNext() {
                if (head.hasNext()) return true;
                if (tail == null) tail = rest.iterator();
                return tail.hasNext();
            }

            @Override
            public Map<String, AttributeValue> next() {
                return hasNext() ? (head.hasNext() ? head.next() : tail.next()) : null;
            }
        };
    }

    @Override
    public AllSlice readAll(long fromPosition, int maxCount, EventFilter filter) {
        checkOpen();
        AppendValidation.checkPosition(fromPosition);
        int max = AppendValidation.checkCount(maxCount);
        EventFilter f = filter == null ? EventFilter.all() : filter;
        long next = Math.max(1, fromPosition);
        long head = readHead(); // every position up to here is committed, and so readable
        List<RecordedEvent> out = new ArrayList<>();
        long scanEnd = next + Math.max(MAX_SCAN, max);
        int waits = 0;
        while (out.size() < max && next <= head && next < scanEnd) {
            long bucketStart = next / DynamoDbTable.LOG_BUCKET * DynamoDbTable.LOG_BUCKET;
            long to = Math.min(head, bucketStart + DynamoDbTable.LOG_BUCKET - 1);
            long before = next;
            chunks:
            for (Map<String, AttributeValue> item : chunksFrom(DynamoDbTable.logPartition(next), bucketStart, next, to, 100)) {
                LogChunk c = LogChunk.of(item);
                if (!c.covers(next)) break; // a committed position not visible yet: wait for it below
                for (long p = next; p <= c.last(); p++) {
                    RecordedEvent e = c.event(p);
                    next = p + 1;
                    if (f.test(e)) {
                        out.add(e);
                        if (out.size() == max) break chunks;
                    }
                }
                if (next > to) break;
            }
            if (next == before) {
                // Position `next` is at or below the counter, so its transaction committed; never skip it.
                if (++waits > 200) break;
                LockSupport.parkNanos(Math.min(waits, 20) * 1_000_000L);
            }
        }
        return new AllSlice(out, next, next > head);
    }

    @Override
    public List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction) {
        checkOpen();
        Objects.requireNonNull(stream, "stream");
        AppendValidation.checkVersion(fromVersion);
        int max = AppendValidation.checkCount(maxCount);
        for (int attempt = 1; ; attempt++) {
            Head h = readHeadOf(stream);
            if (h == null || (h.last() < 0 && !h.deleted())) throw new StreamNotFoundException(stream);
            if (h.deleted()) throw new StreamDeletedException(stream);
            long first = h.metadata().firstVisibleVersion(h.last());
            boolean forward = direction != ReadDirection.BACKWARD;
            long lo = forward ? Math.max(first, fromVersion) : first;
            long hi = forward ? h.last() : Math.min(fromVersion, h.last());
            if (max == 0 || lo > hi) return List.of();
            List<RecordedEvent> out = forward ? readForward(stream, lo, hi, max, h.metadata())
                    : readBackward(stream, lo, hi, max, h.metadata());
            if (out != null) return out;
            if (attempt >= 200) {
                throw new FactaException("stream '" + stream + "' in DynamoDB table '" + table
                        + "' did not show all its committed events; read it again");
            }
            LockSupport.parkNanos(Math.min(attempt, 20) * 1_000_000L);
        }
    }

    /** Versions {@code lo..hi} upwards, or null when one the head covers is not readable yet. */
    private List<RecordedEvent> readForward(StreamId stream, long lo, long hi, int max, StreamMetadata m) {
        Instant now = Instant.now(clock);
        List<RecordedEvent> out = new ArrayList<>();
        long next = lo;
        for (Map<String, AttributeValue> item : chunksFrom(DynamoDbTable.STREAM_PREFIX + stream.value(), 0, lo, hi, 100)) {
            StreamChunk c = StreamChunk.of(item);
            if (c.first() > next || c.last() < next) return null;
            for (; next <= Math.min(c.last(), hi); next++) {
                if (!m.visibleByAge(c.at(), now)) continue;
                out.add(c.event(stream, next));
                if (out.size() == max) return out;
            }
            if (next > hi) return out;
        }
        return next > hi ? out : null;
    }

    /** Versions {@code hi..lo} downwards, or null when one the head covers is not readable yet. */
    private List<RecordedEvent> readBackward(StreamId stream, long lo, long hi, int max, StreamMetadata m) {
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true).scanIndexForward(false)
                .limit(Math.min(max, 100))
                .keyConditionExpression("#pk = :pk AND #sk BETWEEN :zero AND :hi")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(DynamoDbTable.STREAM_PREFIX + stream.value()),
                        ":zero", n(0), ":hi", n(hi)))
                .build();
        Instant now = Instant.now(clock);
        List<RecordedEvent> out = new ArrayList<>();
        long next = hi;
        for (Map<String, AttributeValue> item : client.queryPaginator(q).items()) {
            StreamChunk c = StreamChunk.of(item);
            if (c.first() > next || c.last() < next) return null;
            for (; next >= Math.max(c.first(), lo); next--) {
                if (!m.visibleByAge(c.at(), now)) continue;
                out.add(c.event(stream, next));
                if (out.size() == max) return out;
            }
            if (next < lo) return out;
        }
        return next < lo ? out : null;
    }

    // ---- streams -------------------------------------------------------------------------

    /** A stream's head item: last version, deletion, settings. */
    record Head(StreamId stream, long last, boolean deleted, StreamMetadata metadata) {
        static Head of(Map<String, AttributeValue> item) {
            String pk = item.get(PK).s();
            StreamId stream = StreamId.of(pk.substring(DynamoDbTable.STREAM_PREFIX.length()));
            AttributeValue last = item.get(A_LAST);
            AttributeValue deleted = item.get(A_DELETED);
            Long maxCount = optionalNum(item, A_MAX_COUNT);
            Long maxAgeMs = optionalNum(item, A_MAX_AGE);
            StreamMetadata m = new StreamMetadata(maxCount, maxAgeMs == null ? null : Duration.ofMillis(maxAgeMs),
                    optionalNum(item, A_TRUNCATE));
            return new Head(stream, last == null ? -1 : Long.parseLong(last.n()), deleted != null && deleted.bool(), m);
        }

        StreamInfo info() {
            return new StreamInfo(stream, last, deleted, metadata);
        }
    }

    private Head readHeadOf(StreamId stream) {
        var item = client.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(DynamoDbTable.STREAM_PREFIX + stream.value(), DynamoDbTable.HEAD_SK))).item();
        return item == null || item.isEmpty() ? null : Head.of(item);
    }

    @Override
    public Optional<StreamInfo> streamInfo(StreamId stream) {
        checkOpen();
        Objects.requireNonNull(stream, "stream");
        return Optional.ofNullable(readHeadOf(stream)).map(Head::info);
    }

    /**
     * Streams in name order from the index over stream heads. The index is updated asynchronously
     * on AWS, so a stream created a moment ago may be missing from the list for a moment.
     */
    @Override
    public List<StreamInfo> listStreams(String afterStream, int limit) {
        checkOpen();
        int n = AppendValidation.checkCount(limit);
        if (n == 0) return List.of();
        String after = afterStream == null ? null : StreamId.of(afterStream).value();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":gk", AttributeValue.fromS(DynamoDbTable.HEADS));
        String condition = "#gk = :gk";
        if (after != null) {
            values.put(":after", AttributeValue.fromS(after));
            condition += " AND #gs > :after";
        }
        QueryRequest q = QueryRequest.builder().tableName(table).indexName(DynamoDbTable.STREAMS_INDEX)
                .keyConditionExpression(condition)
                .expressionAttributeNames(after == null ? Map.of("#gk", GK) : Map.of("#gk", GK, "#gs", GS))
                .expressionAttributeValues(values).limit(n).build();
        List<StreamInfo> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : client.queryPaginator(q).items()) {
            out.add(Head.of(item).info());
            if (out.size() == n) break;
        }
        return out;
    }

    @Override
    public void deleteStream(StreamId stream, ExpectedVersion expected) {
        checkOpen();
        Objects.requireNonNull(stream, "stream");
        if (expected == null) throw new InvalidInputException("expectedVersion", "expected version is missing");
        for (int attempt = 1; ; attempt++) {
            Head h = readHeadOf(stream);
            if (h == null || (h.last() < 0 && !h.deleted())) throw new StreamNotFoundException(stream);
            if (h.deleted()) throw new StreamDeletedException(stream);
            if (!expected.matches(h.last())) throw new WrongExpectedVersionException(stream, expected, h.last());
            try {
                client.updateItem(r -> r.tableName(table)
                        .key(key(DynamoDbTable.STREAM_PREFIX + stream.value(), DynamoDbTable.HEAD_SK))
                        .updateExpression("SET #dl = :yes")
                        .conditionExpression("#lv = :seen AND #dl = :no")
                        .expressionAttributeNames(Map.of("#dl", A_DELETED, "#lv", A_LAST))
                        .expressionAttributeValues(Map.of(":yes", AttributeValue.fromBool(true),
                                ":no", AttributeValue.fromBool(false), ":seen", n(h.last()))));
                heads.remove(stream);
                return;
            } catch (ConditionalCheckFailedException moved) {
                // an append or a delete came between our read and our write: decide again
                if (attempt >= MAX_ATTEMPTS) throw new FactaException("deleting stream '" + stream + "' kept conflicting");
            }
        }
    }

    @Override
    public void setStreamMetadata(StreamId stream, StreamMetadata metadata) {
        checkOpen();
        Objects.requireNonNull(stream, "stream");
        StreamMetadata m = metadata == null ? StreamMetadata.none() : metadata;
        List<String> set = new ArrayList<>(List.of("#lv = if_not_exists(#lv, :none)", "#dl = if_not_exists(#dl, :no)",
                "#gk = :gk", "#gs = :name"));
        List<String> remove = new ArrayList<>();
        Map<String, String> names = new HashMap<>(Map.of("#lv", A_LAST, "#dl", A_DELETED, "#gk", GK, "#gs", GS,
                "#mc", A_MAX_COUNT, "#ma", A_MAX_AGE, "#tb", A_TRUNCATE));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":none", n(-1), ":no", AttributeValue.fromBool(false),
                ":gk", AttributeValue.fromS(DynamoDbTable.HEADS), ":name", AttributeValue.fromS(stream.value())));
        setOrRemove("#mc", m.maxCount(), set, remove, values);
        setOrRemove("#ma", m.maxAge() == null ? null : ceilMillis(m.maxAge()), set, remove, values);
        setOrRemove("#tb", m.truncateBefore(), set, remove, values);
        String expression = "SET " + String.join(", ", set) + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        client.updateItem(r -> r.tableName(table)
                .key(key(DynamoDbTable.STREAM_PREFIX + stream.value(), DynamoDbTable.HEAD_SK))
                .updateExpression(expression).expressionAttributeNames(names).expressionAttributeValues(values));
    }

    private static void setOrRemove(String name, Long value, List<String> set, List<String> remove,
                                    Map<String, AttributeValue> values) {
        if (value == null) {
            remove.add(name);
        } else {
            String placeholder = ":" + name.substring(1);
            set.add(name + " = " + placeholder);
            values.put(placeholder, n(value));
        }
    }

    private static long ceilMillis(Duration d) {
        long ms = d.toMillis();
        return d.minusMillis(ms).isZero() ? ms : ms + 1;
    }

    // ---- plumbing ------------------------------------------------------------------------

    static long num(Map<String, AttributeValue> item, String attribute) {
        return Long.parseLong(item.get(attribute).n());
    }

    private static Long optionalNum(Map<String, AttributeValue> item, String attribute) {
        AttributeValue v = item.get(attribute);
        return v == null || v.n() == null ? null : Long.valueOf(v.n());
    }

    static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    static Instant fromMicros(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private void checkOpen() {
        if (closed) throw new FactaException("event store is closed");
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        coalescer.close();
        if (ownsClient) {
            try {
                client.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the DynamoDB client failed", e);
            }
        }
    }
}
