package dev.facta.server.admin;

import dev.facta.InvalidInputException;
import dev.facta.projection.DeadLetter;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionRecord;
import dev.facta.server.ServerContext;
import dev.facta.server.StateView;
import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamMetadata;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminApiTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final InMemoryEventStore events = new InMemoryEventStore();
    private final InMemoryProjectionStore projections = new InMemoryProjectionStore();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose) c.close();
        events.close();
    }

    private ServerContext context(List<StateView> views, boolean withProjections) {
        return new ServerContext(events, withProjections ? Optional.of(projections) : Optional.empty(), views, JSON,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private AdminApi api() {
        return new AdminApi(context(List.of(), true));
    }

    private static JsonNode parse(String json) {
        return JSON.readTree(json);
    }

    private RecordedEvent append(String stream, String type, String json) {
        return append(stream, type, json, Metadata.empty());
    }

    private RecordedEvent append(String stream, String type, String json, Metadata metadata) {
        var result = events.append(StreamId.of(stream), ExpectedVersion.any(), EventData.of(type, json, metadata));
        return events.readAll(result.position(), 1).events().getFirst();
    }

    private static List<String> names(JsonNode page) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : page.get("streams")) out.add(s.get("stream").asString());
        return out;
    }

    // ------------------------------------------------------------------ streams

    @Test
    void streamsAreSearchedByPrefixAndPagedInNameOrder() {
        for (String s : List.of("account-1", "order", "order-1", "order-2", "order-3", "order-4", "order-5", "orders-x", "p-1", "order x")) {
            append(s, "Created", "{}");
        }
        AdminApi api = api();

        JsonNode first = parse(api.streams("order-", null, 2));
        assertEquals(List.of("order-1", "order-2"), names(first));
        JsonNode second = parse(api.streams("order-", first.get("next").asString(), 2));
        assertEquals(List.of("order-3", "order-4"), names(second));
        JsonNode third = parse(api.streams("order-", second.get("next").asString(), 2));
        assertEquals(List.of("order-5"), names(third));
        assertTrue(third.get("next").isNull());

        assertEquals(List.of("order", "order x", "order-1", "order-2", "order-3", "order-4", "order-5", "orders-x"),
                names(parse(api.streams("order", null, 50))));
        assertEquals(List.of("order x"), names(parse(api.streams("order ", null, 50))), "a prefix that is no legal name itself");
        assertEquals(List.of(), names(parse(api.streams(" order", null, 50))), "no name starts with whitespace");
        assertEquals(List.of(), names(parse(api.streams("order\u0001", null, 50))), "no name holds a control character");
        assertEquals(List.of(), names(parse(api.streams("zzz", null, 50))));
        JsonNode all = parse(api.streams("", null, 50));
        assertEquals(10, all.get("streams").size());
        assertEquals("account", all.get("streams").get(0).get("category").asString());
        assertEquals(0, all.get("streams").get(0).get("lastVersion").asLong());

        assertThrows(InvalidInputException.class, () -> api.streams("", null, 0));
        assertThrows(InvalidInputException.class, () -> api.streams("", null, AdminApi.MAX_PAGE + 1));
        assertThrows(InvalidInputException.class, () -> api.streams("", "bad\u0000cursor", 10));
    }

    @Test
    void aStreamIsReadNewestOrOldestFirstInPagesAndDeletedStreamsSaySo() {
        for (int i = 0; i < 5; i++) append("order-1", "Step", "{\"i\":" + i + "}");
        AdminApi api = api();

        JsonNode back = parse(api.stream("order-1", null, 2, true));
        assertEquals(4, back.get("lastVersion").asLong());
        assertEquals(List.of(4L, 3L), versions(back.get("events")));
        assertEquals(2, back.get("next").asLong());
        JsonNode back2 = parse(api.stream("order-1", back.get("next").asLong(), 3, true));
        assertEquals(List.of(2L, 1L, 0L), versions(back2.get("events")));
        assertTrue(back2.get("next").isNull());

        JsonNode fwd = parse(api.stream("order-1", null, 3, false));
        assertEquals(List.of(0L, 1L, 2L), versions(fwd.get("events")));
        assertEquals(3, fwd.get("next").asLong());
        assertEquals("{\"i\":0}", fwd.get("events").get(0).get("preview").asString());
        assertEquals("Step", fwd.get("events").get(0).get("type").asString());

        AdminApiException missing = assertThrows(AdminApiException.class, () -> api.stream("nope-1", null, 10, true));
        assertEquals(404, missing.status());
        assertEquals("stream_not_found", missing.code());
        assertThrows(InvalidInputException.class, () -> api.stream("order-1", -1L, 10, true));
        assertThrows(InvalidInputException.class, () -> api.stream("", null, 10, true));

        events.deleteStream(StreamId.of("order-1"), ExpectedVersion.any());
        JsonNode deleted = parse(api.stream("order-1", null, 10, true));
        assertTrue(deleted.get("deleted").asBoolean());
        assertEquals(0, deleted.get("events").size());
    }

    @Test
    void streamSettingsAreShownAndHiddenEventsLeftOut() {
        for (int i = 0; i < 5; i++) append("cart-1", "Step", "{}");
        events.setStreamMetadata(StreamId.of("cart-1"), StreamMetadata.none().withTruncateBefore(3));
        JsonNode s = parse(api().stream("cart-1", null, 10, false));
        assertEquals(3, s.get("settings").get("truncateBefore").asLong());
        assertEquals(List.of(3L, 4L), versions(s.get("events")));
    }

    private static List<Long> versions(JsonNode list) {
        List<Long> out = new ArrayList<>();
        for (JsonNode e : list) out.add(e.get("version").asLong());
        return out;
    }

    private static List<Long> positions(JsonNode list) {
        List<Long> out = new ArrayList<>();
        for (JsonNode e : list) out.add(e.get("position").asLong());
        return out;
    }

    // ------------------------------------------------------------------ events and relations

    @Test
    void anEventComesWithExactDataMetadataAndItsCausationAndCorrelationRelations() {
        RecordedEvent placed = append("order-7", "OrderPlaced", "{\"total\": 12345678901234567890.10, \"rate\": 1.10, \"items\": [1, 2]}",
                Metadata.empty().withCorrelationId("conv-1").withCausationId("cmd-1").with("user", "ann"));
        append("other-1", "Noise", "{}");
        RecordedEvent reserved = append("stock-3", "StockReserved", "{\"sku\":\"A\"}",
                Metadata.empty().withCorrelationId("conv-1").withCausationId(placed.id().toString()));
        RecordedEvent shipped = append("ship-9", "Shipped", "{}",
                Metadata.empty().withCorrelationId("conv-1").withCausationId(reserved.id().toString()));
        RecordedEvent alsoCaused = append("mail-1", "MailSent", "{}",
                Metadata.empty().withCorrelationId("conv-2").withCausationId(reserved.id().toString()));
        AdminApi api = api();

        String text = api.eventAtPosition(reserved.position());
        JsonNode r = parse(text);
        JsonNode e = r.get("event");
        assertEquals(reserved.id().toString(), e.get("id").asString());
        assertEquals("stock-3", e.get("stream").asString());
        assertEquals("StockReserved", e.get("type").asString());
        assertEquals("A", e.get("data").get("sku").asString());
        assertEquals("conv-1", e.get("metadata").get("correlationId").asString());
        JsonNode related = r.get("related");
        assertEquals(placed.position(), related.get("causedBy").get("position").asLong());
        assertEquals(List.of(shipped.position(), alsoCaused.position()), positions(related.get("caused")));
        assertEquals(List.of(placed.position(), reserved.position(), shipped.position()), positions(related.get("correlated")));
        assertTrue(r.get("scan").get("complete").asBoolean());

        // the same answer by stream and version, and by id
        assertEquals(r, parse(api.eventAt("stock-3", 0)));
        assertEquals(r, parse(api.eventById(reserved.id().toString())));

        // data is shown exactly as stored, numbers included
        String placedText = api.eventAtPosition(placed.position());
        assertTrue(placedText.contains("12345678901234567890.10"), placedText);
        assertTrue(placedText.contains("1.10"), placedText);
        JsonNode p = parse(placedText);
        assertEquals("ann", p.get("event").get("metadata").get("user").asString());
        assertTrue(p.get("related").get("causedBy").isNull(), "cmd-1 is a command's id, not an event");

        JsonNode corr = parse(api.correlation("conv-1"));
        assertEquals(List.of(placed.position(), reserved.position(), shipped.position()), positions(corr.get("events")));
        assertFalse(corr.get("truncated").asBoolean());
        assertEquals(0, parse(api.correlation("conv-none")).get("events").size());
    }

    @Test
    void eventLookupsRefuseBadInputAndSayWhatIsMissing() {
        append("a-1", "X", "{}");
        AdminApi api = api();
        assertThrows(InvalidInputException.class, () -> api.eventAtPosition(0));
        assertThrows(InvalidInputException.class, () -> api.eventAt("a-1", -1));
        assertThrows(InvalidInputException.class, () -> api.eventById("not-a-uuid"));
        assertThrows(InvalidInputException.class, () -> api.eventById("1-2-3-4-5"));
        assertThrows(InvalidInputException.class, () -> api.correlation(""));
        assertEquals(404, assertThrows(AdminApiException.class, () -> api.eventAtPosition(2)).status());
        assertEquals("event_not_found", assertThrows(AdminApiException.class, () -> api.eventAt("a-1", 1)).code());
        assertEquals("stream_not_found", assertThrows(AdminApiException.class, () -> api.eventAt("b-1", 0)).code());
        assertEquals("event_not_found", assertThrows(AdminApiException.class, () -> api.eventById(UUID.randomUUID().toString())).code());
        events.deleteStream(StreamId.of("a-1"), ExpectedVersion.any());
        assertEquals("stream_deleted", assertThrows(AdminApiException.class, () -> api.eventAt("a-1", 0)).code());
        // a deleted stream's events are still in the log, by position
        assertEquals("a-1", parse(api.eventAtPosition(1)).get("event").get("stream").asString());
    }

    @Test
    void relationLookupsSearchOnlyTheNewestEventsAndSaySo() {
        RecordedEvent old = append("a-1", "Old", "{}", Metadata.empty().withCorrelationId("c"));
        for (int i = 0; i < 12; i++) append("noise-" + i, "Noise", "{}");
        RecordedEvent recent = append("a-1", "Recent", "{}",
                Metadata.empty().withCorrelationId("c").withCausationId(old.id().toString()));
        AdminApi api = new AdminApi(context(List.of(), true), null, 5);

        AdminApiException notFound = assertThrows(AdminApiException.class, () -> api.eventById(old.id().toString()));
        assertTrue(notFound.getMessage().contains("newest 5 events"), notFound.getMessage());
        assertTrue(notFound.getMessage().contains("positions 10 to 14"), notFound.getMessage());

        JsonNode r = parse(api.eventAtPosition(recent.position()));
        assertTrue(r.get("related").get("causedBy").isNull());
        assertEquals(List.of(recent.position()), positions(r.get("related").get("correlated")));
        JsonNode scan = r.get("scan");
        assertEquals(10, scan.get("from").asLong());
        assertEquals(14, scan.get("to").asLong());
        assertFalse(scan.get("complete").asBoolean());
        // the old event itself is still reachable by position, and sees the newer one it caused
        JsonNode o = parse(api.eventAtPosition(old.position()));
        assertEquals(List.of(recent.position()), positions(o.get("related").get("caused")));

        assertThrows(InvalidInputException.class, () -> new AdminApi(context(List.of(), true), null, 0));
    }

    @Test
    void relationScansCrossPageBoundariesAndKeepTheNewestWhenTruncated() {
        int n = 12_000; // more than one scan page
        for (int b = 0; b < n / 4_000; b++) {
            List<EventData> batch = new ArrayList<>();
            for (int i = 0; i < 4_000; i++) batch.add(EventData.of("Tick", "{\"i\":" + i + "}", Metadata.empty().withCorrelationId("big")));
            events.append(StreamId.of("clock-1"), ExpectedVersion.any(), batch);
        }
        RecordedEvent first = events.readAll(1, 1).events().getFirst();
        AdminApi api = api();
        assertEquals(first.id().toString(), parse(api.eventById(first.id().toString())).get("event").get("id").asString());
        JsonNode corr = parse(api.correlation("big"));
        assertTrue(corr.get("truncated").asBoolean());
        List<Long> got = positions(corr.get("events"));
        assertEquals(AdminApi.MAX_RELATED * 2, got.size());
        assertEquals(n, got.getLast());
        assertEquals(n - got.size() + 1, got.getFirst(), "the newest ones, oldest first");
    }

    // ------------------------------------------------------------------ projections

    @Test
    void projectionsArePausedResumedAndRebuiltThroughTheStore() {
        projections.register(new ProjectionKey("summaries", 1), 2);
        projections.register(new ProjectionKey("summaries", 2), 2);
        projections.register(new ProjectionKey("totals", 1), 1);
        for (int i = 0; i < 3; i++) append("order-" + i, "Placed", "{}");
        AdminApi api = api();

        JsonNode list = parse(api.projections());
        assertTrue(list.get("available").asBoolean());
        assertEquals(3, list.get("projections").size());
        JsonNode v1 = list.get("projections").get(0);
        assertEquals("summaries", v1.get("name").asString());
        assertEquals(1, v1.get("version").asInt());
        assertEquals("ACTIVE", v1.get("state").asString());
        assertEquals("BUILDING", list.get("projections").get(1).get("state").asString());
        assertEquals(3, v1.get("lagEvents").asLong());
        assertEquals(2, v1.get("segments").size());
        assertTrue(v1.get("segments").get(0).get("owner").isNull());

        JsonNode paused = parse(api.pause("summaries"));
        assertTrue(paused.get("projections").get(0).get("paused").asBoolean());
        assertTrue(projections.find(new ProjectionKey("summaries", 2)).orElseThrow().paused(), "every version of the name");
        assertFalse(projections.find(new ProjectionKey("totals", 1)).orElseThrow().paused());
        api.resume("summaries");
        assertFalse(projections.find(new ProjectionKey("summaries", 1)).orElseThrow().paused());

        api.rebuild("summaries");
        assertTrue(projections.find(new ProjectionKey("summaries", 1)).orElseThrow().rebuildRequested());

        assertEquals("projection_not_found", assertThrows(AdminApiException.class, () -> api.pause("unknown")).code());
        assertEquals("projection_not_found", assertThrows(AdminApiException.class, () -> api.rebuild("unknown")).code());
        assertThrows(InvalidInputException.class, () -> api.pause("Bad Name"));

        AdminApi without = new AdminApi(context(List.of(), false));
        assertFalse(parse(without.projections()).get("available").asBoolean());
        AdminApiException none = assertThrows(AdminApiException.class, () -> without.pause("summaries"));
        assertEquals(409, none.status());
        assertEquals("no_projection_store", none.code());
    }

    @Test
    void aResumeClearsAStopAfterAFailure() {
        ProjectionKey key = new ProjectionKey("summaries", 1);
        projections.register(key, 1);
        projections.inTransaction(tx -> {
            tx.setStopped(key, true);
            tx.recordError(key, "boom");
            return null;
        });
        JsonNode before = parse(api().projections()).get("projections").get(0);
        assertTrue(before.get("stopped").asBoolean());
        assertEquals("boom", before.get("lastError").asString());
        api().resume("summaries");
        assertFalse(projections.find(key).orElseThrow().stopped());
    }

    @Test
    void deadLettersAreListedAndDiscardedLikeTheEngineDoes() {
        ProjectionKey key = new ProjectionKey("summaries", 1);
        projections.register(key, 2);
        RecordedEvent skipped = append("order-1", "Placed", "{}");
        RecordedEvent stopping = append("order-2", "Placed", "{}");
        RecordedEvent other = append("order-3", "Placed", "{}");
        // segment 0 parked `skipped` under SKIP (its checkpoint moved past it); segment 1 stopped in front of `stopping`
        long skippedId = projections.inTransaction(tx -> {
            tx.saveCheckpoint(key, 0, skipped.position());
            return tx.park(letter(key, 0, skipped));
        });
        long stoppingId = projections.inTransaction(tx -> {
            tx.saveCheckpoint(key, 1, stopping.position() - 1);
            tx.setStopped(key, true);
            return tx.park(letter(key, 1, stopping));
        });
        AdminApi api = api();

        JsonNode list = parse(api.deadLetters("summaries", 0, 10));
        assertEquals(List.of(skippedId, stoppingId), ids(list.get("letters")));
        assertFalse(list.get("retryAvailable").asBoolean());
        JsonNode one = list.get("letters").get(1);
        assertEquals(stopping.position(), one.get("position").asLong());
        assertEquals("order-2", one.get("stream").asString());
        assertEquals("boom", one.get("error").asString());
        JsonNode paged = parse(api.deadLetters("summaries", 0, 1));
        assertEquals(List.of(skippedId), ids(paged.get("letters")));
        assertEquals(List.of(stoppingId), ids(parse(api.deadLetters("summaries", paged.get("next").asLong(), 1)).get("letters")));

        AdminApiException retry = assertThrows(AdminApiException.class, () -> api.retryDeadLetter(stoppingId));
        assertEquals(409, retry.status());
        assertEquals("retry_unavailable", retry.code());

        api.discardDeadLetter(skippedId);
        ProjectionRecord r = projections.find(key).orElseThrow();
        assertEquals(List.of(skipped.position(), stopping.position() - 1), r.checkpoints(), "a letter behind its checkpoint moves nothing");
        assertTrue(r.stopped());

        api.discardDeadLetter(stoppingId);
        r = projections.find(key).orElseThrow();
        assertEquals(stopping.position(), r.checkpoints().get(1), "the stopped segment moves past the discarded event");
        assertFalse(r.stopped(), "no segment waits on a letter any more");
        assertEquals(0, parse(api.deadLetters("summaries", 0, 10)).get("letters").size());
        assertTrue(other.position() > stopping.position());

        assertEquals("dead_letter_not_found", assertThrows(AdminApiException.class, () -> api.discardDeadLetter(stoppingId)).code());
        assertEquals("projection_not_found", assertThrows(AdminApiException.class, () -> api.deadLetters("nope", 0, 10)).code());
        assertThrows(InvalidInputException.class, () -> api.deadLetters("summaries", -1, 10));
    }

    @Test
    void aStoppedProjectionStaysStoppedWhileAnotherSegmentStillWaitsOnALetter() {
        ProjectionKey key = new ProjectionKey("summaries", 1);
        projections.register(key, 2);
        RecordedEvent a = append("order-1", "Placed", "{}");
        RecordedEvent b = append("order-2", "Placed", "{}");
        long first = projections.inTransaction(tx -> {
            tx.setStopped(key, true);
            return tx.park(letter(key, 0, a));
        });
        projections.inTransaction(tx -> {
            tx.saveCheckpoint(key, 1, b.position() - 1);
            return tx.park(letter(key, 1, b));
        });
        api().discardDeadLetter(first);
        ProjectionRecord r = projections.find(key).orElseThrow();
        assertEquals(a.position(), r.checkpoints().get(0));
        assertTrue(r.stopped());
    }

    private static DeadLetter letter(ProjectionKey key, int segment, RecordedEvent e) {
        return new DeadLetter(0, key, segment, e.position(), e.id(), e.stream().value(), e.type(), 3, "boom", Instant.now());
    }

    private static List<Long> ids(JsonNode letters) {
        List<Long> out = new ArrayList<>();
        for (JsonNode l : letters) out.add(l.get("id").asLong());
        return out;
    }

    @Test
    void withTheApplicationsEngineDeadLettersAreRetried() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        Set<Long> applied = ConcurrentHashMap.newKeySet(); // a rolled-back batch may apply an event twice
        Projection counting = new Projection() {
            @Override
            public String name() {
                return "counter";
            }

            @Override
            public void apply(RecordedEvent event, ProjectionContext context) {
                if (failing.get() && event.type().equals("Bad")) throw new IllegalStateException("cannot handle " + event.type());
                applied.add(event.position());
            }
        };
        ProjectionEngine engine = ProjectionEngine.builder(events, projections)
                .register(counting, ProjectionOptions.builder().maxAttempts(1).onFailure(OnFailure.STOP).build())
                .pollInterval(Duration.ofMillis(20))
                .build();
        toClose.add(engine);
        engine.start();
        append("order-1", "Good", "{}");
        RecordedEvent bad = append("order-1", "Bad", "{}");
        AdminApi api = new AdminApi(context(List.of(), true), engine, AdminApi.DEFAULT_RELATION_SCAN_LIMIT);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode letters;
        do {
            Thread.sleep(20);
            letters = parse(api.deadLetters("counter", 0, 10)).get("letters");
        } while (letters.isEmpty() && System.nanoTime() < deadline);
        assertEquals(1, letters.size(), "the failing event was parked");
        assertEquals(bad.position(), letters.get(0).get("position").asLong());
        assertTrue(parse(api.deadLetters("counter", 0, 10)).get("retryAvailable").asBoolean());
        assertTrue(parse(api.projections()).get("projections").get(0).get("stopped").asBoolean());

        long id = letters.get(0).get("id").asLong();
        JsonNode again = parse(api.retryDeadLetter(id));
        assertFalse(again.get("applied").asBoolean(), "still failing: parked again");
        long newId = again.get("letter").get("id").asLong();
        assertEquals(letters.get(0).get("attempts").asInt() + 1, again.get("letter").get("attempts").asInt());

        failing.set(false);
        assertTrue(parse(api.retryDeadLetter(newId)).get("applied").asBoolean());
        assertEquals(0, parse(api.deadLetters("counter", 0, 10)).get("letters").size());
        assertTrue(engine.awaitCaughtUp("counter", Duration.ofSeconds(10)));
        assertEquals(Set.of(1L, bad.position()), applied);
        assertFalse(projections.find(new ProjectionKey("counter", 1)).orElseThrow().stopped());
    }

    // ------------------------------------------------------------------ time travel

    @Test
    void theGenericFoldDeepMergesEachEventsDataUpToTheChosenVersion() {
        append("order-1", "Placed", "{\"status\":\"placed\",\"customer\":{\"name\":\"Ann\"},\"lines\":[1],\"total\":10.50}");
        append("order-1", "Addressed", "{\"customer\":{\"city\":\"Graz\"}}");
        append("order-1", "Weird", "[1,2,3]");
        append("order-1", "Paid", "{\"status\":\"paid\",\"lines\":[1,2],\"customer\":{\"name\":null}}");
        AdminApi api = api();

        JsonNode v1 = parse(api.timeTravel("order-1", 1L));
        assertEquals("generic", v1.get("view").asString());
        assertEquals(parse("{\"status\":\"placed\",\"customer\":{\"name\":\"Ann\",\"city\":\"Graz\"},\"lines\":[1],\"total\":10.50}"),
                v1.get("state"));
        assertEquals(0, v1.get("firstVersion").asLong());
        assertEquals(3, v1.get("lastVersion").asLong());
        assertEquals(1, v1.get("version").asLong());
        assertEquals("Addressed", v1.get("event").get("type").asString());
        assertEquals(List.of(0L, 1L), versions(v1.get("events")));
        assertTrue(api.timeTravel("order-1", 0L).contains("10.50"), "numbers stay exact");

        JsonNode last = parse(api.timeTravel("order-1", null));
        assertEquals(3, last.get("version").asLong());
        assertEquals(1, last.get("skipped").asInt(), "data that is not an object is not merged");
        assertEquals(parse("{\"status\":\"paid\",\"customer\":{\"name\":null,\"city\":\"Graz\"},\"lines\":[1,2],\"total\":10.50}"),
                last.get("state"));

        assertThrows(InvalidInputException.class, () -> api.timeTravel("order-1", 4L));
        assertThrows(InvalidInputException.class, () -> api.timeTravel("order-1", -1L));
        assertEquals("stream_not_found", assertThrows(AdminApiException.class, () -> api.timeTravel("order-2", null)).code());
    }

    @Test
    void aRegisteredStateViewFoldsItsCategory() {
        StateView counter = new StateView() {
            @Override
            public String category() {
                return "account";
            }

            @Override
            public String render(List<RecordedEvent> evs) {
                long balance = 0;
                for (RecordedEvent e : evs) balance += JSON.readTree(e.data()).get("amount").asLong();
                return "{\"balance\":" + balance + ",\"events\":" + evs.size() + "}";
            }
        };
        StateView broken = new StateView() {
            @Override
            public String category() {
                return "broken";
            }

            @Override
            public String render(List<RecordedEvent> evs) {
                throw new IllegalStateException("no can do");
            }
        };
        StateView notJson = new StateView() {
            @Override
            public String category() {
                return "text";
            }

            @Override
            public String render(List<RecordedEvent> evs) {
                return "balance: 3";
            }
        };
        for (int amount : new int[]{5, -2, 10}) append("account-9", "Moved", "{\"amount\":" + amount + "}");
        append("broken-1", "X", "{}");
        append("text-1", "X", "{}");
        AdminApi api = new AdminApi(context(List.of(counter, broken, notJson), true));

        JsonNode v1 = parse(api.timeTravel("account-9", 1L));
        assertEquals("registered", v1.get("view").asString());
        assertEquals(parse("{\"balance\":3,\"events\":2}"), v1.get("state"));
        assertEquals(parse("{\"balance\":13,\"events\":3}"), parse(api.timeTravel("account-9", null)).get("state"));
        assertTrue(parse(api.stream("account-9", null, 10, true)).get("stateView").asBoolean());

        JsonNode failed = parse(api.timeTravel("broken-1", null));
        assertTrue(failed.get("state").isNull());
        assertTrue(failed.get("stateError").asString().contains("no can do"));
        assertTrue(parse(api.timeTravel("text-1", null)).get("stateError").asString().contains("did not return one JSON value"));
        assertTrue(parse(api.overview()).get("stateViews").toString().contains("account"));
    }

    @Test
    void timeTravelStartsAtTheFirstVisibleVersion() {
        for (int i = 0; i < 4; i++) append("cart-1", "Step", "{\"step\":" + i + "}");
        events.setStreamMetadata(StreamId.of("cart-1"), StreamMetadata.none().withTruncateBefore(2));
        AdminApi api = api();
        JsonNode r = parse(api.timeTravel("cart-1", 3L));
        assertEquals(2, r.get("firstVersion").asLong());
        assertEquals(parse("{\"step\":3}"), r.get("state"));
        InvalidInputException hidden = assertThrows(InvalidInputException.class, () -> api.timeTravel("cart-1", 1L));
        assertTrue(hidden.getMessage().contains("hidden"), hidden.getMessage());
    }

    @Test
    void theOverviewDescribesTheServer() {
        append("a-1", "X", "{}");
        JsonNode o = parse(api().overview());
        assertEquals(1, o.get("headPosition").asLong());
        assertTrue(o.get("projections").asBoolean());
        assertFalse(o.get("retryAvailable").asBoolean());
        assertEquals(AdminApi.DEFAULT_RELATION_SCAN_LIMIT, o.get("relationScanLimit").asInt());
        assertEquals(events.describe(), o.get("store").asString());
    }
}
