package dev.facta.server;

import dev.facta.store.EventStore;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application's command and query endpoints over real HTTP, end to end through a real command
 * bus and query bus on each store: results, idempotency keys, correlation, validation failures that
 * change nothing, conflicts and unknown names.
 */
abstract class CommandQueryContract {
    EventStore store;
    Shop shop;
    FactaServer server;
    Http http;

    abstract EventStore newStore();

    @BeforeEach
    void start() {
        store = newStore();
        shop = new Shop(store);
        server = shop.register(FactaServer.builder(store)).build().start();
        http = new Http(server);
    }

    @AfterEach
    void stop() {
        server.close();
        shop.close();
        store.close();
    }

    @Test
    void a_command_runs_through_the_bus_and_a_query_answers_what_it_wrote() {
        Http.Reply placed = http.post("/commands/PlaceOrder", "{\"orderId\":\"o-1\",\"customerId\":\"c-9\",\"quantity\":3}",
                "Facta-Correlation-Id", "conv-42");
        assertThat(placed.status()).as(placed.toString()).isEqualTo(200);
        JsonNode body = placed.json();
        assertThat(body.get("result").stringValue()).isEqualTo("o-1");
        assertThat(body.get("correlationId").stringValue()).isEqualTo("conv-42");
        assertThat(placed.header("Facta-Correlation-Id")).isEqualTo("conv-42");
        List<RecordedEvent> events = store.readStream(StreamId.of("order-o-1"));
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().metadata().correlationId()).isEqualTo("conv-42");
        assertThat(events.getFirst().metadata().causationId()).isEqualTo(body.get("commandId").stringValue());

        Http.Reply found = http.post("/queries/FindOrder", "{\"orderId\":\"o-1\"}");
        assertThat(found.status()).as(found.toString()).isEqualTo(200);
        assertThat(found.json().get("result").get("customerId").stringValue()).isEqualTo("c-9");
        assertThat(found.json().get("result").get("quantity").intValue()).isEqualTo(3);

        Http.Reply cancelled = http.post("/commands/CancelOrder", "{\"orderId\":\"o-1\",\"reason\":\"changed mind\"}");
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().get("result").isNull()).isTrue();
        assertThat(http.post("/queries/FindOrder", "{\"orderId\":\"o-1\"}").json().get("result").get("cancelled").booleanValue()).isTrue();
    }

    @Test
    void without_a_correlation_header_the_command_starts_its_own_conversation() {
        Http.Reply placed = http.post("/commands/PlaceOrder", "{\"orderId\":\"o-2\",\"customerId\":\"c\",\"quantity\":1}");
        assertThat(placed.status()).isEqualTo(200);
        String commandId = placed.json().get("commandId").stringValue();
        assertThat(placed.json().get("correlationId").stringValue()).isEqualTo(commandId);
        assertThat(store.readStream(StreamId.of("order-o-2")).getFirst().metadata().correlationId()).isEqualTo(commandId);
    }

    @Test
    void a_repeated_idempotency_key_answers_the_first_result_without_running_again() {
        String body = "{\"orderId\":\"o-3\",\"customerId\":\"c\",\"quantity\":1}";
        Http.Reply first = http.post("/commands/PlaceOrder", body, "Idempotency-Key", "k-1");
        Http.Reply again = http.post("/commands/PlaceOrder", body, "Idempotency-Key", "k-1");
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.json().get("result").stringValue()).isEqualTo("o-3");
        assertThat(shop.placed.get()).isEqualTo(1);
        assertThat(store.readStream(StreamId.of("order-o-3"))).hasSize(1);
        // without the key the same command conflicts with the stream it wrote
        Http.Reply unkeyed = http.post("/commands/PlaceOrder", body);
        assertThat(unkeyed.status()).isEqualTo(409);
        assertThat(unkeyed.error()).isEqualTo("wrong_expected_version");
        assertThat(http.post("/commands/PlaceOrder", body, "Idempotency-Key", "has space").status()).isEqualTo(400);
    }

    @Test
    void invalid_bodies_are_refused_naming_the_field_and_change_nothing() {
        long head = store.headPosition();
        Http.Reply wrongType = http.post("/commands/PlaceOrder", "{\"orderId\":\"o-4\",\"customerId\":\"c\",\"quantity\":\"many\"}");
        assertInvalid(wrongType, "/quantity");
        assertThat(wrongType.json().get("message").stringValue()).as("refused by the record's JSON Schema, before binding")
                .contains("PlaceOrder is invalid at /quantity");
        assertInvalid(http.post("/commands/PlaceOrder", "{\"orderId\":\"o-4\",\"customerId\":\"c\",\"quantity\":1,\"extra\":1}"),
                "/extra");
        assertInvalid(http.post("/commands/PlaceOrder", "{\"orderId\":\"o-4\",\"customerId\":\"c\",\"quantity\":null}"), "/quantity");
        assertInvalid(http.post("/commands/PlaceOrder", "[1,2]"), "/");
        // the application's own check, past the schema
        assertInvalid(http.post("/commands/PlaceOrder", "{\"orderId\":\"o-4\",\"customerId\":\"c\",\"quantity\":5000}"), "/quantity");
        assertInvalid(http.post("/queries/FindOrder", "{\"orderId\":7,\"x\":1}"), null);
        Http.Reply malformed = http.post("/commands/PlaceOrder", "{\"orderId\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error()).isEqualTo("bad_request");
        assertThat(store.headPosition()).isEqualTo(head);
        assertThat(shop.placed.get()).isZero();
    }

    private static void assertInvalid(Http.Reply r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.error()).as(r.toString()).isEqualTo("validation_failed");
        assertThat(r.json().get("field")).as(r.toString()).isNotNull();
        if (field != null) assertThat(r.json().get("field").stringValue()).as(r.toString()).isEqualTo(field);
    }

    @Test
    void a_result_jackson_cannot_write_is_answered_as_text_since_the_command_ran() {
        Http.Reply r = http.post("/commands/Audit", "{\"orderId\":\"o-9\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("result").stringValue()).isEqualTo("Unwritable[...]");
    }

    @Test
    void refusals_of_the_domain_are_conflicts_and_unknown_names_are_not_found() {
        Http.Reply rule = http.post("/commands/CancelOrder", "{\"orderId\":\"nope\",\"reason\":\"x\"}");
        assertThat(rule.status()).as(rule.toString()).isEqualTo(409);
        assertThat(rule.error()).isEqualTo("rule_violation");

        Http.Reply unknown = http.post("/commands/ShipOrder", "{}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).isEqualTo("unknown_command");
        assertThat(http.post("/queries/Nope", "{}").error()).isEqualTo("unknown_query");
        Http.Reply missing = http.post("/queries/FindOrder", "{\"orderId\":\"never\"}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).isEqualTo("not_found");
        assertThat(http.get("/commands/PlaceOrder").status()).isEqualTo(405);
    }
}
