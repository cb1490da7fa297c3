package dev.facta.examples.oms.inventory;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.aggregate.DeciderRepository;
import dev.facta.aggregate.Loaded;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandMessage;
import dev.facta.examples.oms.contracts.inventory.InventoryCommand;
import dev.facta.examples.oms.contracts.inventory.InventoryEvent;
import dev.facta.serialization.EventSerializer;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.WrongExpectedVersionException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * The inventory context: stock per SKU ({@link Stock}, stream {@code stock-<sku>}) behind command
 * handlers.
 *
 * <p>A popular SKU is a hot stream: every order for it reserves and commits on the same stream. Loading
 * it for every command (and losing optimistic-concurrency races against the other commands for it) would
 * make each SKU a queue of one. So each SKU has a <em>lane</em> in this process: commands for it that
 * arrive while an append is in flight wait, and the next append takes all of them at once, decided one
 * after the other against the lane's cached state and appended as one batch at the expected version.
 * The cache is only a shortcut: when another process wrote the stream, the append fails with a wrong
 * expected version, and the lane reloads and decides the batch again. Each command's events carry that
 * command's own metadata (correlation, causation).
 */
public final class Inventory {
    /** The stream category: {@code stock-<sku>}. */
    public static final String CATEGORY = "stock";
    private static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._]{0,63}");
    private static final int MAX_BATCH = 256;
    private static final int MAX_ATTEMPTS = 8;

    private final EventStore store;
    private final EventSerializer serializer;
    private final DeciderRepository<InventoryCommand, InventoryEvent, Stock.State> repository;
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

    public Inventory(EventStore store, EventSerializer serializer) {
        this.store = Objects.requireNonNull(store, "store");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.repository = DeciderRepository.builder(store, Stock.DECIDER, serializer, InventoryEvent.class, CATEGORY).build();
    }

    /** The command types this context handles. */
    public static List<Class<? extends InventoryCommand>> commandTypes() {
        return List.of(InventoryCommand.Restock.class, InventoryCommand.ReserveStock.class, InventoryCommand.ReleaseStock.class,
                InventoryCommand.CommitStock.class, InventoryCommand.ReturnStock.class);
    }

    /** Registers a handler for each inventory command on the bus. */
    public CommandBus.Builder register(CommandBus.Builder bus) {
        for (Class<? extends InventoryCommand> type : commandTypes()) register(bus, type);
        return bus;
    }

    private <C extends InventoryCommand> void register(CommandBus.Builder bus, Class<C> type) {
        bus.register(type, this::handle);
    }

    /** The repository over the SKU streams, for reads and tools. */
    public DeciderRepository<InventoryCommand, InventoryEvent, Stock.State> repository() {
        return repository;
    }

    /** Checks a SKU's form: 1-64 letters, digits, '.' and '_', starting with a letter or digit. */
    public static String checkSku(String field, String sku) {
        if (sku == null || !SKU.matcher(sku).matches()) {
            throw new InvalidInputException(field, field + " must be 1-64 letters, digits, '.' or '_', got " + sku);
        }
        return sku;
    }

    /**
     * Handles one command: its events are appended (possibly together with other commands' for the
     * same SKU) before this returns.
     *
     * @return the SKU stream's version after the command (unchanged when it decided nothing)
     */
    public Long handle(CommandMessage<? extends InventoryCommand> message) {
        InventoryCommand command = message.payload();
        String sku = checkSku("sku", command.sku());
        Pending p = new Pending(command, message.eventMetadata());
        Lane lane = lanes.computeIfAbsent(sku, Lane::new);
        lane.queue.add(p);
        lane.drain();
        try {
            return p.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FactaException("interrupted while waiting for the stock of " + sku, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new FactaException("stock command failed: " + e.getCause(), e.getCause());
        }
    }

    /** The current stock of a SKU, read from its stream (through this process's cached state when it has one). */
    public StockLevelView stock(String sku) {
        checkSku("sku", sku);
        Lane lane = lanes.get(sku);
        Cached c = lane == null ? null : lane.cached;
        Cached now = c == null ? load(sku) : catchUp(sku, c);
        Stock.State s = now.state();
        return new StockLevelView(sku, s.available(), s.reserved(), s.committed(), now.version());
    }

    private record Pending(InventoryCommand command, Metadata metadata, CompletableFuture<Long> done) {
        Pending(InventoryCommand command, Metadata metadata) {
            this(command, metadata, new CompletableFuture<>());
        }
    }

    private record Cached(Stock.State state, long version) {
    }

    private Cached load(String sku) {
        Loaded<Stock.State> l = repository.load(sku);
        return new Cached(l.state(), l.version());
    }

    /** The cached state moved on by the events other processes appended after it. */
    private Cached catchUp(String sku, Cached c) {
        Stock.State s = c.state();
        long v = c.version();
        StreamId stream = repository.streamOf(sku);
        while (true) {
            List<RecordedEvent> page = store.readStream(stream, v + 1, 1000, ReadDirection.FORWARD);
            for (RecordedEvent e : page) {
                s = Stock.evolve(s, serializer.deserialize(e.type(), e.data(), InventoryEvent.class));
                v = e.version();
            }
            if (page.size() < 1000) return new Cached(s, v);
        }
    }

    /** One SKU's commands: whoever finds the lane idle appends for everyone waiting. */
    private final class Lane {
        final String sku;
        final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean draining = new AtomicBoolean();
        volatile Cached cached;

        Lane(String sku) {
            this.sku = sku;
        }

        void drain() {
            while (!queue.isEmpty() && draining.compareAndSet(false, true)) {
                try {
                    List<Pending> batch = new ArrayList<>();
                    for (Pending p; batch.size() < MAX_BATCH && (p = queue.poll()) != null; ) batch.add(p);
                    if (!batch.isEmpty()) run(batch);
                } finally {
                    draining.set(false);
                }
            }
        }

        private void run(List<Pending> batch) {
            StreamId stream = repository.streamOf(sku);
            for (int attempt = 1; ; attempt++) {
                Cached start;
                try {
                    start = cached != null ? cached : load(sku);
                } catch (RuntimeException e) {
                    for (Pending p : batch) p.done.completeExceptionally(e);
                    return;
                }
                Stock.State state = start.state();
                List<EventData> data = new ArrayList<>();
                List<Pending> accepted = new ArrayList<>();
                List<Integer> counts = new ArrayList<>();
                List<RuntimeException> refused = new ArrayList<>();
                List<Pending> refusedBy = new ArrayList<>();
                for (Pending p : batch) {
                    List<InventoryEvent> events;
                    try {
                        events = Stock.decide(p.command(), state);
                    } catch (RuntimeException e) {
                        refused.add(e);
                        refusedBy.add(p);
                        continue;
                    }
                    for (InventoryEvent e : events) {
                        state = Stock.evolve(state, e);
                        data.add(serializer.toEventData(e, p.metadata()));
                    }
                    accepted.add(p);
                    counts.add(events.size());
                }
                long version = start.version();
                if (!data.isEmpty()) {
                    try {
                        ExpectedVersion expected = version < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(version);
                        AppendResult r = store.append(stream, expected, data);
                        version = r.nextExpectedVersion();
                    } catch (WrongExpectedVersionException conflict) {
                        // another process wrote this SKU: decide the whole batch again on fresh state
                        cached = null;
                        if (attempt < MAX_ATTEMPTS) continue;
                        for (Pending p : batch) p.done.completeExceptionally(conflict);
                        return;
                    } catch (RuntimeException e) {
                        cached = null;
                        for (Pending p : batch) p.done.completeExceptionally(e);
                        return;
                    }
                }
                cached = new Cached(state, version);
                long before = start.version();
                for (int i = 0; i < accepted.size(); i++) {
                    before += counts.get(i);
                    accepted.get(i).done.complete(before);
                }
                for (int i = 0; i < refused.size(); i++) refusedBy.get(i).done.completeExceptionally(refused.get(i));
                return;
            }
        }
    }
}
