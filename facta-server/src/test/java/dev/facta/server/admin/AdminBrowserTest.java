package dev.facta.server.admin;

import dev.facta.projection.DeadLetter;
import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionStore;
import dev.facta.server.FactaServer;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.RecordedEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin UI end to end: a real server on the embedded SQLite store, driven in headless Chromium
 * through Selenium and ChromeDriver. Skipped (with the reason printed) when Chromium or ChromeDriver is
 * not installed; the API tests run regardless.
 */
class AdminBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static Path profile;
    private static ChromeDriverService service;
    private static WebDriver driver;

    @TempDir
    Path temp;

    private SqliteEventStore store;
    private FactaServer server;
    private AdminHttp http;

    @BeforeAll
    static void startBrowser() throws IOException {
        String missing = !Files.isExecutable(CHROMIUM) ? CHROMIUM + " is not installed"
                : !Files.isExecutable(CHROMEDRIVER) ? CHROMEDRIVER + " is not installed" : null;
        if (missing != null) System.out.println("AdminBrowserTest skipped: " + missing + " (apt-get install chromium chromium-driver)");
        assumeTrue(missing == null, missing);
        driver = newDriver(1400, 900);
    }

    /** Headless Chromium at the given window size, never letting Selenium Manager download anything. */
    static WebDriver newDriver(int width, int height) throws IOException {
        profile = Files.createTempDirectory("facta-chromium");
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "--lang=en-US");
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        return new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (driver != null) driver.quit();
        if (service != null) service.stop();
        deleteTree(profile);
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) return;
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @BeforeEach
    void startServer() {
        store = SqliteEventStore.builder(temp.resolve("facta.db")).open();
        server = FactaServer.builder(store).build().start();
        http = new AdminHttp(server.url(), null);
    }

    @AfterEach
    void stopServer() {
        if (driver != null) driver.get("about:blank"); // closes the page's subscriptions before the server goes
        if (server != null) server.close();
        if (store != null) store.close();
    }

    private void open(String hash) {
        driver.get(server.adminUrl() + hash);
    }

    private <T> T until(Function<WebDriver, T> condition) {
        return until(driver, condition);
    }

    /** Waits for the condition; on a timeout the error shows the page's text and the browser's console. */
    static <T> T until(WebDriver driver, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, WAIT).ignoring(StaleElementReferenceException.class).until(condition::apply);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out at " + driver.getCurrentUrl() + "\n--- page text:\n"
                    + driver.findElement(By.tagName("body")).getText() + "\n--- browser console:\n" + console(driver), e);
        }
    }

    private static String console(WebDriver driver) {
        StringBuilder b = new StringBuilder();
        try {
            for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) b.append(entry.getLevel()).append(' ').append(entry.getMessage()).append('\n');
        } catch (RuntimeException e) {
            b.append("(no console log: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }

    private WebElement visible(String css) {
        return until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    private void waitForText(String css, String text) {
        until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return !found.isEmpty() && found.getFirst().getText().contains(text) ? true : null;
        });
    }

    // ------------------------------------------------------------------ scenarios

    @Test
    void thePageLoadsAndStreamsAreBrowsedAndSearched() {
        http.append("order-1", "[{\"type\":\"OrderPlaced\",\"data\":{\"total\":39.90}},{\"type\":\"OrderPaid\",\"data\":{\"paid\":true}}]");
        http.append("order-2", "[{\"type\":\"OrderPlaced\",\"data\":{\"total\":5}}]");
        http.append("customer-7", "[{\"type\":\"Registered\",\"data\":{\"name\":\"<img src=x onerror=alert(1)>\"}}]");
        open("");
        assertEquals("Facta admin", driver.getTitle());
        waitForText("#streams-rows", "order-2");
        assertEquals(3, driver.findElements(By.cssSelector("#streams-rows tr")).size());
        waitForText("#store-info", "Head position");
        assertTrue(driver.findElements(By.id("sign-out")).isEmpty(), "no sign-out without a token");

        WebElement search = visible("#stream-search");
        search.sendKeys("order-", Keys.ENTER);
        until(d -> d.findElements(By.cssSelector("#streams-rows tr")).size() == 2 ? true : null);
        assertFalse(driver.findElement(By.id("streams-rows")).getText().contains("customer-7"));

        driver.findElement(By.linkText("order-1")).click();
        waitForText("#stream-events", "OrderPaid");
        List<WebElement> rows = driver.findElements(By.cssSelector("#stream-events tbody tr"));
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).getText().contains("OrderPaid"), "newest first");
        driver.findElement(By.id("stream-direction")).click();
        waitForText("#stream-events tbody tr", "OrderPlaced"); // the first row: oldest first now

        // markup in event data is shown as text, never interpreted
        open("#/stream?name=customer-7");
        waitForText("#stream-events", "<img src=x onerror=alert(1)>");
        assertTrue(driver.findElements(By.cssSelector("#stream-events img")).isEmpty());
    }

    @Test
    void anEventAppendedThroughTheApiAppearsInTheLiveLogWhichPauses() {
        http.append("warmup-1", "[{\"type\":\"Before\",\"data\":{}}]");
        open("#/live");
        waitForText("#live-state", "live");
        waitForText("#live-rows", "Before");

        long position = http.append("order-42", "[{\"type\":\"OrderPlaced\",\"data\":{\"customer\":\"ann\"}}]");
        until(d -> d.findElements(By.cssSelector("#live-rows tr[data-position='" + position + "']")).isEmpty() ? null : true);
        WebElement top = driver.findElements(By.cssSelector("#live-rows tr")).getFirst();
        assertEquals(String.valueOf(position), top.getDomAttribute("data-position"), "newest at the top");
        assertTrue(top.getText().contains("order-42") && top.getText().contains("OrderPlaced"));

        driver.findElement(By.id("live-pause")).click();
        waitForText("#live-state", "paused");
        long whilePaused = http.append("order-43", "[{\"type\":\"OrderPlaced\",\"data\":{}}]");
        sleep(700);
        assertTrue(driver.findElements(By.cssSelector("#live-rows tr[data-position='" + whilePaused + "']")).isEmpty(),
                "a paused log shows nothing new");
        driver.findElement(By.id("live-pause")).click();
        until(d -> d.findElements(By.cssSelector("#live-rows tr[data-position='" + whilePaused + "']")).isEmpty() ? null : true);
        waitForText("#live-state", "live");

        // follow the row to the event
        driver.findElement(By.cssSelector("#live-rows tr[data-position='" + position + "'] a")).click();
        waitForText("#event-facts", "order-42");
        waitForText("#event-data", "\"customer\": \"ann\"");
    }

    @Test
    void anEventShowsItsDataAndFollowsCausationAndCorrelationLinks() {
        long first = http.append("order-9", "[{\"type\":\"OrderPlaced\",\"data\":{\"total\":12345678901234567890.10},"
                + "\"metadata\":{\"correlationId\":\"conv-77\",\"causationId\":\"cmd-1\"}}]");
        RecordedEvent placed = store.readAll(first, 1).events().getFirst();
        long second = http.append("stock-1", "[{\"type\":\"StockReserved\",\"data\":{\"sku\":\"A-1\"},"
                + "\"metadata\":{\"correlationId\":\"conv-77\",\"causationId\":\"" + placed.id() + "\"}}]");

        open("#/event?position=" + second);
        waitForText("#event-facts", "stock-1");
        waitForText("#event-data", "\"sku\": \"A-1\"");
        assertTrue(driver.findElement(By.id("caused-by")).getText().contains("OrderPlaced"));
        assertTrue(driver.findElement(By.id("correlated")).getText().contains("order-9"));

        // the causation id links to the event that caused this one
        driver.findElement(By.cssSelector("#event-metadata td.causationId a")).click();
        waitForText("#event-id", placed.id().toString());
        waitForText("#event-data", "12345678901234567890.10"); // exactly as stored, beyond a double's precision
        assertTrue(driver.findElement(By.id("caused")).getText().contains("StockReserved"));
        assertTrue(driver.findElement(By.id("caused-by")).getText().contains("command's id"));

        // the correlation id links to every event of the conversation
        driver.findElement(By.cssSelector("#event-metadata td.correlationId a")).click();
        waitForText("#correlation-events", "StockReserved");
        assertEquals(2, driver.findElements(By.cssSelector("#correlation-events tbody tr")).size());

        // an event id typed into the stream search opens the event
        open("#/streams?prefix=" + placed.id());
        driver.findElement(By.linkText("open the event with this id")).click();
        waitForText("#event-id", placed.id().toString());
    }

    @Test
    void theProjectionButtonsPauseResumeAndRebuildThroughTheStore() {
        ProjectionStore projections = server.context().projections().orElseThrow();
        ProjectionKey key = new ProjectionKey("order-summaries", 1);
        projections.register(key, 2);
        http.append("order-1", "[{\"type\":\"OrderPlaced\",\"data\":{}}]");

        open("#/projections");
        WebElement row = visible("#proj-order-summaries-v1");
        assertTrue(row.getText().contains("active"), row.getText());
        assertTrue(row.getText().contains("1 events"), "lag: " + row.getText());

        driver.findElement(By.id("pause-order-summaries-v1")).click();
        until(d -> projections.find(key).orElseThrow().paused() ? true : null);
        waitForText("#proj-order-summaries-v1 td.state", "paused");
        visible("#resume-order-summaries-v1").click();
        until(d -> projections.find(key).orElseThrow().paused() ? null : true);
        visible("#pause-order-summaries-v1");

        // paused from elsewhere (the CLI, another admin): the auto-refresh shows it
        projections.setPaused("order-summaries", true);
        waitForText("#proj-order-summaries-v1 td.state", "paused");

        WebElement rebuild = driver.findElement(By.id("rebuild-order-summaries-v1"));
        rebuild.click();
        assertEquals("Confirm rebuild", rebuild.getText());
        assertFalse(projections.find(key).orElseThrow().rebuildRequested(), "one click only arms the button");
        rebuild.click();
        until(d -> projections.find(key).orElseThrow().rebuildRequested() ? true : null);
        waitForText("#proj-order-summaries-v1 td.state", "rebuild requested");
    }

    @Test
    void deadLettersAreListedAndDiscarded() {
        ProjectionStore projections = server.context().projections().orElseThrow();
        ProjectionKey key = new ProjectionKey("order-summaries", 1);
        projections.register(key, 1);
        long position = http.append("order-1", "[{\"type\":\"OrderPlaced\",\"data\":{}}]");
        RecordedEvent e = store.readAll(position, 1).events().getFirst();
        long id = projections.inTransaction(tx -> {
            tx.setStopped(key, true);
            return tx.park(new DeadLetter(0, key, 0, position, e.id(), "order-1", "OrderPlaced", 5,
                    "java.lang.IllegalStateException: no customer", Instant.now()));
        });

        open("#/projections");
        waitForText("#proj-order-summaries-v1 td.state", "stopped");
        driver.findElement(By.cssSelector("#proj-order-summaries-v1 a[href*='dead-letters']")).click();
        waitForText("#dl-rows", "no customer");
        WebElement retry = driver.findElement(By.id("retry-" + id));
        assertFalse(retry.isEnabled(), "retry needs the application's engine");
        WebElement discard = driver.findElement(By.id("discard-" + id));
        discard.click();
        discard.click();
        until(d -> projections.deadLetter(id).isEmpty() ? true : null);
        waitForText("#dl-message", "Discarded dead letter " + id);
        assertFalse(projections.find(key).orElseThrow().stopped(), "the stopped projection moved past the event");
        assertEquals(List.of(position), projections.find(key).orElseThrow().checkpoints());
    }

    @Test
    void theTimeTravelSliderChangesTheStateShown() {
        http.append("account-1", "[{\"type\":\"Opened\",\"data\":{\"owner\":\"ann\",\"balance\":0}},"
                + "{\"type\":\"Deposited\",\"data\":{\"balance\":100}},"
                + "{\"type\":\"Withdrawn\",\"data\":{\"balance\":60,\"lastWithdrawal\":40}}]");
        open("#/time-travel");
        visible("#tt-stream").sendKeys("account-1", Keys.ENTER);
        waitForText("#tt-version", "version 2 of 0–2");
        waitForText("#tt-state", "\"balance\": 60");
        assertTrue(driver.findElement(By.id("tt-state")).getText().contains("\"owner\": \"ann\""));

        WebElement slider = driver.findElement(By.id("tt-slider"));
        slider.sendKeys(Keys.HOME);
        waitForText("#tt-version", "version 0 of 0–2");
        waitForText("#tt-state", "\"balance\": 0");
        assertFalse(driver.findElement(By.id("tt-state")).getText().contains("lastWithdrawal"));
        waitForText("#tt-event-panel", "Opened");

        slider.sendKeys(Keys.ARROW_RIGHT);
        waitForText("#tt-state", "\"balance\": 100");
        assertTrue(driver.getCurrentUrl().endsWith("version=1"), driver.getCurrentUrl());
        driver.findElement(By.id("tt-next")).click();
        waitForText("#tt-state", "\"lastWithdrawal\": 40");
    }

    @Test
    void withATokenTheLoginFormAppearsAndLoggingInWorks() {
        server.close();
        store.close();
        store = SqliteEventStore.builder(temp.resolve("auth.db")).open();
        server = FactaServer.builder(store).authToken("s3cret-token").build().start();
        new AdminHttp(server.url(), "s3cret-token").append("order-1", "[{\"type\":\"OrderPlaced\",\"data\":{}}]");
        driver.manage().deleteAllCookies();

        open("#/streams");
        WebElement token = visible("#login-token");
        assertTrue(driver.findElements(By.cssSelector("#streams-rows tr")).isEmpty(), "nothing is shown before login");
        token.sendKeys("wrong", Keys.ENTER);
        waitForText("#login-error", "not right");
        token.clear();
        token.sendKeys("s3cret-token", Keys.ENTER);
        waitForText("#streams-rows", "order-1");
        assertTrue(driver.findElements(By.id("login")).isEmpty(), "the form is gone");

        // the session cookie also lets the live log's EventSource in
        open("#/live");
        waitForText("#live-state", "live");
        waitForText("#live-rows", "OrderPlaced");

        // signing out ends the session: the form is back
        visible("#sign-out").click();
        visible("#login-token");
        assertEquals(401, new AdminHttp(server.url(), null).get("/admin/api/overview").status());
        driver.manage().deleteAllCookies();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
