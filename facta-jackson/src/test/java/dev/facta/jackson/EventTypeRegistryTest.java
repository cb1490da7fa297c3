package dev.facta.jackson;

import dev.facta.jackson.OrderEvents.OrderCancelled;
import dev.facta.jackson.OrderEvents.OrderEvent;
import dev.facta.jackson.OrderEvents.OrderPlaced;
import dev.facta.jackson.OrderEvents.OrderShipped;
import dev.facta.jackson.OrderEvents.PaymentEvent;
import dev.facta.jackson.OrderEvents.PaymentReceived;
import dev.facta.jackson.OrderEvents.PaymentRefunded;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventTypeRegistryTest {

    sealed interface Open permits Closed, Ajar {
    }

    record Closed() implements Open {
    }

    static non-sealed class Ajar implements Open {
    }

    abstract static class Shape {
    }

    @Test
    void registerSealedRegistersEveryRecordOfTheHierarchyUnderItsSimpleName() {
        EventTypeRegistry registry = EventTypeRegistry.builder().registerSealed(OrderEvent.class).build();

        assertThat(registry.names()).containsExactlyInAnyOrder(
                "OrderPlaced", "OrderShipped", "OrderCancelled", "PaymentReceived", "PaymentRefunded");
        assertThat(registry.classOf("PaymentRefunded")).contains(PaymentRefunded.class);
        assertThat(registry.nameOf(OrderPlaced.class)).contains("OrderPlaced");
        assertThat(registry.classOf("PaymentEvent")).isEmpty();
    }

    @Test
    void registerSealedUsesTheNamingFunctionWhenGiven() {
        EventTypeRegistry registry = EventTypeRegistry.builder()
                .registerSealed(OrderEvent.class, c -> "orders." + c.getSimpleName())
                .build();

        assertThat(registry.classOf("orders.OrderShipped")).contains(OrderShipped.class);
        assertThat(registry.nameOf(PaymentReceived.class)).contains("orders.PaymentReceived");
    }

    @Test
    void explicitRegistrationsAndSealedOnesCombine() {
        EventTypeRegistry registry = EventTypeRegistry.builder()
                .register("order-placed.v1", OrderPlaced.class)
                .registerSealed(PaymentEvent.class)
                .build();

        assertThat(registry.asMap()).containsOnlyKeys("order-placed.v1", "PaymentReceived", "PaymentRefunded");
    }

    @Test
    void aNameAlreadyTakenByAnotherClassIsRefused() {
        var builder = EventTypeRegistry.builder().register("OrderPlaced", OrderPlaced.class);

        assertThatThrownBy(() -> builder.register("OrderPlaced", OrderShipped.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'OrderPlaced' is already registered for " + OrderPlaced.class.getName());
    }

    @Test
    void aClassAlreadyRegisteredUnderAnotherNameIsRefused() {
        var builder = EventTypeRegistry.builder().register("placed", OrderPlaced.class);

        assertThatThrownBy(() -> builder.registerSealed(OrderEvent.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already registered as 'placed'");
    }

    @Test
    void registeringTheSameNameAndClassTwiceIsHarmless() {
        EventTypeRegistry registry = EventTypeRegistry.builder()
                .registerSealed(OrderEvent.class)
                .registerSealed(PaymentEvent.class)
                .register("OrderCancelled", OrderCancelled.class)
                .build();

        assertThat(registry.names()).hasSize(5);
    }

    @Test
    void aRootThatIsNotSealedIsRefused() {
        assertThatThrownBy(() -> EventTypeRegistry.builder().registerSealed(Shape.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not sealed");
    }

    @Test
    void aNonSealedMemberOfTheHierarchyIsRefusedBecauseItsSubclassesCannotBeFound() {
        assertThatThrownBy(() -> EventTypeRegistry.builder().registerSealed(Open.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Ajar.class.getName())
                .hasMessageContaining("non-sealed");
    }

    @Test
    void interfacesAndAbstractClassesCannotBeRegisteredDirectly() {
        assertThatThrownBy(() -> EventTypeRegistry.builder().register("OrderEvent", OrderEvent.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventTypeRegistry.builder().register("Shape", Shape.class))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesTheStoresWouldRefuseAreRefusedAtRegistration() {
        assertThatThrownBy(() -> EventTypeRegistry.builder().register("order placed", OrderPlaced.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whitespace");
        assertThatThrownBy(() -> EventTypeRegistry.builder().register("", OrderPlaced.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventTypeRegistry.builder().register(null, OrderPlaced.class))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBuiltRegistryDoesNotChangeWhenItsBuilderGoesOn() {
        var builder = EventTypeRegistry.builder().register("OrderPlaced", OrderPlaced.class);
        EventTypeRegistry first = builder.build();
        builder.register("OrderShipped", OrderShipped.class);

        assertThat(first.names()).containsExactly("OrderPlaced");
        assertThatThrownBy(() -> first.asMap().put("x", Object.class)).isInstanceOf(UnsupportedOperationException.class);
    }
}
