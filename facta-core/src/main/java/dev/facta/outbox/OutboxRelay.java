package dev.facta.outbox;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStore;
import dev.facta.projection.Segments;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Predicate;
import dev.facta.readmodel.Query;
import dev.facta.store.AllSlice;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The transactional outbox: publishes the events of the log to a broker or endpoint through an
 * {@link OutboxPublisher}. The global log itself is the outbox (events are written atomically with
 * their append, there is no second table), and the relay is a {@link Projection} that a
 * {@link ProjectionEngine} runs: segments under fenced leases (one process publishes a segment at a
 * time), a checkpoint per segment, and retries with backoff come from the engine.
 *
 * <p><b>Guarantees.</b> At least once: a batch is published, every message acknowledged by the
 * destination, and only then does its checkpoint commit; a relay that dies in between publishes the
 * batch again with the same message ids (the event ids), which brokers that deduplicate and every
 * {@link Inbox} drop. Per-stream order: a segment holds all events of a stream, and within a batch the
 * next message of a stream is sent only after the previous one was acknowledged.
 *
 * <p><b>Failures.</b> A destination that cannot be reached ({@link PublishException.Kind#UNAVAILABLE},
 * timeouts, any unexpected error) fails the batch; the engine retries it with exponential backoff up to
 * {@link Builder#backoff}'s maximum for as long as it takes, and its status shows the error. A message
 * the destination refuses ({@link PublishException.Kind#REJECTED}) is retried the same way and, after
 * {@link Builder#maxAttempts} refusals, parked as {@link ParkedMessage.Status#POISON}: the batch then
 * commits, other streams keep flowing, and every later message of the poison's stream is parked as
 * {@link ParkedMessage.Status#HELD} behind it until an operator {@linkplain #retryParked retries} or
 * {@linkplain #discardParked discards} the poison. Parked entries are documents of the relay's own
 * collection, written in the batch's transaction.
 *
 * <p>Register it with {@link #options()}: {@code engineBuilder.register(relay, relay.options())}. A
 * relay's projection version is 1 and stays so; rebuilding it publishes the whole log again.
 */
public final class OutboxRelay implements Projection {
    private static final System.Logger LOG = System.getLogger(OutboxRelay.class.getName());
    private static final int ACKED_MEMORY = 100_000;
    private static final int MAX_ERROR_TEXT = 2000;

    private final String name;
    private final OutboxPublisher publisher;
    private final EventFilter filter;
    private final int maxAttempts;
    private final Duration ackTimeout;
    private final ProjectionOptions options;
    private final Consumer<List<OutboxMessage>> onDelivered;
    private final Clock clock;
    private final String parkedCollection;
    private final ProjectionKey key;

    /** A message's refusals so far, counted as the engine numbers its attempts, and the last one. */
    private record Refusal(int count, Throwable error) {
    }

    /** Refusals per event (see {@link #countRefusal}). */
    private final ConcurrentHashMap<UUID, Refusal> refusals = new ConcurrentHashMap<>();
    /** Per segment: the event of the last call when that call was that event alone and it failed. */
    private final ConcurrentHashMap<Integer, UUID> lastFailedAlone = new ConcurrentHashMap<>();
    /**
     * Messages the destination acknowledged in a batch that then failed (rolled back): when the engine
     * applies them again they are not sent again. Only an optimization; duplicates are safe.
     */
    private final Set<UUID> acknowledged = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                    return size() > ACKED_MEMORY;
                }
            }));

    private OutboxRelay(Builder b) {
        this.name = b.name;
        this.publisher = b.publisher;
        this.filter = b.filter;
        this.maxAttempts = b.maxAttempts;
        this.ackTimeout = b.ackTimeout;
        this.onDelivered = b.onDelivered;
        this.clock = b.clock;
        this.key = new ProjectionKey(name, 1);
        this.parkedCollection = name.replace('-', '_') + "_parked";
        this.options = ProjectionOptions.builder()
                .segments(b.segments)
                .batchSize(b.batchSize)
                .maxAttempts(Integer.MAX_VALUE) // the relay parks refused messages itself; outages never park
                .backoff(b.initialBackoff, b.maxBackoff)
                .onFailure(OnFailure.STOP)
                .build();
    }

    /**
     * A relay named {@code name} (its projection name: 1-32 characters of a-z, 0-9, '-' and '_',
     * starting with a letter) publishing through {@code publisher}.
     */
    public static Builder builder(String name, OutboxPublisher publisher) {
        return new Builder(name, publisher);
    }

    /** The options to register the relay with: its segments, batch size and backoff, no engine parking. */
    public ProjectionOptions options() {
        return options;
    }

    /** Registers this relay on an engine builder with {@link #options()}. */
    public ProjectionEngine.Builder registerOn(ProjectionEngine.Builder engine) {
        return engine.register(this, options);
    }

    public OutboxPublisher publisher() {
        return publisher;
    }

    /** How many refusals park a message. */
    public int maxAttempts() {
        return maxAttempts;
    }

    // ------------------------------------------------------------------ Projection

    @Override
    public String name() {
        return name;
    }

    @Override
    public EventFilter filter() {
        return filter;
    }

    @Override
    public Set<String> collections() {
        return Set.of(parkedCollection);
    }

    @Override
    public void apply(RecordedEvent event, ProjectionContext context) throws Exception {
        applyBatch(List.of(event), context);
    }

    @Override
    public void applyBatch(List<RecordedEvent> events, ProjectionContext context) throws Exception {
        if (events.isEmpty()) return;
        DocumentCollection<ParkedMessage> parked = context.collection(parkedCollection, ParkedMessage.CODEC);
        Set<String> blocked = blockedStreams(parked, events);

        boolean alone = events.size() == 1;
        UUID failedBefore = lastFailedAlone.get(context.segment());
        List<Dispatch.Item> items = new ArrayList<>(events.size());
        List<Dispatch.Item> toSend = new ArrayList<>(events.size());
        Set<String> broken = new HashSet<>(); // streams whose earlier message in this call is refused
        for (RecordedEvent e : events) {
            Dispatch.Item item = new Dispatch.Item(OutboxMessage.of(e));
            items.add(item);
            String stream = e.stream().value();
            Refusal refused = refusals.get(e.id());
            if (blocked.contains(stream) || broken.contains(stream)) {
                item.outcome = Dispatch.Outcome.SKIPPED;
            } else if (acknowledged.contains(e.id())) {
                item.outcome = Dispatch.Outcome.DELIVERED;
            } else if (refused != null && !(alone && e.id().equals(failedBefore))) {
                // the engine is isolating a message refused before: only its retries after a backoff are sent
                item.outcome = Dispatch.Outcome.REJECTED;
                item.error = refused.error();
                broken.add(stream);
            } else {
                toSend.add(item);
            }
        }
        Dispatch.run(publisher, toSend, ackTimeout);

        Throwable retry = null;
        Set<String> poisoned = new LinkedHashSet<>();
        Map<UUID, Integer> toPark = new LinkedHashMap<>();
        for (Dispatch.Item item : items) {
            if (item.outcome == Dispatch.Outcome.UNAVAILABLE) {
                if (retry == null) retry = item.error;
            } else if (item.outcome == Dispatch.Outcome.REJECTED) {
                int n = toSend.contains(item) ? countRefusal(item.message.id(), item.error) : refusals.get(item.message.id()).count();
                if (n >= maxAttempts) {
                    toPark.put(item.message.id(), n);
                    poisoned.add(item.message.stream());
                } else if (retry == null) {
                    retry = item.error;
                }
            }
        }
        boolean failed = items.stream().anyMatch(Dispatch.Item::failed);
        if (alone && failed) lastFailedAlone.put(context.segment(), events.getFirst().id());
        else lastFailedAlone.remove(context.segment());

        List<OutboxMessage> delivered = new ArrayList<>();
        for (Dispatch.Item item : items) {
            if (item.outcome == Dispatch.Outcome.DELIVERED) {
                delivered.add(item.message);
                acknowledged.add(item.message.id());
            }
        }
        if (retry != null) {
            throw retry instanceof Exception ex ? ex : new FactaException(retry.toString(), retry);
        }

        // everything was delivered, parked or held: record what is parked in the batch's transaction
        java.time.Instant now = clock.instant();
        Map<String, ParkedMessage> writes = new LinkedHashMap<>();
        for (Dispatch.Item item : items) {
            RecordedEvent e = item.message.event();
            Integer n = toPark.get(e.id());
            if (n != null) {
                writes.put(e.id().toString(), new ParkedMessage(e.id(), e.stream().value(), e.position(), e.type(),
                        ParkedMessage.Status.POISON, n, errorText(item.error), now));
                LOG.log(System.Logger.Level.WARNING, "outbox relay " + name + " parked " + item.message + " after " + n
                        + " refusals by " + publisher.name() + ": " + errorText(item.error)
                        + "; later messages of its stream are held until it is retried or discarded");
            } else if (item.outcome == Dispatch.Outcome.SKIPPED) {
                writes.put(e.id().toString(), new ParkedMessage(e.id(), e.stream().value(), e.position(), e.type(),
                        ParkedMessage.Status.HELD, 0, null, now));
            }
        }
        if (!writes.isEmpty()) parked.putMany(writes);
        if (onDelivered != null && !delivered.isEmpty()) {
            try {
                onDelivered.accept(Collections.unmodifiableList(delivered));
            } catch (RuntimeException | Error e) {
                for (OutboxMessage m : delivered) acknowledged.remove(m.id()); // a retry sends them again
                throw e;
            }
        }
        for (Dispatch.Item item : items) {
            refusals.remove(item.message.id());
            acknowledged.remove(item.message.id());
        }
    }

    /**
     * Counts a refusal of a message that was sent, the way the engine numbers attempts: the first
     * refusal is attempt 1; the engine then isolates the message from its batch (calls in which it is
     * not sent again, ending with one call of it alone), and every later call of it alone that follows a
     * failed call of it alone is a retry after the engine's backoff: it is sent, and a refusal counts one
     * more attempt. So a message parked after {@code maxAttempts} refusals was sent exactly that often.
     */
    private int countRefusal(UUID id, Throwable error) {
        return refusals.compute(id, (k, r) -> new Refusal(r == null ? 1 : r.count() + 1, error)).count();
    }

    private Set<String> blockedStreams(DocumentCollection<ParkedMessage> parked, List<RecordedEvent> events) {
        Set<String> streams = new LinkedHashSet<>();
        for (RecordedEvent e : events) streams.add(e.stream().value());
        Set<String> blocked = new HashSet<>();
        Query q = Query.where("stream", Predicate.in(streams)).and("status", Predicate.eq("poison")).limit(Query.MAX_LIMIT);
        while (true) {
            Page<ParkedMessage> page = parked.find(q);
            for (ParkedMessage p : page.items()) blocked.add(p.stream());
            if (page.next().isEmpty()) return blocked;
            q = page.next().get();
        }
    }

    private static String errorText(Throwable t) {
        if (t == null) return "refused";
        String text = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
        return text.length() > MAX_ERROR_TEXT ? text.substring(0, MAX_ERROR_TEXT - 1) + "…" : text;
    }

    // ------------------------------------------------------------------ operators

    /**
     * Creates the index the relay's lookups of parked messages use. Call once before the engine starts
     * (idempotent); without it the lookups still work, scanning the (normally tiny) collection.
     */
    public void prepare(ProjectionStore store) {
        store.readModels().createIndex(key.collection(parkedCollection), Index.text("stream"));
    }

    /** Every parked message, in log order. */
    public List<ParkedMessage> parked(ProjectionStore store) {
        return all(store.readModels().collection(key.collection(parkedCollection), ParkedMessage.CODEC), Query.all());
    }

    /** The parked messages of one stream, in order: its poison message first. */
    public List<ParkedMessage> parked(ProjectionStore store, String stream) {
        return all(store.readModels().collection(key.collection(parkedCollection), ParkedMessage.CODEC),
                Query.where("stream", Predicate.eq(StreamId.of(stream).value())));
    }

    /**
     * Publishes a stream's parked messages now, in order, starting with its poison message; each one
     * delivered is removed. When one is refused again (or the destination is unreachable) the release
     * stops there: that message becomes the stream's poison message (its attempts counted on) and the
     * rest stay held. Runs in one transaction that waits for the batch in flight of the stream's
     * segment, in whichever process, so a release and the relay never interleave.
     *
     * @throws InvalidInputException nothing of the stream is parked
     */
    public ReleaseResult retryParked(EventStore events, ProjectionStore store, String stream) {
        return release(events, store, stream, false);
    }

    /**
     * Drops a stream's poison message without publishing it (it stays in the log) and publishes the
     * messages held behind it, as {@link #retryParked} does.
     *
     * @throws InvalidInputException nothing of the stream is parked
     */
    public ReleaseResult discardParked(EventStore events, ProjectionStore store, String stream) {
        return release(events, store, stream, true);
    }

    private ReleaseResult release(EventStore events, ProjectionStore store, String stream, boolean discard) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(store, "store");
        StreamId id = StreamId.of(stream);
        int segment = Segments.of(id, options.segments());
        return store.inTransaction(tx -> {
            tx.checkpoint(key, segment); // waits for (and then excludes) the segment's batches
            DocumentCollection<ParkedMessage> parked = tx.collection(key.collection(parkedCollection), ParkedMessage.CODEC);
            List<ParkedMessage> list = all(parked, Query.where("stream", Predicate.eq(id.value())));
            if (list.isEmpty()) throw new InvalidInputException("stream", "nothing of stream " + id.value() + " is parked in " + name);
            int next = 0;
            Optional<ParkedMessage> dropped = Optional.empty();
            if (discard) {
                dropped = Optional.of(list.getFirst());
                parked.delete(list.getFirst().eventId().toString());
                next = 1;
                LOG.log(System.Logger.Level.WARNING, "outbox relay " + name + ": discarded parked message " + list.getFirst().eventId()
                        + " of " + id.value() + " (position " + list.getFirst().position() + ")");
            }
            int delivered = 0;
            List<ParkedMessage> remaining = new ArrayList<>();
            for (; next < list.size(); next++) {
                ParkedMessage p = list.get(next);
                RecordedEvent event = eventAt(events, p);
                Dispatch.Item item = Dispatch.sendOne(publisher, OutboxMessage.of(event), ackTimeout);
                if (item.outcome == Dispatch.Outcome.DELIVERED) {
                    parked.delete(p.eventId().toString());
                    delivered++;
                    continue;
                }
                int attempts = p.status() == ParkedMessage.Status.POISON ? p.attempts() + 1 : 1;
                ParkedMessage poison = p.asPoison(attempts, errorText(item.error), clock.instant());
                parked.put(p.eventId().toString(), poison);
                remaining.add(poison);
                remaining.addAll(list.subList(next + 1, list.size()));
                break;
            }
            return new ReleaseResult(id.value(), delivered, dropped, remaining);
        });
    }

    private static RecordedEvent eventAt(EventStore events, ParkedMessage p) {
        AllSlice slice = events.readAll(p.position(), 1, EventFilter.all());
        if (slice.events().isEmpty() || !slice.events().getFirst().id().equals(p.eventId())) {
            throw new FactaException("the event of parked message " + p.eventId() + " (position " + p.position()
                    + ") is no longer in the log");
        }
        return slice.events().getFirst();
    }

    private static List<ParkedMessage> all(DocumentCollection<ParkedMessage> parked, Query conditions) {
        List<ParkedMessage> out = new ArrayList<>();
        Query q = conditions.orderBy("position").limit(Query.MAX_LIMIT);
        while (true) {
            Page<ParkedMessage> page = parked.find(q);
            out.addAll(page.items());
            if (page.next().isEmpty()) return out;
            q = page.next().get();
        }
    }

    // ------------------------------------------------------------------ builder

    /** Configures an {@link OutboxRelay}. */
    public static final class Builder {
        private final String name;
        private final OutboxPublisher publisher;
        private EventFilter filter = EventFilter.all();
        private int maxAttempts = 5;
        private Duration ackTimeout = Duration.ofSeconds(10);
        private int segments = 1;
        private int batchSize = 500;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Consumer<List<OutboxMessage>> onDelivered;
        private Clock clock = Clock.systemUTC();

        private Builder(String name, OutboxPublisher publisher) {
            if (name == null || !name.matches("[a-z][a-z0-9_-]{0,31}")) {
                throw new InvalidInputException("name", "an outbox relay name is 1-32 characters of a-z, 0-9, '-' and '_',"
                        + " starting with a letter: " + name);
            }
            this.name = name;
            this.publisher = Objects.requireNonNull(publisher, "publisher");
        }

        /** Which events to publish (default: all). */
        public Builder filter(EventFilter filter) {
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /** How many refusals park a message (default 5, at least 1). Outages never count. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) throw new InvalidInputException("maxAttempts", "maxAttempts must be at least 1: " + maxAttempts);
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * How long to wait for one message's acknowledgement before counting the destination as
         * unreachable (default 10 s). The batch's transaction stays open meanwhile; on SQLite that
         * holds the file's write lock, so keep it short.
         */
        public Builder ackTimeout(Duration ackTimeout) {
            if (ackTimeout == null || ackTimeout.isNegative() || ackTimeout.isZero()) {
                throw new InvalidInputException("ackTimeout", "ackTimeout must be positive");
            }
            this.ackTimeout = ackTimeout;
            return this;
        }

        /** How many segments (default 1); more let several processes publish in parallel, each stream in one. */
        public Builder segments(int segments) {
            this.segments = segments;
            return this;
        }

        /** How many messages one batch publishes at most before its checkpoint commits (default 500). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** The wait before retrying a failed batch, doubling up to {@code max} (default 200 ms to 10 s). */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Called with the messages of a batch once the destination acknowledged them, in the batch's
         * transaction before its checkpoint commits (e.g. for metrics). Throwing fails the batch: it is
         * retried and its messages are sent again, with the same ids, by whichever relay retries it.
         */
        public Builder onDelivered(Consumer<List<OutboxMessage>> listener) {
            this.onDelivered = listener;
            return this;
        }

        /** The clock for the times of parked messages (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws InvalidInputException an option is out of range */
        public OutboxRelay build() {
            return new OutboxRelay(this);
        }
    }
}
