package dev.facta.server.admin;

import dev.facta.projection.OnFailure;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionOptions;
import dev.facta.projection.ProjectionStore;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.server.FactaServer;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventFilter;
import dev.facta.store.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Takes the screenshots of docs/admin-ui.md: a small order domain with traffic, running projections
 * (one stopped by a dead letter, one paused) and the main views in headless Chromium. Runs only when
 * asked: {@code ./mvnw -o verify -pl facta-server -Dtest=AdminScreenshots -Dfacta.admin.screenshots=../docs/images}.
 */
class AdminScreenshots {
    @TempDir
    Path temp;

    @Test
    void takeScreenshots() throws Exception {
        String target = System.getProperty("facta.admin.screenshots");
        assumeTrue(target != null && !target.isBlank(), "set -Dfacta.admin.screenshots=DIR to take the admin UI's screenshots");
        assumeTrue(Files.isExecutable(AdminBrowserTest.CHROMIUM) && Files.isExecutable(AdminBrowserTest.CHROMEDRIVER),
                "Chromium and ChromeDriver are needed");
        Path dir = Path.of(target);
        Files.createDirectories(dir);

        try (SqliteEventStore store = SqliteEventStore.builder(temp.resolve("facta.db")).open();
             FactaServer server = FactaServer.builder(store).build().start()) {
            AdminHttp http = new AdminHttp(server.url(), null);
            String lastPaymentCorrelation = seed(http);
            ProjectionStore projections = server.context().projections().orElseThrow();
            try (ProjectionEngine engine = ProjectionEngine.builder(store, projections)
                    .register(new Summaries(), ProjectionOptions.builder().segments(4).build())
                    .register(new Invoices(), ProjectionOptions.builder().maxAttempts(2).backoff(Duration.ofMillis(5), Duration.ofMillis(10))
                            .onFailure(OnFailure.STOP).build())
                    .pollInterval(Duration.ofMillis(100))
                    .instanceId("orders-app-1")
                    .build().start()) {
                engine.awaitCaughtUp("order-summaries", Duration.ofSeconds(20));
                projections.register(new ProjectionKey("customer-stats", 1), 1);
                projections.setPaused("customer-stats", true);
                projections.register(new ProjectionKey("order-summaries", 2), 4);
                waitUntil(() -> projections.find(new ProjectionKey("invoices", 1)).orElseThrow().stopped());

                WebDriver driver = AdminBrowserTest.newDriver(1440, 1000);
                try {
                    String base = server.adminUrl();
                    driver.get(base + "#/streams");
                    waitFor(driver, "#streams-rows tr");
                    shot(driver, dir.resolve("admin-streams.png"));

                    RecordedEvent paid = findByCorrelation(store, lastPaymentCorrelation, "PaymentCaptured");
                    driver.get(base + "#/event?position=" + paid.position());
                    waitFor(driver, "#correlated");
                    shot(driver, dir.resolve("admin-event.png"));

                    driver.get(base + "#/live");
                    waitFor(driver, "#live-rows tr");
                    for (int i = 0; i < 6; i++) {
                        order(http, 200 + i, "c-" + (i % 3));
                        Thread.sleep(150);
                    }
                    Thread.sleep(500);
                    shot(driver, dir.resolve("admin-live.png"));

                    driver.get(base + "#/projections");
                    waitFor(driver, "#proj-rows tr");
                    driver.findElement(By.cssSelector("#segments-order-summaries-v1 summary")).click();
                    Thread.sleep(300);
                    shot(driver, dir.resolve("admin-projections.png"));

                    driver.get(base + "#/dead-letters?name=invoices");
                    waitFor(driver, "#dl-rows tr");
                    shot(driver, dir.resolve("admin-dead-letters.png"));

                    driver.get(base + "#/time-travel?stream=order-1002&version=2");
                    waitFor(driver, "#tt-state");
                    driver.findElement(By.id("tt-slider")).sendKeys(Keys.END);
                    Thread.sleep(200);
                    driver.findElement(By.id("tt-slider")).sendKeys(Keys.ARROW_LEFT);
                    Thread.sleep(600);
                    shot(driver, dir.resolve("admin-time-travel.png"));
                } finally {
                    driver.quit();
                }
            }
        }
    }

    /** Customers place, pay and ship orders; every order's events share a correlation id. */
    private static String seed(AdminHttp http) {
        String last = null;
        String[] customers = {"c-ann", "c-bob", "c-eve", "c-kim"};
        for (int i = 0; i < 4; i++) {
            http.append("customer-" + customers[i], "[{\"type\":\"CustomerRegistered\",\"data\":{\"name\":\"" + customers[i].substring(2)
                    + "\",\"country\":\"" + (i % 2 == 0 ? "AT" : "DE") + "\"}}]");
        }
        for (int n = 1000; n < 1012; n++) {
            String correlation = order(http, n, customers[n % 4]);
            if (n == 1010) last = correlation; // placed, paid and shipped
        }
        http.append("invoice-1007", "[{\"type\":\"InvoiceRequested\",\"data\":{\"order\":\"order-1007\",\"vatId\":null}}]");
        return last;
    }

    private static String order(AdminHttp http, int n, String customer) {
        String correlation = UUID.randomUUID().toString();
        String cmd = UUID.randomUUID().toString();
        long placed = http.append("order-" + n, "[{\"type\":\"OrderPlaced\",\"data\":{\"customer\":\"" + customer + "\",\"lines\":[{\"sku\":\"TEA-"
                + (n % 5) + "\",\"qty\":" + (1 + n % 3) + ",\"price\":4.90}],\"total\":" + String.format("%.2f", 4.90 * (1 + n % 3))
                + ",\"status\":\"placed\"},\"metadata\":{\"correlationId\":\"" + correlation + "\",\"causationId\":\"" + cmd + "\"}}]");
        String placedId = http.get("/admin/api/event?position=" + placed).json().get("event").get("id").asString();
        if (n % 4 != 3) {
            long paid = http.append("payment-" + n, "[{\"type\":\"PaymentCaptured\",\"data\":{\"order\":\"order-" + n + "\",\"amount\":"
                    + String.format("%.2f", 4.90 * (1 + n % 3)) + ",\"method\":\"card\"},\"metadata\":{\"correlationId\":\"" + correlation
                    + "\",\"causationId\":\"" + placedId + "\"}}]");
            String paidId = http.get("/admin/api/event?position=" + paid).json().get("event").get("id").asString();
            http.append("order-" + n, "[{\"type\":\"OrderPaid\",\"data\":{\"status\":\"paid\",\"paidAt\":\"2026-11-23T09:1" + (n % 10)
                    + ":00Z\"},\"metadata\":{\"correlationId\":\"" + correlation + "\",\"causationId\":\"" + paidId + "\"}}]");
            if (n % 2 == 0) {
                http.append("order-" + n, "[{\"type\":\"OrderShipped\",\"data\":{\"status\":\"shipped\",\"shipment\":{\"carrier\":\"DHL\","
                        + "\"tracking\":\"JD0146" + n + "\"}},\"metadata\":{\"correlationId\":\"" + correlation + "\",\"causationId\":\"" + paidId + "\"}}]");
            }
        }
        return correlation;
    }

    private static RecordedEvent findByCorrelation(SqliteEventStore store, String correlation, String type) {
        for (RecordedEvent e : store.readAll(1, 10_000).events()) {
            if (correlation.equals(e.metadata().correlationId()) && e.type().equals(type)) return e;
        }
        throw new AssertionError("no " + type + " in " + correlation);
    }

    private static void waitFor(WebDriver driver, String css) {
        AdminBrowserTest.until(driver, d -> d.findElements(By.cssSelector(css)).isEmpty() ? null : true);
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(50);
        }
    }

    private static void shot(WebDriver driver, Path file) throws Exception {
        Thread.sleep(250);
        Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        System.out.println("wrote " + file.toAbsolutePath());
    }

    /** Counts orders per status, in four segments. */
    static final class Summaries implements Projection {
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
            return Set.of("orders");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            var orders = context.collection("orders", DocumentCodec.json());
            orders.put(event.stream().value(), "{\"last\":\"" + event.type() + "\"}");
        }
    }

    /** Fails on invoices without a VAT id: the dead letter of the screenshots. */
    static final class Invoices implements Projection {
        @Override
        public String name() {
            return "invoices";
        }

        @Override
        public EventFilter filter() {
            return EventFilter.categories("invoice");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            if (event.dataAsString().contains("\"vatId\":null")) {
                throw new IllegalStateException("invoice for " + event.stream() + " has no VAT id");
            }
        }
    }

}
