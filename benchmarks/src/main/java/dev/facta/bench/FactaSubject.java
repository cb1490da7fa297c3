package dev.facta.bench;

import dev.facta.postgres.PostgresProvider;
import dev.facta.store.AllSlice;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.util.ArrayList;
import java.util.List;

/** The scenarios run through the public {@link EventStore} API, one store shared by all writers. */
final class FactaSubject implements Subject {
    /** Metadata key that marks the events of an append the fault hook must roll back. */
    private static final String DOOMED = "benchRollback";

    private final EventStore store;
    private final boolean rollbackHook;

    /**
     * @param rollbackHook install the store's fault hook so that {@link Writer#appendRolledBack}
     *                     rolls a real append transaction back (only where {@link #canRollBack(StoreKind)})
     */
    FactaSubject(StoreKind kind, String url, boolean rollbackHook) {
        this.rollbackHook = rollbackHook && canRollBack(kind);
        if (this.rollbackHook) {
            // The hook runs inside the append transaction after the events are inserted, so
            // throwing there is a genuine rollback of written rows, not a refused request.
            this.store = PostgresProvider.configure(url)
                    .beforeCommit((connection, events) -> {
                        for (RecordedEvent e : events) {
                            if (e.metadata().get(DOOMED) != null) throw new IntentionalRollback();
                        }
                    })
                    .build();
        } else {
            this.store = EventStores.open(url);
        }
    }

    /** Writes through a store the caller opened (and closes: closing this subject closes it). */
    FactaSubject(EventStore store) {
        this.store = store;
        this.rollbackHook = false;
    }

    /** Whether Facta's store of this kind lets the benchmark roll back an append transaction. */
    static boolean canRollBack(StoreKind kind) {
        return kind == StoreKind.POSTGRES;
    }

    private static final class IntentionalRollback extends RuntimeException {
        IntentionalRollback() {
            super("rolled back on purpose by the benchmark", null, false, false);
        }
    }

    @Override
    public Writer newWriter() {
        return new Writer() {
            @Override
            public long append(String stream, long expectedVersion, List<BenchEvent> events) {
                return store.append(StreamId.of(stream), expected(expectedVersion), toEventData(events, false)).nextExpectedVersion();
            }

            @Override
            public void appendRolledBack(String stream, long expectedVersion, List<BenchEvent> events) {
                if (!rollbackHook) throw new UnsupportedOperationException("this store has no hook to roll back an append");
                try {
                    store.append(StreamId.of(stream), expected(expectedVersion), toEventData(events, true));
                } catch (IntentionalRollback expected) {
                    return;
                }
                throw new IllegalStateException("an append marked for rollback was committed");
            }

            @Override
            public void close() {
            }
        };
    }

    static ExpectedVersion expected(long version) {
        return version < 0 ? ExpectedVersion.noStream() : ExpectedVersion.exactly(version);
    }

    static List<EventData> toEventData(List<BenchEvent> events, boolean doomed) {
        List<EventData> out = new ArrayList<>(events.size());
        for (BenchEvent e : events) {
            Metadata m = Metadata.empty().withCorrelationId(e.correlationId());
            out.add(new EventData(e.id(), e.type(), e.utf8(), doomed ? m.with(DOOMED, "true") : m));
        }
        return out;
    }

    @Override
    public boolean canRollBack() {
        return rollbackHook;
    }

    @Override
    public ReadStats readAll(int pageSize) {
        long from = 1;
        long count = 0;
        long last = 0;
        long bytes = 0;
        while (true) {
            AllSlice slice = store.readAll(from, pageSize);
            for (RecordedEvent e : slice.events()) {
                if (e.position() <= last) {
                    throw new IllegalStateException("read-all went backwards: position " + e.position() + " after " + last);
                }
                last = e.position();
                bytes += e.data().length;
                count++;
            }
            if (slice.endOfLog() || (slice.events().isEmpty() && slice.next() <= from)) {
                return new ReadStats(count, last, bytes);
            }
            from = slice.next();
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
