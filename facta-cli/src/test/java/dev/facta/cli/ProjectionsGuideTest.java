package dev.facta.cli;

import dev.facta.jackson.JacksonDocumentCodec;
import dev.facta.projection.LiveProjection;
import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.Index;
import dev.facta.readmodel.Page;
import dev.facta.readmodel.Query;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteInlineProjections;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static dev.facta.readmodel.Predicate.eq;
import static dev.facta.readmodel.Predicate.gte;
import static org.assertj.core.api.Assertions.assertThat;

/** The examples of docs/projections.md, run as written there (on the embedded SQLite store). */
class ProjectionsGuideTest {
    @TempDir
    Path temp;

    record OrderSummary(String id, String status, BigDecimal total, long placedAt) {
        static OrderSummary placed(RecordedEvent e) {
            String json = e.dataAsString();
            BigDecimal total = new BigDecimal(json.replaceAll(".*\"total\":([0-9.]+).*", "$1"));
            return new OrderSummary(e.stream().value(), "pending", total, e.position());
        }

        OrderSummary paid() {
            return new OrderSummary(id, "paid", total, placedAt);
        }
    }

    static final class OrderSummaries implements Projection {
        static final DocumentCodec<OrderSummary> CODEC = JacksonDocumentCodec.of(OrderSummary.class);

        @Override
        public String name() {
            return "order-summaries";
        }

        @Override
        public EventFilter filter() {
            return EventFilter.categories("order");
        }

        @Override
        public Set<String> collections() {
            return Set.of("summaries");
        }

        @Override
        public void apply(RecordedEvent e, ProjectionContext ctx) {
            DocumentCollection<OrderSummary> summaries = ctx.collection("summaries", CODEC);
            switch (e.type()) {
                case "OrderPlaced" -> summaries.put(e.stream().value(), OrderSummary.placed(e));
                case "OrderPaid" -> summaries.update(e.stream().value(), OrderSummary::paid);
                default -> { }
            }
        }
    }

    private static void placeOrders(SqliteEventStore events) {
        for (int i = 1; i <= 30; i++) {
            StreamId order = StreamId.of("order", i);
            events.append(order, ExpectedVersion.noStream(), EventData.of("OrderPlaced", "{\"total\":" + (i * 10) + "}"));
            if (i % 3 == 0) events.append(order, ExpectedVersion.exactly(0), EventData.of("OrderPaid", "{}"));
        }
        events.append(StreamId.of("customer-1"), ExpectedVersion.any(), EventData.of("CustomerRegistered", "{}"));
    }

    @Test
    void an_async_projection_serves_queries_through_its_read_model() {
        try (SqliteEventStore events = SqliteEventStore.open(temp.resolve("shop.db"))) {
            placeOrders(events);
            SqliteProjectionStore store = SqliteProjectionStore.on(events);
            try (ProjectionEngine engine = ProjectionEngine.builder(events, store)
                    .register(new OrderSummaries(), ProjectionOptions.builder()
                            .batchSize(500).maxAttempts(5).backoff(Duration.ofMillis(100), Duration.ofSeconds(10))
                            .onFailure(OnFailure.SKIP).segments(4).build())
                    .build()
                    .start()) {
                assertThat(engine.awaitCaughtUp("order-summaries", Duration.ofSeconds(30))).isTrue();
                store.readModels().createIndex("summaries_v1", Index.text("status"));
                DocumentCollection<OrderSummary> summaries = engine.readModel("order-summaries", "summaries", OrderSummaries.CODEC);

                Query query = Query.where("status", eq("pending")).and("total", gte(100))
                        .orderBy("placedAt", Query.Direction.DESC).limit(5);
                Page<OrderSummary> page = summaries.find(query);
                assertThat(page.items()).extracting(OrderSummary::id).containsExactly("order-29", "order-28", "order-26", "order-25", "order-23");
                int seen = page.items().size();
                while (page.hasMore()) {
                    page = summaries.find(page.next().get());
                    seen += page.items().size();
                }
                assertThat(seen).isEqualTo(14); // orders 10..30, minus the 7 paid ones among them
                assertThat(summaries.count(Query.where("status", eq("paid")))).isEqualTo(10);
            }
        }
    }

    @Test
    void an_inline_projection_is_never_behind_and_a_live_one_is_never_stored() {
        try (SqliteEventStore events = SqliteEventStore.open(temp.resolve("inline.db"));
             SqliteInlineProjections inline = SqliteInlineProjections.attach(events, new OrderSummaries())) {
            placeOrders(events);
            DocumentCollection<OrderSummary> summaries = inline.store().readModels().collection("summaries_v1", OrderSummaries.CODEC);
            assertThat(summaries.get("order-3")).hasValueSatisfying(s -> assertThat(s.status()).isEqualTo("paid"));

            LiveProjection<Long> placed = LiveProjection.of(0L, (n, e) -> n + 1).filter(EventFilter.eventTypes("OrderPlaced"));
            assertThat(placed.run(events)).isEqualTo(30L);
            assertThat(placed.runUntil(events, 10)).isEqualTo(List.of(1, 2, 3, 4, 5, 6, 7, 8).size()); // positions 1..10 hold 8 placements
        }
    }
}
