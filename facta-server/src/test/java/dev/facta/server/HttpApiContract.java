package dev.facta.server;

import dev.facta.store.EventStore;
import dev.facta.store.StoreLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP API's contract (ARCHITECTURE.md, "HTTP API"), black-box over a real socket: every status
 * code, the error shape, the event shape, and that nothing is stored after any refused request. Each
 * store module's server test extends it.
 */
abstract class HttpApiContract {
    /** The event size limit of the store under test, so that 413 for an oversized event can be shown. */
    static final StoreLimits LIMITS = new StoreLimits(4096, StoreLimits.DEFAULT.maxEventsPerAppend(), StoreLimits.DEFAULT.maxJsonDepth());

    EventStore store;
    FactaServer server;
    Http http;

    /** A new, empty store with {@link #LIMITS}. */
    abstract EventStore newStore();

    @BeforeEach
    void startServer() {
        store = newStore();
        server = FactaServer.builder(store).build().start();
        http = new Http(server);
    }

    @AfterEach
    void stopServer() {
        if (server != null) server.close();
        if (store != null) store.close();
    }

    static String path(String stream) {
        return "/streams/" + URLEncoder.encode(stream, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The whole log, read through the API, so "nothing stored" is checked as a client would see it. */
    List<JsonNode> log() {
        return http.all();
    }

    void assertError(Http.Reply r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).as(r.toString()).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(body.get("error").stringValue()).as(r.toString()).isEqualTo(code);
        assertThat(body.get("message").stringValue()).as(r.toString()).isNotBlank();
        assertThat(r.body()).as("no stack trace in a response").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Nested
    class Appending {
        @Test
        void an_append_answers_201_with_the_next_expected_version_and_the_position_of_its_last_event() {
            Http.Reply r = http.post("/streams/order-1",
                    "[{\"type\":\"OrderPlaced\",\"data\":{\"total\":\"58.90\"}},{\"type\":\"OrderPaid\",\"data\":{}}]",
                    "Facta-Expected-Version", "no_stream");

            assertThat(r.status()).as(r.toString()).isEqualTo(201);
            assertThat(r.json().get("nextExpectedVersion").asLong()).isEqualTo(1);
            assertThat(r.json().get("position").asLong()).isEqualTo(2);

            Http.Reply again = http.post("/streams/order-1", "[{\"type\":\"OrderShipped\",\"data\":{}}]",
                    "Facta-Expected-Version", "1");
            assertThat(again.status()).isEqualTo(201);
            assertThat(again.json().get("nextExpectedVersion").asLong()).isEqualTo(2);
            assertThat(again.json().get("position").asLong()).isEqualTo(3);
        }

        @Test
        void events_come_back_with_every_field_data_and_metadata_as_json_objects() {
            UUID id = UUID.randomUUID();
            Instant before = Instant.now().minusSeconds(5);
            http.append("order-7", "[{\"id\":\"" + id + "\",\"type\":\"OrderPlaced\","
                    + "\"data\":{\"amount\":39.90,\"big\":123456789012345678901234567890,\"name\":\"Zoë \\u2028 ✓ 😀\","
                    + "\"lines\":[{\"sku\":\"A\",\"qty\":2}],\"gift\":false,\"note\":null},"
                    + "\"metadata\":{\"correlationId\":\"c-1\",\"causationId\":\"cmd-1\",\"tenant\":\"acme\",\"channel\":\"web\",\"attempt\":2,\"test\":true}}]");

            Http.Reply r = http.get("/streams/order-7");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("application/json");
            JsonNode e = r.json().get("events").get(0);
            assertThat(iterable(e.propertyNames())).containsExactly("id", "stream", "version", "position", "type", "data", "metadata", "recordedAt");
            assertThat(e.get("id").stringValue()).isEqualTo(id.toString());
            assertThat(e.get("stream").stringValue()).isEqualTo("order-7");
            assertThat(e.get("version").asLong()).isZero();
            assertThat(e.get("position").asLong()).isEqualTo(1);
            assertThat(e.get("type").stringValue()).isEqualTo("OrderPlaced");
            JsonNode data = e.get("data");
            assertThat(data.isObject()).as("data is a JSON object, not a string").isTrue();
            assertThat(r.body()).as("decimals are kept exactly").containsPattern("\"amount\": ?39\\.90[,}]")
                    .containsPattern("\"big\": ?123456789012345678901234567890[,}]");
            assertThat(data.get("name").stringValue()).isEqualTo("Zoë \u2028 ✓ 😀");
            assertThat(data.get("lines").get(0).get("qty").asInt()).isEqualTo(2);
            assertThat(data.get("gift").asBoolean()).isFalse();
            assertThat(data.get("note").isNull()).isTrue();
            JsonNode metadata = e.get("metadata");
            assertThat(metadata.isObject()).isTrue();
            assertThat(metadata.get("correlationId").stringValue()).isEqualTo("c-1");
            assertThat(metadata.get("causationId").stringValue()).isEqualTo("cmd-1");
            assertThat(metadata.get("tenant").stringValue()).isEqualTo("acme");
            assertThat(metadata.get("channel").stringValue()).isEqualTo("web");
            assertThat(metadata.get("attempt").stringValue()).as("metadata values are strings").isEqualTo("2");
            assertThat(metadata.get("test").stringValue()).isEqualTo("true");
            Instant recordedAt = Instant.parse(e.get("recordedAt").stringValue());
            assertThat(recordedAt).isAfter(before).isBefore(Instant.now().plusSeconds(5));
        }

        @Test
        void an_event_without_metadata_has_an_empty_metadata_object_and_data_may_be_any_json_value() {
            http.append("counter-1", "[{\"type\":\"Incremented\",\"data\":5},{\"type\":\"Named\",\"data\":\"x\"},{\"type\":\"Listed\",\"data\":[1,2]}]");

            JsonNode events = http.get("/streams/counter-1").json().get("events");

            assertThat(events.get(0).get("metadata").isObject()).isTrue();
            assertThat(events.get(0).get("metadata").isEmpty()).isTrue();
            assertThat(events.get(0).get("data").asInt()).isEqualTo(5);
            assertThat(events.get(1).get("data").stringValue()).isEqualTo("x");
            assertThat(events.get(2).get("data").isArray()).isTrue();
        }

        @Test
        void re_sending_an_append_with_the_same_event_ids_does_not_write_them_twice() {
            String body = "[{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"A\",\"data\":{}},{\"id\":\"" + UUID.randomUUID() + "\",\"type\":\"B\",\"data\":{}}]";
            Http.Reply first = http.post("/streams/retry-1", body, "Facta-Expected-Version", "no_stream");
            Http.Reply retry = http.post("/streams/retry-1", body, "Facta-Expected-Version", "no_stream");

            assertThat(first.status()).isEqualTo(201);
            assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
            assertThat(retry.json().get("nextExpectedVersion").asLong()).isEqualTo(1);
            assertThat(log()).hasSize(2);
        }

        @Test
        void stream_names_may_hold_slashes_spaces_and_any_script() {
            for (String name : List.of("tenant/acme/order-1", "order 2", "commande-été-✓", "a+b")) {
                http.append(path(name).substring("/streams/".length()), "[{\"type\":\"Created\",\"data\":{}}]");
                Http.Reply r = http.get(path(name));
                assertThat(r.status()).as(name + ": " + r).isEqualTo(200);
                assertThat(r.json().get("events").get(0).get("stream").stringValue()).isEqualTo(name);
            }
        }
    }

    @Nested
    class Conflicts {
        @Test
        void a_wrong_exact_version_is_409_with_numeric_expected_and_actual_and_stores_nothing() {
            http.append("order-1", "[{\"type\":\"A\",\"data\":{}},{\"type\":\"B\",\"data\":{}}]");

            Http.Reply r = http.post("/streams/order-1", "[{\"type\":\"C\",\"data\":{}}]", "Facta-Expected-Version", "5");

            assertError(r, 409, "wrong_expected_version");
            assertThat(r.json().get("expected").isNumber()).isTrue();
            assertThat(r.json().get("expected").asLong()).isEqualTo(5);
            assertThat(r.json().get("actual").isNumber()).isTrue();
            assertThat(r.json().get("actual").asLong()).isEqualTo(1);
            assertThat(log()).hasSize(2);
        }

        @Test
        void no_stream_on_an_existing_stream_is_409_with_the_expectation_as_a_string() {
            http.append("order-1", "[{\"type\":\"A\",\"data\":{}}]");

            Http.Reply r = http.post("/streams/order-1", "[{\"type\":\"B\",\"data\":{}}]", "Facta-Expected-Version", "no_stream");

            assertError(r, 409, "wrong_expected_version");
            assertThat(r.json().get("expected").stringValue()).isEqualTo("no_stream");
            assertThat(r.json().get("actual").asLong()).isZero();
            assertThat(log()).hasSize(1);
        }

        @Test
        void stream_exists_or_an_exact_version_on_a_missing_stream_is_409_with_actual_no_stream() {
            Http.Reply exists = http.post("/streams/order-9", "[{\"type\":\"B\",\"data\":{}}]", "Facta-Expected-Version", "stream_exists");
            Http.Reply exact = http.post("/streams/order-9", "[{\"type\":\"B\",\"data\":{}}]", "Facta-Expected-Version", "0");

            assertError(exists, 409, "wrong_expected_version");
            assertThat(exists.json().get("expected").stringValue()).isEqualTo("stream_exists");
            assertThat(exists.json().get("actual").stringValue()).isEqualTo("no_stream");
            assertError(exact, 409, "wrong_expected_version");
            assertThat(exact.json().get("expected").asLong()).isZero();
            assertThat(log()).isEmpty();
            assertError(http.get("/streams/order-9"), 404, "stream_not_found");
        }

        @Test
        void of_concurrent_appends_at_the_same_version_exactly_one_wins() throws Exception {
            http.append("race-1", "[{\"type\":\"Opened\",\"data\":{}}]");
            int n = 8;
            List<Thread> threads = new ArrayList<>();
            List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < n; i++) {
                int k = i;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    statuses.add(http.post("/streams/race-1", "[{\"type\":\"Took\",\"data\":{\"by\":" + k + "}}]",
                            "Facta-Expected-Version", "0").status());
                }));
            }
            go.countDown();
            for (Thread t : threads) t.join();

            assertThat(statuses).hasSize(n);
            assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(1);
            assertThat(statuses.stream().filter(s -> s == 409).count()).isEqualTo(n - 1);
            assertThat(log()).hasSize(2);
        }
    }

    @Nested
    class BadRequests {
        void assertRefusedAndNothingStored(Http.Reply r, int status, String code) {
            assertError(r, status, code);
            assertThat(log()).as("nothing stored after " + r).hasSize(1);
            assertThat(http.get("/streams/victim-1").json().get("events")).hasSize(1);
        }

        @BeforeEach
        void oneEventBefore() {
            http.append("victim-1", "[{\"type\":\"Existing\",\"data\":{}}]");
        }

        @Test
        void malformed_json_is_400() {
            for (String body : List.of("[{\"type\":\"A\",\"data\":{}", "not json", "[{\"type\":\"A\",\"data\":{}}] trailing",
                    "[{\"type\":\"A\",\"data\":{\"k\":1,\"k\":2}}]", "[{\"type\":\"A\",\"data\":{bad:1}}]", "")) {
                assertRefusedAndNothingStored(http.post("/streams/victim-1", body), 400, "bad_request");
            }
        }

        @Test
        void a_body_that_is_not_a_non_empty_array_of_events_is_400() {
            for (String body : List.of("[]", "{\"type\":\"A\",\"data\":{}}", "[1]", "[null]", "\"text\"")) {
                assertRefusedAndNothingStored(http.post("/streams/victim-1", body), 400, "bad_request");
            }
        }

        @Test
        void an_event_missing_its_type_or_data_or_with_bad_fields_is_400_and_refuses_the_whole_batch() {
            for (String bad : List.of("{\"data\":{}}", "{\"type\":\"\",\"data\":{}}", "{\"type\":\"has space\",\"data\":{}}",
                    "{\"type\":7,\"data\":{}}", "{\"type\":\"A\"}", "{\"type\":\"A\",\"data\":null}",
                    "{\"type\":\"A\",\"data\":{},\"meta\":{}}", "{\"id\":\"not-a-uuid\",\"type\":\"A\",\"data\":{}}",
                    "{\"id\":42,\"type\":\"A\",\"data\":{}}", "{\"type\":\"A\",\"data\":{},\"metadata\":{\"nested\":{\"x\":1}}}",
                    "{\"type\":\"A\",\"data\":{},\"metadata\":[1]}")) {
                String body = "[{\"type\":\"Fine\",\"data\":{}}," + bad + "]";
                assertRefusedAndNothingStored(http.post("/streams/victim-1", body), 400, "bad_request");
            }
        }

        @Test
        void the_same_event_id_twice_in_one_append_is_400() {
            String id = UUID.randomUUID().toString();
            String body = "[{\"id\":\"" + id + "\",\"type\":\"A\",\"data\":{}},{\"id\":\"" + id + "\",\"type\":\"B\",\"data\":{}}]";
            assertRefusedAndNothingStored(http.post("/streams/victim-1", body), 400, "bad_request");
        }

        @Test
        void data_nested_deeper_than_the_limit_is_400() {
            String deep = "[".repeat(200) + "]".repeat(200);
            assertRefusedAndNothingStored(http.post("/streams/victim-1", "[{\"type\":\"A\",\"data\":" + deep + "}]"), 400, "bad_request");
            String nested = "{\"a\":".repeat(65) + "1" + "}".repeat(65);
            assertRefusedAndNothingStored(http.post("/streams/victim-1", "[{\"type\":\"A\",\"data\":" + nested + "}]"), 400, "bad_request");
        }

        @Test
        void a_number_longer_than_a_thousand_digits_is_400() {
            String body = "[{\"type\":\"A\",\"data\":{\"n\":" + "9".repeat(1001) + "}}]";
            assertRefusedAndNothingStored(http.post("/streams/victim-1", body), 400, "bad_request");
        }

        @Test
        void illegal_stream_names_are_400() {
            for (String name : List.of("%20leading-space", "trailing-space%20", "bell%07", "line%0Abreak", "x".repeat(257))) {
                Http.Reply r = http.post("/streams/" + name, "[{\"type\":\"A\",\"data\":{}}]");
                assertRefusedAndNothingStored(r, 400, "bad_request");
                assertError(http.get("/streams/" + name), 400, "bad_request");
            }
        }

        @Test
        void a_bad_expected_version_header_is_400() {
            for (String header : List.of("soon", "-1", "1.5", "", "ANY ", "99999999999999999999")) {
                Http.Reply r = http.post("/streams/victim-1", "[{\"type\":\"A\",\"data\":{}}]", "Facta-Expected-Version", header);
                assertRefusedAndNothingStored(r, 400, "bad_request");
            }
            assertError(http.delete("/streams/victim-1", "Facta-Expected-Version", "never"), 400, "bad_request");
            assertThat(http.get("/streams/victim-1").status()).isEqualTo(200);
        }

        @Test
        void negative_positions_and_limits_out_of_range_are_400() {
            for (String query : List.of("from=-1", "from=abc", "limit=0", "limit=-5", "limit=10001", "limit=x",
                    "direction=sideways", "from=9223372036854775808")) {
                assertError(http.get("/streams/victim-1?" + query), 400, "bad_request");
            }
            for (String query : List.of("from=-1", "from=x", "limit=0", "limit=10001")) {
                assertError(http.get("/all?" + query), 400, "bad_request");
            }
            for (String query : List.of("from=-1", "from=x", "from=1.5")) {
                assertError(http.get("/subscribe/all?" + query), 400, "bad_request");
            }
            assertError(http.get("/subscribe/all", "Last-Event-ID", "-3"), 400, "bad_request");
            assertError(http.get("/subscribe/all", "Last-Event-ID", "seven"), 400, "bad_request");
        }
    }

    @Nested
    class TooLarge {
        @Test
        void a_body_over_the_limit_is_413_and_stores_nothing() {
            String big = "[{\"type\":\"A\",\"data\":{\"blob\":\"" + "x".repeat(1024 * 1024) + "\"}}]";

            Http.Reply r = http.post("/streams/big-1", big);

            assertError(r, 413, "too_large");
            assertThat(log()).isEmpty();
        }

        @Test
        void an_event_over_the_store_event_size_limit_is_413_and_refuses_the_whole_batch() {
            String body = "[{\"type\":\"Small\",\"data\":{}},{\"type\":\"A\",\"data\":{\"blob\":\"" + "y".repeat(LIMITS.maxEventBytes()) + "\"}}]";

            Http.Reply r = http.post("/streams/big-2", body);

            assertError(r, 413, "too_large");
            assertThat(log()).isEmpty();
        }

        @Test
        void more_events_than_one_append_may_hold_is_413() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i <= ServerLimits.DEFAULT.maxEventsPerAppend(); i++) {
                sb.append(i == 0 ? "" : ",").append("{\"type\":\"A\",\"data\":{}}");
            }
            Http.Reply r = http.post("/streams/many-1", sb.append(']').toString());

            assertError(r, 413, "too_large");
            assertThat(log()).isEmpty();
        }
    }

    @Nested
    class Reading {
        @BeforeEach
        void tenEvents() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < 10; i++) sb.append(i == 0 ? "" : ",").append("{\"type\":\"E").append(i).append("\",\"data\":{\"i\":").append(i).append("}}");
            http.append("log-1", sb.append(']').toString());
            http.append("other-1", "[{\"type\":\"X\",\"data\":{}}]");
        }

        @Test
        void a_stream_reads_forward_and_backward_from_a_version_with_a_limit() {
            assertThat(versions(http.get("/streams/log-1"))).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(versions(http.get("/streams/log-1?from=3&limit=4"))).containsExactly(3L, 4L, 5L, 6L);
            assertThat(versions(http.get("/streams/log-1?direction=backward&limit=3"))).containsExactly(9L, 8L, 7L);
            assertThat(versions(http.get("/streams/log-1?direction=backward&from=4"))).containsExactly(4L, 3L, 2L, 1L, 0L);
            assertThat(versions(http.get("/streams/log-1?from=10"))).isEmpty();
        }

        @Test
        void the_global_log_is_in_ascending_position_with_next_to_read_from() {
            Http.Reply first = http.get("/all?limit=4");
            assertThat(first.status()).isEqualTo(200);
            assertThat(positions(first)).containsExactly(1L, 2L, 3L, 4L);
            assertThat(first.json().get("next").asLong()).isEqualTo(5);

            Http.Reply rest = http.get("/all?from=" + first.json().get("next").asLong());
            assertThat(positions(rest)).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L);
            assertThat(rest.json().get("events").get(6).get("stream").stringValue()).isEqualTo("other-1");

            Http.Reply past = http.get("/all?from=" + rest.json().get("next").asLong());
            assertThat(positions(past)).isEmpty();
            assertThat(past.json().get("next").asLong()).isGreaterThanOrEqualTo(12);
            assertThat(positions(http.get("/all?from=0&limit=2"))).containsExactly(1L, 2L);
        }

        @Test
        void a_stream_that_never_had_events_is_404() {
            assertError(http.get("/streams/nobody-1"), 404, "stream_not_found");
        }

        private List<Long> versions(Http.Reply r) {
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            List<Long> out = new ArrayList<>();
            r.json().get("events").forEach(e -> out.add(e.get("version").asLong()));
            return out;
        }

        private List<Long> positions(Http.Reply r) {
            List<Long> out = new ArrayList<>();
            r.json().get("events").forEach(e -> out.add(e.get("position").asLong()));
            return out;
        }
    }

    @Nested
    class Deleting {
        @Test
        void delete_is_204_then_the_stream_is_gone_by_name_but_its_events_stay_in_the_log() {
            http.append("cart-1", "[{\"type\":\"Added\",\"data\":{}},{\"type\":\"Removed\",\"data\":{}}]");

            Http.Reply r = http.delete("/streams/cart-1");

            assertThat(r.status()).as(r.toString()).isEqualTo(204);
            assertThat(r.body()).isEmpty();
            assertError(http.get("/streams/cart-1"), 404, "stream_not_found");
            assertError(http.delete("/streams/cart-1"), 404, "stream_not_found");
            assertError(http.post("/streams/cart-1", "[{\"type\":\"Added\",\"data\":{}}]"), 409, "stream_deleted");
            assertThat(log()).hasSize(2);
        }

        @Test
        void delete_checks_the_expected_version() {
            http.append("cart-2", "[{\"type\":\"Added\",\"data\":{}}]");

            Http.Reply r = http.delete("/streams/cart-2", "Facta-Expected-Version", "3");

            assertError(r, 409, "wrong_expected_version");
            assertThat(r.json().get("actual").asLong()).isZero();
            assertThat(http.get("/streams/cart-2").status()).isEqualTo(200);
            assertThat(http.delete("/streams/cart-2", "Facta-Expected-Version", "0").status()).isEqualTo(204);
        }

        @Test
        void deleting_a_stream_that_never_had_events_is_404() {
            assertError(http.delete("/streams/nobody-2"), 404, "stream_not_found");
        }
    }

    @Nested
    class Routing {
        @Test
        void an_unknown_route_is_404_in_the_error_shape() {
            assertError(http.get("/nowhere"), 404, "not_found");
            assertError(http.get("/streams"), 404, "not_found");
            assertError(http.post("/all/more", "[]"), 404, "not_found");
        }

        @Test
        void a_known_route_with_another_method_is_405_in_the_error_shape() {
            assertError(http.method("PUT", "/streams/order-1"), 405, "method_not_allowed");
            assertError(http.method("DELETE", "/all"), 405, "method_not_allowed");
            assertError(http.post("/health", "{}"), 405, "method_not_allowed");
        }
    }

    static List<String> iterable(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(out::add);
        return out;
    }
}
