package dev.facta.jackson;

import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCollection;
import dev.facta.readmodel.InMemoryReadModelStore;
import dev.facta.readmodel.Query;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.facta.readmodel.Predicate.eq;
import static dev.facta.readmodel.Predicate.gt;
import static dev.facta.readmodel.Predicate.gte;
import static dev.facta.readmodel.Predicate.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JacksonDocumentCodecTest {
    record Customer(String name, Address address) {
    }

    record Address(String city, String country) {
    }

    record Line(String sku, int quantity, BigDecimal price) {
    }

    record OrderView(String id, Customer customer, List<Line> lines, BigDecimal total, Instant placedAt, boolean paid) {
    }

    record Failing(String value) {
        @Override
        public String value() {
            throw new IllegalStateException("cannot be read");
        }
    }

    private final JacksonDocumentCodec<OrderView> codec = JacksonDocumentCodec.of(OrderView.class);

    private static OrderView order(String id, String city, String total, String placedAt, boolean paid) {
        return new OrderView(id, new Customer("c-" + id, new Address(city, "NO")),
                List.of(new Line("A-1", 2, new BigDecimal("9.90")), new Line("B-7", 1, new BigDecimal("0.001"))),
                new BigDecimal(total), Instant.parse(placedAt), paid);
    }

    @Test
    void a_record_with_nested_records_lists_decimals_and_instants_round_trips() {
        OrderView o = order("o-1", "Oslo", "12345678901234567890.55", "2026-11-23T06:00:00.123456Z", true);
        String json = codec.encode(o);
        assertThat(json).startsWith("{")
                .contains("\"placedAt\":\"2026-11-23T06:00:00.123456000Z\"")
                .contains("\"total\":12345678901234567890.55")
                .contains("\"customer\":{\"name\":\"c-o-1\",\"address\":{\"city\":\"Oslo\",\"country\":\"NO\"}}");
        assertThat(codec.decode(json)).isEqualTo(o);
        // documents written by other tools, with any ISO form of the instant, read too
        assertThat(codec.decode(json.replace("06:00:00.123456000Z", "06:00:00.123456Z")).placedAt())
                .isEqualTo(o.placedAt());
    }

    @Test
    void documents_are_queried_by_their_fields_on_the_in_memory_store() {
        InMemoryReadModelStore store = new InMemoryReadModelStore();
        DocumentCollection<OrderView> orders = store.collection("orders", codec);
        orders.put("o-1", order("o-1", "Oslo", "10.50", "2026-11-23T06:00:00Z", false));
        orders.put("o-2", order("o-2", "Lima", "99", "2026-11-23T06:00:00.5Z", true));
        orders.put("o-3", order("o-3", "Oslo", "12345678901234567890.5", "2026-11-23T05:59:59.999999999Z", false));

        assertThat(orders.get("o-2")).contains(order("o-2", "Lima", "99", "2026-11-23T06:00:00.5Z", true));
        assertThat(ids(orders, Query.where("customer.address.city", eq("Oslo")))).containsExactly("o-1", "o-3");
        assertThat(ids(orders, Query.where("total", gt(new BigDecimal("10.5"))))).containsExactly("o-2", "o-3");
        assertThat(ids(orders, Query.where("paid", eq(true)))).containsExactly("o-2");
        assertThat(ids(orders, Query.where("customer.name", startsWith("c-o-")).orderBy("placedAt")))
                .containsExactly("o-3", "o-1", "o-2");
        assertThat(ids(orders, Query.where("placedAt",
                gte(JacksonDocumentCodec.instantText(Instant.parse("2026-11-23T06:00:00.1Z")))))).containsExactly("o-2");
        assertThat(ids(orders, Query.all().orderBy("total", Query.Direction.DESC))).containsExactly("o-3", "o-2", "o-1");
    }

    @Test
    void values_that_do_not_encode_to_an_object_are_refused() {
        assertThatThrownBy(() -> JacksonDocumentCodec.of(String.class).encode("text"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("JSON object");
        @SuppressWarnings({"unchecked", "rawtypes"})
        JacksonDocumentCodec<List<Integer>> lists = (JacksonDocumentCodec) JacksonDocumentCodec.of(List.class);
        assertThatThrownBy(() -> lists.encode(List.of(1, 2))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> JacksonDocumentCodec.of(Failing.class).encode(new Failing("x")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("Failing");

        InMemoryReadModelStore store = new InMemoryReadModelStore();
        assertThatThrownBy(() -> store.collection("texts", JacksonDocumentCodec.of(String.class)).put("t", "x"))
                .isInstanceOf(InvalidInputException.class);
        assertThat(store.collections()).isEmpty();
    }

    @Test
    void a_document_that_no_longer_reads_fails_clearly() {
        assertThatThrownBy(() -> codec.decode("{\"lines\":7}")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("OrderView");
        assertThat(codec.decode("{\"id\":\"o-9\",\"paid\":false,\"unknown\":1}").id()).isEqualTo("o-9");
    }

    @Test
    void a_mapper_of_your_own_is_used() {
        JsonMapper mapper = JacksonDocumentCodec.defaultMapperBuilder()
                .propertyNamingStrategy(tools.jackson.databind.PropertyNamingStrategies.SNAKE_CASE).build();
        JacksonDocumentCodec<Line> lines = JacksonDocumentCodec.of(Line.class, mapper);
        assertThat(lines.mapper()).isSameAs(mapper);
        String json = lines.encode(new Line("A", 1, BigDecimal.TEN));
        assertThat(json).contains("\"sku\":\"A\"");
        assertThat(lines.decode(json)).isEqualTo(new Line("A", 1, BigDecimal.TEN));
        Map<?, ?> map = JacksonDocumentCodec.of(Map.class).decode(json);
        assertThat(map.get("quantity")).isEqualTo(1);
    }

    private static List<String> ids(DocumentCollection<OrderView> orders, Query q) {
        return orders.find(q).items().stream().map(OrderView::id).toList();
    }
}
