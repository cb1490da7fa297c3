package dev.facta.server;

import dev.facta.observability.MeteredEventStore;
import dev.facta.store.AppendNotifier;
import dev.facta.store.EventStore;
import dev.facta.store.ForwardingEventStore;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The store as the server's routes use it: every call metered ({@link MeteredEventStore}), and, when
 * the underlying store signals its commits, still an {@link AppendNotifier}, so live subscriptions
 * wake at once instead of polling.
 */
final class InstrumentedStore {
    private InstrumentedStore() {
    }

    static EventStore wrap(EventStore store, MeterRegistry registry) {
        MeteredEventStore metered = new MeteredEventStore(store, registry, "server");
        return store instanceof AppendNotifier notifier ? new Notifying(metered, notifier) : metered;
    }

    private static final class Notifying extends ForwardingEventStore implements AppendNotifier {
        private final AppendNotifier notifier;

        Notifying(EventStore delegate, AppendNotifier notifier) {
            super(delegate);
            this.notifier = notifier;
        }

        @Override
        public AutoCloseable onAppend(Runnable listener) {
            return notifier.onAppend(listener);
        }
    }
}
