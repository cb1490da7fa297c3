package dev.facta.test.saga;

import dev.facta.internal.Json;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.saga.CommandCodec;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.Retry;
import dev.facta.saga.Saga;
import dev.facta.saga.SagaStatus;
import dev.facta.serialization.EventSerializer;
import dev.facta.serialization.SerializedEvent;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.facta.test.saga.SagaFixture.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SagaFixtureTest {

    // ------------------------------------------------------------------ a small process manager

    record Order(String id, String status, long amount) {
    }

    record RequestPayment(String orderId, long amount) {
    }

    record Ship(String orderId) {
    }

    record Cancel(String orderId) {
    }

    /** Order as "id|status|amount" inside a JSON string: enough for a test without a JSON mapper. */
    static final DocumentCodec<Order> ORDER = new DocumentCodec<>() {
        @Override
        public String encode(Order o) {
            return "{\"v\":\"" + o.id() + "|" + o.status() + "|" + o.amount() + "\"}";
        }

        @Override
        public Order decode(String json) {
            String[] p = ((String) ((Map<?, ?>) Json.parseStrict(json, 4, "o")).get("v")).split("\\|");
            return new Order(p[0], p[1], Long.parseLong(p[2]));
        }
    };

    static String field(RecordedEvent e, String name) {
        Object v = ((Map<?, ?>) Json.parseStrict(e.dataAsString(), 4, "data")).get(name);
        return v instanceof BigDecimal d ? d.toPlainString() : (String) v;
    }

    static final Duration TIMEOUT = Duration.ofMinutes(30);

    static final ProcessManager<Order> ORDERS = ProcessManager.builder("orders", ORDER)
            .startedBy("OrderPlaced", e -> field(e, "orderId"), (e, ctx) -> {
                ctx.send(new RequestPayment(field(e, "orderId"), Long.parseLong(field(e, "amount"))));
                ctx.schedule("payment-timeout", TIMEOUT);
                return new Order(field(e, "orderId"), "awaiting", Long.parseLong(field(e, "amount")));
            })
            .on("PaymentReceived", e -> field(e, "orderId"), (o, e, ctx) -> {
                if (!o.status().equals("awaiting")) return o;
                if (Long.parseLong(field(e, "amount")) < o.amount()) throw new IllegalArgumentException("short payment");
                ctx.cancel("payment-timeout");
                ctx.send(new Ship(o.id()));
                return new Order(o.id(), "paid", o.amount());
            })
            .onDeadline("payment-timeout", (o, d, ctx) -> {
                ctx.send(new Cancel(o.id()));
                ctx.end();
                return new Order(o.id(), "cancelled", o.amount());
            })
            .build();

    static SagaFixture.StreamEvent placed(String id, long amount) {
        return event("order-" + id, "OrderPlaced", "{\"orderId\":\"" + id + "\",\"amount\":" + amount + "}");
    }

    static SagaFixture.StreamEvent paid(String id, long amount) {
        return event("payment-" + id, "PaymentReceived", "{\"orderId\":\"" + id + "\",\"amount\":" + amount + "}");
    }

    @Test
    void givenEventsWhenAnEventThenCommandsStateAndDeadlines() {
        SagaFixture.of(ORDERS)
                .givenNothing()
                .when(placed("1", 100))
                .thenCommands(new RequestPayment("1", 100))
                .thenState(new Order("1", "awaiting", 100))
                .thenStatus(SagaStatus.ACTIVE)
                .thenDeadline("payment-timeout", TIMEOUT);

        SagaFixture.of(ORDERS)
                .given(placed("1", 100))
                .when(paid("1", 100))
                .thenCommands(new Ship("1"))
                .thenState(o -> assertThat(o.status()).isEqualTo("paid"))
                .thenNoDeadline("payment-timeout");
    }

    @Test
    void timePassingFiresDueDeadlines() {
        SagaFixture.Given<Order> placedOrder = SagaFixture.of(ORDERS).given(placed("1", 100));
        placedOrder.whenTimePasses(TIMEOUT.minusSeconds(1)).thenNoCommands().thenStatus(SagaStatus.ACTIVE);
        placedOrder.whenTimePasses(TIMEOUT).thenCommands(new Cancel("1")).thenStatus(SagaStatus.ENDED);
        // a deadline for an ended instance changes nothing; a cancelled one never fires
        placedOrder.andTimePasses(TIMEOUT).when(paid("1", 100)).thenNoCommands().thenState(new Order("1", "cancelled", 100));
        placedOrder.and(paid("1", 100)).whenTimePasses(Duration.ofDays(1)).thenNoCommands().thenStatus(SagaStatus.ACTIVE);
    }

    @Test
    void redeliveredEventsChangeNothing() {
        SagaFixture.of(ORDERS).given(placed("1", 100), paid("1", 100)).whenRedelivered()
                .thenNoCommands().thenState(new Order("1", "paid", 100));
    }

    @Test
    void eventsForNoInstanceAreIgnoredAndFailingTransitionsReportTheirError() {
        SagaFixture.of(ORDERS).givenNothing().when(paid("9", 1)).thenIgnored();
        SagaFixture.of(ORDERS).given(placed("1", 100)).when(paid("1", 5)).thenError(IllegalArgumentException.class);
    }

    @Test
    void issuedCommandsCarryKeysAndMetadata() {
        SagaFixture.of(ORDERS).givenNothing()
                .when(event("order-1", "OrderPlaced", "{\"orderId\":\"1\",\"amount\":3}",
                        Metadata.empty().withCorrelationId("c-1").with("traceparent", "00-abc-def-01")))
                .thenIssued(issued -> {
                    assertThat(issued).hasSize(1);
                    assertThat(issued.getFirst().idempotencyKey()).startsWith("orders:1:").endsWith(":0");
                    assertThat(issued.getFirst().metadata().correlationId()).isEqualTo("c-1");
                    assertThat(issued.getFirst().metadata().values()).containsEntry("traceparent", "00-abc-def-01");
                });
    }

    @Test
    void mismatchesFailWithReadableMessages() {
        SagaFixture.Then<Order> then = SagaFixture.of(ORDERS).given(placed("1", 100)).when(paid("1", 100));
        assertThatThrownBy(() -> then.thenCommands(new Cancel("1")))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("to issue these commands:\n  #0 Cancel[orderId=1]")
                .hasMessageContaining("but it issued:\n  #0 Ship[orderId=1]");
        assertThatThrownBy(() -> then.thenState(new Order("1", "awaiting", 100)))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("status=paid");
        assertThatThrownBy(() -> then.thenDeadline("payment-timeout", TIMEOUT))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("(none)");
        assertThatThrownBy(() -> then.thenStatus(SagaStatus.ENDED)).isInstanceOf(AssertionFailedError.class);
        assertThatThrownBy(() -> then.thenIgnored()).isInstanceOf(AssertionFailedError.class);
        assertThatThrownBy(() -> then.thenError(RuntimeException.class)).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("succeeded");
        SagaFixture.Then<Order> failed = SagaFixture.of(ORDERS).given(placed("1", 100)).when(paid("1", 1));
        assertThatThrownBy(() -> failed.thenNoCommands()).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("failed with IllegalArgumentException: short payment");
        assertThatThrownBy(() -> SagaFixture.of(ORDERS).given(paid("1", 1), "not an event").when(paid("1", 1)))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("Cannot set up the test: given event #1");
    }

    /** Records as "Type:field=value,..." text: a codec the fixture round-trips commands through. */
    static final CommandCodec TEXT_CODEC = new CommandCodec() {
        @Override
        public Encoded encode(Object command) {
            return switch (command) {
                case RequestPayment r -> new Encoded("RequestPayment", "{\"o\":\"" + r.orderId() + "\",\"a\":" + r.amount() + "}");
                case Ship s -> new Encoded("Ship", "{\"o\":\"" + s.orderId() + "\"}");
                case Cancel c -> new Encoded("Cancel", "{\"o\":\"" + c.orderId() + "\"}");
                default -> throw new IllegalArgumentException("unknown command " + command);
            };
        }

        @Override
        public Object decode(String type, String json) {
            Map<?, ?> m = (Map<?, ?>) Json.parseStrict(json, 4, "c");
            return switch (type) {
                case "RequestPayment" -> new RequestPayment((String) m.get("o"), ((BigDecimal) m.get("a")).longValueExact());
                case "Ship" -> new Ship((String) m.get("o"));
                case "Cancel" -> new Cancel((String) m.get("o"));
                default -> throw new IllegalArgumentException(type);
            };
        }
    };

    @Test
    void commandsCanRoundTripThroughTheApplicationsCodec() {
        SagaFixture.of(ORDERS).withCommandCodec(TEXT_CODEC).given(placed("1", 100)).when(paid("1", 100))
                .thenCommands(new Ship("1"))
                .thenIssued(issued -> assertThat(issued.getFirst().json()).isEqualTo("{\"o\":\"1\"}"));
    }

    record Placed(String orderId) {
    }

    /** Encodes {@link Placed} as {"orderId": ...}. */
    static final EventSerializer SERIALIZER = new EventSerializer() {
        @Override
        public SerializedEvent serialize(Object event) {
            return new SerializedEvent("Placed", ("{\"orderId\":\"" + ((Placed) event).orderId() + "\"}").getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Object deserialize(String type, byte[] data) {
            return new Placed((String) ((Map<?, ?>) Json.parseStrict(new String(data, StandardCharsets.UTF_8), 4, "d")).get("orderId"));
        }

        @Override
        public <T> T deserialize(String type, byte[] data, Class<T> expected) {
            return expected.cast(deserialize(type, data));
        }
    };

    @Test
    void eventObjectsAreEncodedWithTheProcessManagersSerializer() {
        ProcessManager<Order> typed = ProcessManager.builder("typed", ORDER).decodeWith(SERIALIZER)
                .startedBy("Placed", Placed.class, Placed::orderId, (p, ctx) -> {
                    ctx.send(new Ship(p.orderId()));
                    return new Order(p.orderId(), "new", 0);
                })
                .build();
        SagaFixture.of(typed).givenNothing().when(new Placed("7")).thenCommands(new Ship("7")).thenState(new Order("7", "new", 0));
        SagaFixture.of(typed).given(new Placed("7")).when(new Placed("7")).thenNoCommands();
        assertThatThrownBy(() -> SagaFixture.of(ORDERS).givenNothing().when(new Placed("1")))
                .hasMessageContaining("no serializer");
    }

    // ------------------------------------------------------------------ a small saga

    record Trip(String id, List<String> booked) {
        Trip plus(String s) {
            List<String> l = new ArrayList<>(booked);
            l.add(s);
            return new Trip(id, List.copyOf(l));
        }
    }

    record BookFlight(String trip) {
    }

    record CancelFlight(String trip) {
    }

    record BookHotel(String trip) {
    }

    record CancelHotel(String trip) {
    }

    record Notify(String trip) {
    }

    static final DocumentCodec<Trip> TRIP = new DocumentCodec<>() {
        @Override
        public String encode(Trip t) {
            return "{\"v\":\"" + t.id() + "|" + String.join(",", t.booked()) + "\"}";
        }

        @Override
        public Trip decode(String json) {
            String[] p = ((String) ((Map<?, ?>) Json.parseStrict(json, 4, "t")).get("v")).split("\\|", -1);
            return new Trip(p[0], p[1].isEmpty() ? List.of() : List.of(p[1].split(",")));
        }
    };

    static final Saga<Trip> TRIPS = Saga.builder("trips", TRIP)
            .startedBy("TripRequested", e -> field(e, "trip"), e -> new Trip(field(e, "trip"), List.of()))
            .step("flight", (t, ctx) -> t.plus(ctx.<String>dispatch(new BookFlight(t.id()))),
                    (t, ctx) -> {
                        ctx.dispatch(new CancelFlight(t.id()));
                        return t.plus("flight-cancelled");
                    })
            .step("hotel", (t, ctx) -> t.plus(ctx.<String>dispatch(new BookHotel(t.id()))),
                    (t, ctx) -> {
                        ctx.dispatch(new CancelHotel(t.id()));
                        return t.plus("hotel-cancelled");
                    })
            .step("notify", (t, ctx) -> {
                ctx.dispatch(new Notify(t.id()));
                return t;
            })
            .retry(Retry.of(3, Duration.ofSeconds(5), Duration.ofMinutes(1)))
            .compensationRetry(Retry.of(2, Duration.ofSeconds(5), Duration.ofMinutes(1)))
            .build();

    @Test
    void aSagaRunsToCompletionWithTheAnswersGiven() {
        SagaFixture.of(TRIPS)
                .answering(BookFlight.class, c -> "LH-123")
                .answering(BookHotel.class, c -> "hotel-9")
                .start("t1", new Trip("t1", List.of()))
                .thenStatus(SagaStatus.COMPLETED)
                .thenData(new Trip("t1", List.of("LH-123", "hotel-9")))
                .thenDispatched(new BookFlight("t1"), new BookHotel("t1"), new Notify("t1"));
        SagaFixture.of(TRIPS).answering(BookFlight.class, c -> "f").answering(BookHotel.class, c -> "h")
                .startedBy(event("trip-t2", "TripRequested", "{\"trip\":\"t2\"}"))
                .thenStatus(SagaStatus.COMPLETED).thenData(t -> assertThat(t.booked()).containsExactly("f", "h"));
    }

    @Test
    void aStepThatKeepsFailingCompensatesTheCompletedOnesAfterItsRetries() {
        SagaFixture.of(TRIPS)
                .answering(BookFlight.class, c -> "LH-123")
                .failing(BookHotel.class, 3)
                .start("t1", new Trip("t1", List.of()))
                .thenStatus(SagaStatus.COMPENSATED)
                .thenDispatched(new BookFlight("t1"), new CancelFlight("t1"))
                .thenAttempts(a -> assertThat(a).containsExactly(new BookFlight("t1"), new BookHotel("t1"),
                        new BookHotel("t1"), new BookHotel("t1"), new CancelFlight("t1")))
                .thenInstance(i -> {
                    assertThat(i.lastError()).contains("step hotel");
                    assertThat(i.endedAt()).isEqualTo(java.time.Instant.parse("2026-01-01T00:00:15Z")); // 5 s + 10 s of backoff
                });
        // two failures are within the bound: the third attempt books the hotel
        SagaFixture.of(TRIPS).answering(BookFlight.class, c -> "f").answering(BookHotel.class, c -> "h").failing(BookHotel.class, 2)
                .start("t1", new Trip("t1", List.of())).thenStatus(SagaStatus.COMPLETED);
    }

    @Test
    void aCompensationThatKeepsFailingWaitsForTheOperator() {
        SagaFixture.SagaThen<Trip> stuck = SagaFixture.of(TRIPS)
                .answering(BookFlight.class, c -> "f")
                .failing(BookHotel.class, 10)
                .failing(CancelFlight.class, 10)
                .start("t1", new Trip("t1", List.of()))
                .thenStatus(SagaStatus.COMPENSATION_FAILED)
                .thenInstance(i -> assertThat(i.stepName()).isEqualTo("flight"));
        assertThatThrownBy(() -> stuck.thenStatus(SagaStatus.COMPENSATED)).isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("COMPENSATION_FAILED").hasMessageContaining("compensation of flight");
        stuck.andFailing(CancelFlight.class, 0).whenOperatorRetries()
                .thenStatus(SagaStatus.COMPENSATED)
                .thenDispatched(new BookFlight("t1"), new CancelFlight("t1"))
                .thenData(t -> assertThat(t.booked()).containsExactly("f", "flight-cancelled"));
    }
}
