package dev.facta.command;

import dev.facta.InvalidInputException;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BeanValidationTest {
    record AddItem(@NotBlank String sku, @Positive int quantity) {
    }

    @Test
    void constraint_annotations_are_checked_when_jakarta_validation_is_on_the_class_path() {
        ValidationMiddleware validation = new ValidationMiddleware();
        assertThat(validation.checksAnnotations()).isTrue();
        AtomicInteger handled = new AtomicInteger();
        CommandBus bus = CommandBus.builder().use(validation).register(AddItem.class, c -> handled.incrementAndGet()).build();

        assertThatThrownBy(() -> bus.dispatch(new AddItem(" ", 0)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.field()).isEqualTo("quantity");
                    assertThat(e.getMessage()).contains("AddItem is invalid").contains("quantity").contains("sku");
                });
        assertThat(handled.get()).isZero();
        bus.dispatch(new AddItem("A-1", 2));
        assertThat(handled.get()).isEqualTo(1);
    }
}
