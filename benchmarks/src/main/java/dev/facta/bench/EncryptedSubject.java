package dev.facta.bench;

import dev.facta.crypto.DataKeys;
import dev.facta.crypto.EncryptedEventStore;
import dev.facta.crypto.EncryptionPolicy;
import dev.facta.crypto.InMemoryKeyStore;
import dev.facta.crypto.KeyStore;
import dev.facta.crypto.LocalMasterKey;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresKeyStore;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteKeyStore;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;

/**
 * The encrypted scenarios' store: the same store and workload as {@code append-batched} and
 * {@code read-all}, wrapped in an {@link EncryptedEventStore} whose policy makes each stream's order
 * id the data subject (10,000 subjects, so 10,000 data keys made on first use) and encrypts two
 * fields of every event, the unit price and the ~120-byte note. Keys live in the store's own key
 * store (in memory, the SQLite file's {@code data_keys}, PostgreSQL's {@code facta_data_keys}),
 * wrapped by a local master key.
 */
final class EncryptedSubject {
    static final EncryptionPolicy POLICY = EncryptionPolicy.builder()
            .rule("ItemAdded", "orderId", "unitPrice", "note")
            .rule("ItemRemoved", "orderId", "unitPrice", "note")
            .rule("QuantityChanged", "orderId", "unitPrice", "note")
            .rule("PriceChanged", "orderId", "unitPrice", "note")
            .build();

    private EncryptedSubject() {
    }

    static Subject open(FreshStore fresh) {
        EventStore raw = EventStores.open(fresh.factaUrl());
        KeyStore keys = switch (raw) {
            case SqliteEventStore s -> SqliteKeyStore.of(s);
            case PostgresEventStore p -> PostgresKeyStore.of(p);
            default -> new InMemoryKeyStore();
        };
        DataKeys dataKeys = DataKeys.builder(keys, LocalMasterKey.generate()).build();
        return new FactaSubject(EncryptedEventStore.builder(raw, POLICY, dataKeys).build());
    }
}
