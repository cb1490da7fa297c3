package dev.facta.schema;

import dev.facta.schema.CompatibilityReport.Change;
import dev.facta.schema.CompatibilityReport.Coverage;
import dev.facta.store.RecordedEvent;
import dev.facta.upcasting.Upcaster;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

import static dev.facta.schema.SchemaRegistryTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompatibilityTest {

    static List<Change> compare(String older, String newer) {
        return Compatibility.compare(json(older), json(newer));
    }

    static List<String> breaking(String older, String newer) {
        return compare(older, newer).stream().filter(Change::breaking).map(c -> c.field() + ": " + c.description()).toList();
    }

    static List<String> safe(String older, String newer) {
        return compare(older, newer).stream().filter(c -> !c.breaking()).map(c -> c.field() + ": " + c.description()).toList();
    }

    static final String BASE = """
            {"type": "object", "properties": {
               "id": {"type": "string"},
               "qty": {"type": "integer"},
               "status": {"enum": ["OPEN", "CLOSED"]},
               "note": {"type": ["string", "null"]},
               "items": {"type": "array", "items": {"type": "object",
                  "properties": {"sku": {"type": "string"}, "price": {"type": "number"}}, "required": ["sku"]}}},
             "required": ["id", "qty", "status", "items"]}""";

    @Test
    void identicalSchemasHaveNoChanges() {
        assertThat(compare(BASE, BASE)).isEmpty();
    }

    @Test
    void removingARequiredFieldBreaks() {
        assertThat(breaking(BASE, BASE.replace("\"qty\": {\"type\": \"integer\"},", "").replace("\"qty\", ", "")))
                .containsExactly("/qty: required field removed");
    }

    @Test
    void removingAnOptionalFieldDoesNot() {
        String newer = BASE.replace("\"note\": {\"type\": [\"string\", \"null\"]},", "");
        assertThat(breaking(BASE, newer)).isEmpty();
        assertThat(safe(BASE, newer)).containsExactly("/note: optional field removed");
    }

    @Test
    void changingATypeBreaksNamingTheNestedField() {
        assertThat(breaking(BASE, BASE.replace("\"sku\": {\"type\": \"string\"}", "\"sku\": {\"type\": \"integer\"}")))
                .containsExactly("/items/*/sku: type changed from string to integer");
        assertThat(breaking(BASE, BASE.replace("\"price\": {\"type\": \"number\"}", "\"price\": {\"type\": \"integer\"}")))
                .containsExactly("/items/*/price: type changed from number to integer");
        assertThat(breaking(BASE, BASE.replace("\"qty\": {\"type\": \"integer\"}", "\"qty\": {\"type\": \"number\"}"))).isEmpty();
        assertThat(breaking(BASE, BASE.replace("[\"string\", \"null\"]", "\"string\"")))
                .containsExactly("/note: no longer accepts null");
    }

    @Test
    void newRequiredFieldsBreakUnlessTheyHaveADefault() {
        String added = BASE.replace("\"id\": {\"type\": \"string\"},", "\"id\": {\"type\": \"string\"}, \"currency\": {\"type\": \"string\"},")
                .replace("\"required\": [\"id\",", "\"required\": [\"id\", \"currency\",");
        assertThat(breaking(BASE, added)).containsExactly("/currency: required field added without a default");
        String withDefault = added.replace("\"currency\": {\"type\": \"string\"}", "\"currency\": {\"type\": \"string\", \"default\": \"EUR\"}");
        assertThat(breaking(BASE, withDefault)).isEmpty();
        String optional = BASE.replace("\"id\": {\"type\": \"string\"},", "\"id\": {\"type\": \"string\"}, \"currency\": {\"type\": \"string\"},");
        assertThat(safe(BASE, optional)).containsExactly("/currency: optional field added");
        assertThat(breaking(BASE, optional)).isEmpty();
    }

    @Test
    void aRenameIsARemovalAndAnAddition() {
        String renamed = BASE.replace("\"id\": {", "\"orderId\": {").replace("\"required\": [\"id\",", "\"required\": [\"orderId\",");
        assertThat(breaking(BASE, renamed)).containsExactlyInAnyOrder("/id: required field removed",
                "/orderId: required field added without a default");
    }

    @Test
    void enumValuesRemovedBreakAndAddedDoNot() {
        assertThat(breaking(BASE, BASE.replace("[\"OPEN\", \"CLOSED\"]", "[\"OPEN\"]")))
                .containsExactly("/status: enum value \"CLOSED\" removed");
        assertThat(safe(BASE, BASE.replace("[\"OPEN\", \"CLOSED\"]", "[\"OPEN\", \"CLOSED\", \"HELD\"]")))
                .containsExactly("/status: enum value \"HELD\" added");
    }

    @Test
    void requirednessBoundsFormatsAndClosingAreChecked() {
        assertThat(breaking(BASE, BASE.replace("\"required\": [\"sku\"]", "\"required\": [\"sku\", \"price\"]")))
                .containsExactly("/items/*/price: optional field became required");
        assertThat(breaking(BASE, BASE.replace("\"qty\": {\"type\": \"integer\"}", "\"qty\": {\"type\": \"integer\", \"minimum\": 1}")))
                .containsExactly("/qty: 'minimum' 1 added");
        assertThat(breaking(BASE, BASE.replace("\"id\": {\"type\": \"string\"}", "\"id\": {\"type\": \"string\", \"format\": \"uuid\"}")))
                .containsExactly("/id: 'format' \"uuid\" added");
        assertThat(breaking(BASE, BASE.replace("\"required\": [\"id\", \"qty\", \"status\", \"items\"]}",
                "\"required\": [\"id\", \"qty\", \"status\", \"items\"], \"additionalProperties\": false}")))
                .containsExactly(": no longer accepts properties that are not listed");
    }

    record Price(BigDecimal amount, String currency) {
    }

    record ItemAddedV1(String sku, int qty) {
    }

    record ItemAddedV2(String sku, long qty, Optional<String> note) {
    }

    record ItemAddedV3(String sku, long qty, Price price) {
    }

    /** ItemAdded version 3, under the simple name the serializer gives it. */
    record ItemAdded(String sku, long qty, Price price) {
    }

    /** Covers ItemAdded 2 to 3. */
    public static final class ItemAddedV2ToV3 implements Upcaster {
        @Override
        public String eventType() {
            return "ItemAdded";
        }

        @Override
        public int fromRevision() {
            return 2;
        }

        @Override
        public List<RecordedEvent> upcast(RecordedEvent event) {
            return List.of(event);
        }
    }

    @Test
    void derivedSchemasAreComparedThroughTheirReferences() {
        SchemaRegistry r = SchemaRegistry.create()
                .register("ItemAdded", ItemAddedV1.class, 1)
                .register("ItemAdded", ItemAddedV2.class, 2)
                .register("ItemAdded", ItemAddedV3.class, 3);
        CompatibilityReport report = r.check("ItemAdded");
        assertThat(report.steps()).hasSize(2);
        CompatibilityReport.Step first = report.steps().get(0);
        assertThat(first.breaking()).isEmpty(); // int to long widens the bounds, an optional field is added
        assertThat(first.changes()).extracting(Change::field).contains("/note");
        CompatibilityReport.Step second = report.steps().get(1);
        assertThat(second.breaking()).extracting(Change::field).containsExactly("/price");
        assertThat(second.coverage()).isEqualTo(Coverage.NONE);
        assertThat(report.ok()).isFalse();

        assertThatThrownBy(() -> SchemaRegistry.create().register(ItemAddedV3.class, 2, new ItemAddedV2ToV3()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("revision 2");
        assertThat(SchemaRegistry.create().register("ItemAdded", ItemAddedV2.class, 2)
                .register(ItemAdded.class, 3, new ItemAddedV2ToV3()).check("ItemAdded").ok()).isTrue();

        r.upcaster(new ItemAddedV2ToV3());
        CompatibilityReport covered = r.check("ItemAdded");
        assertThat(covered.steps().get(1).coverage()).isEqualTo(Coverage.REGISTERED);
        assertThat(covered.ok()).isTrue();
    }

    @Test
    void declaredUpcastersAreVerifiedWithAClassLoader() {
        String v2 = BASE.replace("\"qty\": {\"type\": \"integer\"},", "").replace("\"qty\", ", "");
        String declared = "{\"x-facta-upcaster\": \"" + ItemAddedV2ToV3.class.getName() + "\", " + v2.substring(1);
        ClassLoader loader = getClass().getClassLoader();

        SchemaRegistry none = SchemaRegistry.create().register("ItemAdded", 2, json(BASE)).register("ItemAdded", 3, json(v2));
        assertThat(none.check("ItemAdded").ok()).isFalse();

        SchemaRegistry r = SchemaRegistry.create().register("ItemAdded", 2, json(BASE)).register("ItemAdded", 3, json(declared));
        CompatibilityReport.Step unverified = r.check("ItemAdded").steps().getFirst();
        assertThat(unverified.coverage()).isEqualTo(Coverage.DECLARED_UNVERIFIED);
        assertThat(unverified.ok()).isTrue();
        CompatibilityReport.Step verified = Compatibility.check(r, "ItemAdded", loader).steps().getFirst();
        assertThat(verified.coverage()).isEqualTo(Coverage.VERIFIED);

        SchemaRegistry wrongRevision = SchemaRegistry.create().register("ItemAdded", 1, json(BASE)).register("ItemAdded", 2, json(declared));
        CompatibilityReport.Step mismatch = Compatibility.check(wrongRevision, "ItemAdded", loader).steps().getFirst();
        assertThat(mismatch.coverage()).isEqualTo(Coverage.INVALID);
        assertThat(mismatch.note()).contains("revision 2").contains("revision 1");

        SchemaRegistry missing = SchemaRegistry.create().register("ItemAdded", 2, json(BASE))
                .register("ItemAdded", 3, json(declared.replace(ItemAddedV2ToV3.class.getName(), "com.example.Nope")));
        CompatibilityReport.Step absent = Compatibility.check(missing, "ItemAdded", loader).steps().getFirst();
        assertThat(absent.coverage()).isEqualTo(Coverage.INVALID);
        assertThat(absent.ok()).isFalse();

        SchemaRegistry notUpcaster = SchemaRegistry.create().register("ItemAdded", 2, json(BASE))
                .register("ItemAdded", 3, json(declared.replace(ItemAddedV2ToV3.class.getName(), String.class.getName())));
        assertThat(Compatibility.check(notUpcaster, "ItemAdded", loader).steps().getFirst().note())
                .contains("does not implement");
    }

    record Node(String name, List<Node> children) {
    }

    record Tree(Node root) {
    }

    record NodeV2(String name, List<NodeV2> children, Optional<String> label) {
    }

    record TreeV2(NodeV2 root) {
    }

    record Employee(String name, Optional<Employee> manager, Optional<Team> team) {
    }

    record Team(String name, Optional<Employee> lead) {
    }

    record Hired(Employee employee) {
    }

    record EmployeeV2(String name, Optional<EmployeeV2> manager, Optional<TeamV2> team) {
    }

    record TeamV2(String name, Optional<EmployeeV2> lead, int size) {
    }

    record HiredV2(EmployeeV2 employee) {
    }

    @Test
    void recursionThroughNullableReferencesTerminates() {
        SchemaRegistry r = SchemaRegistry.create().register("Hired", Hired.class, 1).register("Hired", HiredV2.class, 2);
        CompatibilityReport report = r.check("Hired");
        assertThat(report.steps().getFirst().breaking()).extracting(Change::field)
                .containsExactly("/employee/team/size");
    }

    @Test
    void recursiveSchemasTerminate() {
        SchemaRegistry r = SchemaRegistry.create().register("Tree", Tree.class, 1).register("Tree", TreeV2.class, 2);
        CompatibilityReport report = r.check("Tree");
        assertThat(report.ok()).isTrue();
        assertThat(report.steps().getFirst().changes()).extracting(Change::field).containsExactly("/root/label");
    }
}
