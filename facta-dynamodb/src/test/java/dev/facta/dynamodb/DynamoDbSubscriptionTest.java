package dev.facta.dynamodb;

import dev.facta.store.EventStore;
import dev.facta.subscription.SubscriptionContract;

import java.time.Duration;

/** The subscription contract on a fresh DynamoDB table per test. */
class DynamoDbSubscriptionTest extends SubscriptionContract {
    private final DynamoDbLocal dynamo = DynamoDbLocal.shared();

    @Override
    protected EventStore createStore() {
        return dynamo.freshStore("subscriptions");
    }

    @Override
    protected void destroyStore(EventStore store) {
        dynamo.dropStore((DynamoDbEventStore) store);
    }

    @Override
    protected Duration pollInterval() {
        return Duration.ofSeconds(30); // appends by this store wake subscribers at once
    }
}
