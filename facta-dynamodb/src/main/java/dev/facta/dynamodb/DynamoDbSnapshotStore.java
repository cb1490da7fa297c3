package dev.facta.dynamodb;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.snapshot.Snapshot;
import dev.facta.aggregate.snapshot.SnapshotStore;
import dev.facta.store.StreamId;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import static dev.facta.dynamodb.DynamoDbEventStore.fromMicros;
import static dev.facta.dynamodb.DynamoDbEventStore.micros;
import static dev.facta.dynamodb.DynamoDbEventStore.num;
import static dev.facta.dynamodb.DynamoDbTable.PK;
import static dev.facta.dynamodb.DynamoDbTable.SK;
import static dev.facta.dynamodb.DynamoDbTable.key;
import static dev.facta.dynamodb.DynamoDbTable.n;

/**
 * Snapshots in the event store's table: one item per snapshot, partition {@code n#<stream>}, sort
 * key the version, so the latest at or below a version is one strongly consistent query. A state
 * must fit one item ({@value #MAX_STATE_BYTES} bytes); a larger one is refused with a typed error
 * (snapshots are an optimisation: the aggregate is then replayed from its events).
 */
public final class DynamoDbSnapshotStore implements SnapshotStore {
    /** The largest state kept: DynamoDB items hold 400 KB, keys and attributes included. */
    public static final int MAX_STATE_BYTES = 390 * 1024;

    private static final String A_SCHEMA = "sv", A_STATE = "sb", A_TAKEN = "at";

    private final DynamoDbClient client;
    private final String table;

    private DynamoDbSnapshotStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    /** Snapshots in the same table, through the same client, as the event store's. */
    public static DynamoDbSnapshotStore of(DynamoDbEventStore events) {
        return new DynamoDbSnapshotStore(events.client(), events.table());
    }

    /** Snapshots in {@code table} (which must exist, see {@link DynamoDbTable}) through a client the caller closes. */
    public static DynamoDbSnapshotStore of(DynamoDbClient client, String table) {
        return new DynamoDbSnapshotStore(Objects.requireNonNull(client, "client"), Objects.requireNonNull(table, "table"));
    }

    @Override
    public void save(Snapshot s) {
        Objects.requireNonNull(s, "snapshot");
        if (s.version() < 0) throw new InvalidInputException("version", "a snapshot version must be >= 0, got " + s.version());
        if (s.state() == null) throw new InvalidInputException("state", "a snapshot needs a state");
        if (s.state().length > MAX_STATE_BYTES) {
            throw new dev.facta.store.EventTooLargeException("state", s.state().length, MAX_STATE_BYTES);
        }
        Map<String, AttributeValue> item = new HashMap<>(key(partition(s.stream()), s.version()));
        item.put(A_SCHEMA, n(s.schemaVersion()));
        item.put(A_STATE, AttributeValue.fromB(SdkBytes.fromByteArray(s.state())));
        item.put(A_TAKEN, n(micros(s.takenAt())));
        client.putItem(r -> r.tableName(table).item(item));
    }

    @Override
    public Optional<Snapshot> latest(StreamId stream, long maxVersion) {
        Objects.requireNonNull(stream, "stream");
        if (maxVersion < 0) return Optional.empty();
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true).scanIndexForward(false).limit(1)
                .keyConditionExpression("#pk = :pk AND #sk <= :max")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(partition(stream)), ":max", n(maxVersion)))
                .build();
        List<Map<String, AttributeValue>> items = client.query(q).items();
        if (items.isEmpty()) return Optional.empty();
        Map<String, AttributeValue> item = items.getFirst();
        return Optional.of(new Snapshot(stream, num(item, SK), (int) num(item, A_SCHEMA), item.get(A_STATE).b().asByteArray(),
                fromMicros(num(item, A_TAKEN))));
    }

    @Override
    public void prune(StreamId stream, int keep) {
        Objects.requireNonNull(stream, "stream");
        if (keep < 0) throw new InvalidInputException("keep", "keep must be >= 0, got " + keep);
        QueryRequest q = QueryRequest.builder().tableName(table).consistentRead(true).scanIndexForward(false)
                .keyConditionExpression("#pk = :pk").projectionExpression("#pk, #sk")
                .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(partition(stream)))).build();
        List<WriteRequest> deletes = new ArrayList<>();
        int seen = 0;
        for (Map<String, AttributeValue> k : client.queryPaginator(q).items()) {
            if (++seen > keep) deletes.add(WriteRequest.builder().deleteRequest(d -> d.key(k)).build());
        }
        for (int from = 0; from < deletes.size(); from += 25) {
            Map<String, List<WriteRequest>> request = Map.of(table, deletes.subList(from, Math.min(deletes.size(), from + 25)));
            while (!request.isEmpty()) {
                var finalRequest = request;
                var response = client.batchWriteItem(r -> r.requestItems(finalRequest));
                request = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
            }
        }
    }

    private static String partition(StreamId stream) {
        return DynamoDbTable.SNAPSHOT_PREFIX + stream.value();
    }
}
