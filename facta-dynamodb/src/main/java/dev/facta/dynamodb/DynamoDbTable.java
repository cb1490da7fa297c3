package dev.facta.dynamodb;

import dev.facta.FactaException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

import java.util.Map;

/**
 * The single table that holds a Facta store on DynamoDB, and how its items are keyed
 * (docs/dynamodb.md draws the layout). Every item has a string partition key {@value #PK} and a
 * number sort key {@value #SK}:
 * <ul>
 * <li>{@code s#<stream>} / version: one item per event of the stream, and at sort key {@code -1}
 * the stream's head (last version, deletion, settings);
 * <li>{@code g#<bucket>} / position: the global log, {@value #LOG_BUCKET} positions per partition;
 * <li>{@code $log} / 0: the counter holding the last position written;
 * <li>{@code i#<event id>} / 0: where an event id was written (unique ids, idempotent retries);
 * <li>{@code n#<stream>} / version: snapshots.
 * </ul>
 * The index {@value #STREAMS_INDEX} holds only stream heads, keyed by name, to list streams in order.
 */
public final class DynamoDbTable {
    public static final String PK = "pk";
    public static final String SK = "sk";
    /** The global secondary index over stream heads: partition {@value #GK}, sort {@value #GS} (the name). */
    public static final String STREAMS_INDEX = "streams";
    public static final String GK = "gk";
    public static final String GS = "gs";
    /** Positions per global-log partition. */
    public static final long LOG_BUCKET = 1_000;

    static final String STREAM_PREFIX = "s#";
    static final String LOG_PREFIX = "g#";
    static final String ID_PREFIX = "i#";
    static final String SNAPSHOT_PREFIX = "n#";
    static final String COUNTER = "$log";
    static final String HEADS = "streams";
    static final long HEAD_SK = -1;

    private DynamoDbTable() {
    }

    static Map<String, AttributeValue> key(String pk, long sk) {
        return Map.of(PK, AttributeValue.fromS(pk), SK, n(sk));
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static String logPartition(long position) {
        return LOG_PREFIX + (position / LOG_BUCKET);
    }

    /**
     * Creates the table (on-demand capacity) with its index and waits until it is active; does
     * nothing when a table of that name exists.
     */
    public static void createIfMissing(DynamoDbClient client, String table) {
        try {
            client.describeTable(r -> r.tableName(table));
            waitActive(client, table);
            return;
        } catch (ResourceNotFoundException missing) {
            // create it below
        }
        try {
            client.createTable(r -> r.tableName(table)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            attribute(PK, ScalarAttributeType.S), attribute(SK, ScalarAttributeType.N),
                            attribute(GK, ScalarAttributeType.S), attribute(GS, ScalarAttributeType.S))
                    .keySchema(keyElement(PK, KeyType.HASH), keyElement(SK, KeyType.RANGE))
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(STREAMS_INDEX)
                            .keySchema(keyElement(GK, KeyType.HASH), keyElement(GS, KeyType.RANGE))
                            .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                            .build()));
        } catch (ResourceInUseException raced) {
            // another instance created it at the same moment
        } catch (DynamoDbException e) {
            throw new FactaException("cannot create the DynamoDB table '" + table + "': " + e.getMessage(), e);
        }
        waitActive(client, table);
    }

    /** Deletes the table and everything in it. */
    public static void delete(DynamoDbClient client, String table) {
        try {
            client.deleteTable(r -> r.tableName(table));
        } catch (ResourceNotFoundException gone) {
            // nothing to delete
        }
    }

    private static void waitActive(DynamoDbClient client, String table) {
        try (var waiter = client.waiter()) {
            waiter.waitUntilTableExists(r -> r.tableName(table));
        }
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
    }

    private static KeySchemaElement keyElement(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }
}
