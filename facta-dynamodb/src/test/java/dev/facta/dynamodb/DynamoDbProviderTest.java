package dev.facta.dynamodb;

import dev.facta.InvalidInputException;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DynamoDbProviderTest {

    @Test
    void a_store_url_opens_a_store_on_that_table_creating_it_when_missing() {
        DynamoDbLocal dynamo = DynamoDbLocal.shared();
        URI e = dynamo.endpoint();
        String table = DynamoDbLocal.freshTable("url");
        String url = "dynamodb://" + e.getHost() + ":" + e.getPort() + "/" + table;
        try (EventStore s = EventStores.open(url)) {
            s.append(StreamId.of("order-1"), ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{}"));
            assertThat(s.describe()).contains(table);
        }
        // the same table through the other form, with the endpoint as an option
        try (EventStore again = EventStores.open("dynamodb:" + table + "?endpoint=" + e + "&create=false")) {
            assertThat(again.readStream(StreamId.of("order-1"))).hasSize(1);
        } finally {
            try (var client = dynamo.client()) {
                DynamoDbTable.delete(client, table);
            }
        }
    }

    @Test
    void bad_urls_are_refused_with_a_clear_error() {
        assertThat(new DynamoDbProvider().supports("dynamodb:orders")).isTrue();
        assertThat(new DynamoDbProvider().supports("sqlite:x.db")).isFalse();
        assertThatThrownBy(() -> DynamoDbProvider.builder("dynamodb:")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("names no table");
        assertThatThrownBy(() -> DynamoDbProvider.builder("dynamodb://localhost:8000/")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("names no table");
        assertThatThrownBy(() -> DynamoDbProvider.builder("dynamodb:a")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("3 to 255");
        assertThatThrownBy(() -> DynamoDbProvider.builder("dynamodb:orders?colour=blue")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown DynamoDB store option 'colour'");
        assertThatThrownBy(() -> DynamoDbProvider.builder("dynamodb:orders?create=maybe")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> DynamoDbProvider.builder("dynamodb:orders?endpoint=not a uri")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid endpoint");
    }
}
