package dev.facta.dynamodb;

import dev.facta.store.EventStore;
import dev.facta.store.EventStoreContract;

/** The shared contract on a fresh table of DynamoDB Local (or FACTA_TEST_DYNAMODB_ENDPOINT) per test. */
class DynamoDbEventStoreTest extends EventStoreContract {
    private final DynamoDbLocal dynamo = DynamoDbLocal.shared();

    @Override
    protected EventStore createStore() {
        return dynamo.freshStore("events");
    }

    @Override
    protected void destroyStore(EventStore store) {
        dynamo.dropStore((DynamoDbEventStore) store);
    }
}
