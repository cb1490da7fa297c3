package dev.facta.dynamodb;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import java.net.URI;

/** Builds the DynamoDB clients the stores open for themselves. */
final class DynamoDbClients {
    private DynamoDbClients() {
    }

    /**
     * A client for AWS (credentials and region from the SDK's default chains) or, with an endpoint,
     * for a DynamoDB elsewhere such as DynamoDB Local: there the region defaults to
     * {@code us-east-1} and, unless {@code AWS_ACCESS_KEY_ID} is set, fixed placeholder credentials
     * are used, which DynamoDB Local accepts.
     */
    static DynamoDbClient create(URI endpoint, String region) {
        DynamoDbClientBuilder b = DynamoDbClient.builder()
                // enough connections for the coalescer's writer and many concurrent readers
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(64));
        if (region != null) b.region(Region.of(region));
        if (endpoint != null) {
            b.endpointOverride(endpoint);
            if (region == null) b.region(Region.US_EAST_1);
            if (System.getenv("AWS_ACCESS_KEY_ID") == null) {
                b.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("facta", "local")));
            } else {
                b.credentialsProvider(DefaultCredentialsProvider.builder().build());
            }
        }
        return b.build();
    }
}
