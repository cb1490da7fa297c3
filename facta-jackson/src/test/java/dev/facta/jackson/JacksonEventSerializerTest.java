package dev.facta.jackson;

import dev.facta.InvalidInputException;
import dev.facta.jackson.OrderEvents.OrderCancelled;
import dev.facta.jackson.OrderEvents.OrderEvent;
import dev.facta.jackson.OrderEvents.OrderPlaced;
import dev.facta.jackson.OrderEvents.OrderShipped;
import dev.facta.jackson.OrderEvents.PaymentEvent;
import dev.facta.jackson.OrderEvents.PaymentReceived;
import dev.facta.serialization.SerializedEvent;
import dev.facta.serialization.UnknownEventTypeException;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JacksonEventSerializerTest {

    private final JacksonEventSerializer serializer =
            new JacksonEventSerializer(EventTypeRegistry.builder().registerSealed(OrderEvent.class).build());

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRecordIsWrittenUnderItsRegisteredTypeAndReadBackEqual() {
        OrderPlaced placed = OrderEvents.samplePlaced();

        SerializedEvent s = serializer.serialize(placed);

        assertThat(s.type()).isEqualTo("OrderPlaced");
        assertThat(serializer.deserialize(s.type(), s.data())).isEqualTo(placed);
    }

    @Test
    void timesAreWrittenAsIsoStringsAndKeepTheirPrecision() {
        OrderShipped shipped = new OrderShipped(UUID.randomUUID(), Instant.parse("2024-05-06T07:08:09.123456789Z"),
                Duration.ofHours(36));

        SerializedEvent s = serializer.serialize(shipped);

        assertThat(s.dataAsString()).contains("\"shippedAt\":\"2024-05-06T07:08:09.123456789Z\"")
                .contains("\"transitTime\":\"PT36H\"");
        assertThat(serializer.deserialize(s.type(), s.data(), OrderShipped.class)).isEqualTo(shipped);
    }

    @Test
    void numbersKeepTheirExactDecimalValue() {
        PaymentReceived paid = new PaymentReceived(UUID.randomUUID(), new BigDecimal("1234567890.123456789"), 3L);

        SerializedEvent s = serializer.serialize(paid);

        assertThat(s.dataAsString()).contains("\"amount\":1234567890.123456789");
        assertThat(serializer.deserialize(s.type(), s.data())).isEqualTo(paid);
    }

    @Test
    void aRecordWithoutComponentsIsWrittenAsAnEmptyObject() {
        SerializedEvent s = serializer.serialize(new OrderCancelled());

        assertThat(s.dataAsString()).isEqualTo("{}");
        assertThat(serializer.deserialize("OrderCancelled", s.data())).isEqualTo(new OrderCancelled());
    }

    @Test
    void readingWithTheSealedParentAsExpectedTypeGivesTheConcreteRecord() {
        SerializedEvent s = serializer.serialize(new PaymentReceived(UUID.randomUUID(), BigDecimal.TEN, null));

        OrderEvent event = serializer.deserialize(s.type(), s.data(), OrderEvent.class);

        assertThat(event).isInstanceOf(PaymentReceived.class);
        String described = switch (event) {
            case PaymentEvent p -> "payment";
            case OrderPlaced p -> "placed";
            case OrderShipped p -> "shipped";
            case OrderCancelled c -> "cancelled";
        };
        assertThat(described).isEqualTo("payment");
    }

    @Test
    void readingAsAnUnrelatedExpectedTypeIsRefused() {
        SerializedEvent s = serializer.serialize(new OrderCancelled());

        assertThatThrownBy(() -> serializer.deserialize(s.type(), s.data(), PaymentEvent.class))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'OrderCancelled'")
                .hasMessageContaining(PaymentEvent.class.getName());
    }

    @Test
    void anUnregisteredClassFailsNamingTheClassAndHowToRegisterIt() {
        record Unregistered(String x) {
        }

        assertThatThrownBy(() -> serializer.serialize(new Unregistered("a")))
                .isInstanceOfSatisfying(UnknownEventTypeException.class,
                        e -> assertThat(e.type()).isEqualTo(Unregistered.class.getName()))
                .hasMessageContaining("register(\"Unregistered\", Unregistered.class)");
    }

    @Test
    void anUnknownTypeNameFailsNamingItAndListingTheKnownOnes() {
        assertThatThrownBy(() -> serializer.deserialize("OrderRefunded", utf8("{}")))
                .isInstanceOfSatisfying(UnknownEventTypeException.class,
                        e -> assertThat(e.type()).isEqualTo("OrderRefunded"))
                .hasMessageContaining("unknown event type 'OrderRefunded'")
                .hasMessageContaining("OrderPlaced, OrderShipped, PaymentReceived, PaymentRefunded")
                .hasMessageContaining("register(\"OrderRefunded\", YourEvent.class)");
    }

    @Test
    void propertiesTheClassDoesNotKnowAreIgnoredSoNewerWritersDoNotBreakOlderReaders() {
        UUID id = UUID.randomUUID();
        String json = "{\"orderId\":\"" + id + "\",\"amount\":5,\"attempt\":1,\"currency\":\"EUR\",\"extra\":{\"a\":[1]}}";

        assertThat(serializer.deserialize("PaymentReceived", utf8(json)))
                .isEqualTo(new PaymentReceived(id, new BigDecimal("5"), 1L));
    }

    @Test
    void aMissingReferenceFieldReadsAsNullSoOlderEventsStillLoad() {
        UUID id = UUID.randomUUID();

        assertThat(serializer.deserialize("PaymentReceived", utf8("{\"orderId\":\"" + id + "\",\"amount\":5}")))
                .isEqualTo(new PaymentReceived(id, new BigDecimal("5"), null));
    }

    @Test
    void malformedJsonFailsWithABadInputErrorOnTheData() {
        assertThatThrownBy(() -> serializer.deserialize("OrderShipped", utf8("{\"orderId\": ")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("data"))
                .hasMessageContaining("'OrderShipped' is not valid JSON");
    }

    @Test
    void aValueOfTheWrongKindFailsNamingItsPathInTheData() {
        String json = "{\"lines\":[{\"sku\":\"a\",\"quantity\":1},{\"sku\":\"b\",\"quantity\":\"many\"}]}";

        assertThatThrownBy(() -> serializer.deserialize("OrderPlaced", utf8(json)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("data.lines[1].quantity"))
                .hasMessageContaining("data.lines[1].quantity")
                .hasMessageContaining("\"many\"");
    }

    @Test
    void aMissingPrimitiveFailsInsteadOfBecomingZero() {
        String json = "{\"lines\":[{\"sku\":\"a\"}]}";

        assertThatThrownBy(() -> serializer.deserialize("OrderPlaced", utf8(json)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("data.lines[0].quantity"));
    }

    @Test
    void aFractionIsNeverTruncatedIntoAnIntegerField() {
        String json = "{\"lines\":[{\"sku\":\"a\",\"quantity\":1.5}]}";

        assertThatThrownBy(() -> serializer.deserialize("OrderPlaced", utf8(json)))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.field()).isEqualTo("data.lines[0].quantity"));
    }

    @Test
    void dataThatIsNotAnObjectOrHasTrailingTextIsRefused() {
        assertThatThrownBy(() -> serializer.deserialize("OrderCancelled", utf8("null")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("JSON null");
        assertThatThrownBy(() -> serializer.deserialize("OrderCancelled", utf8("[]")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> serializer.deserialize("OrderCancelled", utf8("{} {}")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> serializer.deserialize("OrderCancelled", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("missing");
    }

    @Test
    void aMapperWithPolymorphicDefaultTypingIsRefused() {
        JsonMapper unsafe = JsonMapper.builder()
                .activateDefaultTyping(BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
                        DefaultTyping.NON_FINAL)
                .build();
        EventTypeRegistry registry = EventTypeRegistry.builder().registerSealed(OrderEvent.class).build();

        assertThatThrownBy(() -> new JacksonEventSerializer(registry, unsafe))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default typing");
    }

    @Test
    void eventsRoundTripThroughAStoreAndItsRecordedEvents() {
        try (InMemoryEventStore store = new InMemoryEventStore()) {
            StreamId stream = StreamId.of("order", "1");
            List<OrderEvent> history = List.of(OrderEvents.samplePlaced(),
                    new PaymentReceived(UUID.randomUUID(), new BigDecimal("25.99"), 1L), new OrderCancelled());

            store.append(stream, ExpectedVersion.noStream(),
                    history.stream().map(e -> serializer.toEventData(e, Metadata.empty().withTenant("t1"))).toList());

            List<RecordedEvent> recorded = store.readStream(stream);
            assertThat(recorded).extracting(RecordedEvent::type)
                    .containsExactly("OrderPlaced", "PaymentReceived", "OrderCancelled");
            assertThat(recorded.stream().map(serializer::deserialize).toList()).isEqualTo(history);
        }
    }
}
