package dev.facta.examples.oms.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @TempDir
    Path dir;

    @Test
    void happyPath() {
        try (OmsApplication app = OmsApplication.start(OmsConfig.of("sqlite:" + dir.resolve("oms.db")))) {
            app.restock("A1", 10, RequestContext.of("r1"));
            OrderView v = app.placeOrder(new PlaceOrderRequest(null, "c1", "EUR",
                    List.of(new PlaceOrderRequest.Line("A1", 2, new BigDecimal("9.90"))), new PaymentDetails("card", "tok_visa")),
                    RequestContext.of("k1"));
            assertThat(v.status()).isEqualTo(OrderView.Status.CREATED);
            OrderView done = app.awaitTerminal(v.orderId(), Duration.ofSeconds(20));
            System.out.println(done);
            app.timeline(v.orderId()).forEach(System.out::println);
            System.out.println(app.stock("A1"));
            assertThat(done.status()).isEqualTo(OrderView.Status.CONFIRMED);
        }
    }
}
