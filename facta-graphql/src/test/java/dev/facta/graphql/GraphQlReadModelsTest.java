package dev.facta.graphql;

import graphql.schema.idl.SchemaPrinter;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Declaring exposed collections, and the schema built from their records. */
class GraphQlReadModelsTest {

    record Person(String name, int age, long born, double score, BigDecimal balance, boolean active, Instant seen, LocalDate birthday,
                  Orders.Status status, Orders.Address home, List<Orders.Address> others, Set<String> tags, Map<String, Object> extra,
                  Optional<String> nick, int[] lucky, Person mentor) {
    }

    static final class NotARecord {
    }

    static final class Other {
        record Address(String street) {
        }
    }

    record Holder(Orders.Address a, Other.Address b) {
    }

    record Query(String x) {
    }

    @Test
    void names_default_and_can_be_chosen() {
        GraphQlReadModels m = GraphQlReadModels.builder()
                .collection("orders", Orders.OrderSummary.class)
                .collection("audit")
                .collection("people", Person.class, c -> c.single("person").collection("people_v2"))
                .build();
        assertThat(m.collections()).extracting(GraphQlReadModels.Exposed::single).containsExactly("order", "auditById", "person");
        assertThat(m.collections().get(0).singleChanged()).isEqualTo("orderChanged");
        assertThat(m.collections().get(0).listChanged()).isEqualTo("ordersChanged");
        assertThat(m.collections().get(2).collection()).isEqualTo("people_v2");
        assertThat(m.collections().get(1).type()).isNull();
    }

    @Test
    void bad_declarations_are_refused() {
        assertThatThrownBy(() -> GraphQlReadModels.builder().collection("orders", Orders.OrderSummary.class)
                .collection("orders").build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("orders");
        assertThatThrownBy(() -> GraphQlReadModels.builder().collection("things", NotARecord.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a record");
        assertThatThrownBy(() -> GraphQlReadModels.builder().collection("2x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GraphQlReadModels.builder().collection("__x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GraphQlReadModels.builder().collection("Things", c -> c.collection("Bad Name")))
                .isInstanceOf(dev.facta.InvalidInputException.class);
        assertThatThrownBy(() -> new GraphQlExtension(GraphQlReadModels.builder().collection("holders", Holder.class).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Address");
        assertThatThrownBy(() -> new GraphQlExtension(GraphQlReadModels.builder().collection("queries", Query.class).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Query");
        assertThatThrownBy(() -> new GraphQlExtension(GraphQlReadModels.builder().build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_schema_maps_record_components() {
        graphql.schema.GraphQLSchema schema = new GraphQlExtension(GraphQlReadModels.builder()
                .collection("people", Person.class, c -> c.single("person")).build()).schema();
        String sdl = new SchemaPrinter().print(schema);
        var people = schema.getQueryType().getFieldDefinition("people");
        assertThat(people.getArguments()).extracting(graphql.schema.GraphQLArgument::getName).containsExactly("filter", "orderBy", "first", "after");
        assertThat(graphql.schema.GraphQLTypeUtil.simplePrint(people.getType())).isEqualTo("PersonConnection!");
        var changed = schema.getSubscriptionType().getFieldDefinition("peopleChanged");
        assertThat(changed.getArguments()).extracting(graphql.schema.GraphQLArgument::getName).containsExactly("filter", "orderBy", "first");
        assertThat(graphql.schema.GraphQLTypeUtil.simplePrint(changed.getType())).isEqualTo("[Person!]!");
        assertThat(sdl).contains("person(id: ID!): Person", "personChanged(id: ID!): Person");
        assertThat(sdl).contains("name: String", "age: Int", "born: Long", "score: Float", "balance: BigDecimal", "active: Boolean",
                "seen: DateTime", "birthday: Date", "status: Status", "home: Address", "others: [Address]", "tags: [String]",
                "extra: JSON", "nick: String", "lucky: [Int]", "mentor: Person");
        // filters: scalars, enums and nested records, not lists nor JSON
        assertThat(sdl).contains("input PersonFilter", "home: AddressFilter", "mentor: PersonFilter", "status: StatusFilter",
                "seen: DateTimeFilter", "input BigDecimalFilter");
        assertThat(sdl).doesNotContain("others: AddressFilter", "extra: JSONFilter");
        // sort fields through nested records, but not into a record again on its own path
        assertThat(sdl).contains("home_city", "home_country").doesNotContain("mentor_name");
    }
}
