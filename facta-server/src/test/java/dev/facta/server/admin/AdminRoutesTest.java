package dev.facta.server.admin;

import dev.facta.projection.ProjectionKey;
import dev.facta.projection.ProjectionStore;
import dev.facta.server.FactaServer;
import dev.facta.sqlite.SqliteEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin UI's routes over a real socket, on the embedded SQLite store: pages, assets, JSON, CSRF, errors, auth. */
class AdminRoutesTest {
    @TempDir
    Path temp;

    private SqliteEventStore store;
    private FactaServer server;

    private AdminHttp start(String token) {
        store = SqliteEventStore.builder(temp.resolve("facta.db")).open();
        server = FactaServer.builder(store).authToken(token).build().start();
        return new AdminHttp(server.url(), token);
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (store != null) store.close();
    }

    @Test
    void thePageAndItsAssetsComeFromTheJarWithAStrictContentSecurityPolicy() {
        AdminHttp http = start(null);
        AdminHttp.Reply page = http.get("/admin");
        assertEquals(200, page.status());
        assertTrue(page.header("Content-Type").startsWith("text/html"));
        assertTrue(page.body().contains("/admin/assets/app.js"));
        String csp = page.header("Content-Security-Policy");
        assertNotNull(csp);
        assertTrue(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
        assertEquals("nosniff", page.header("X-Content-Type-Options"));
        assertEquals(200, http.get("/admin/").status());

        for (String asset : new String[]{"app.js", "api.js", "dom.js", "views.js", "live.js", "projections.js"}) {
            AdminHttp.Reply js = http.get("/admin/assets/" + asset);
            assertEquals(200, js.status(), asset);
            assertTrue(js.header("Content-Type").startsWith("text/javascript"), asset);
            assertFalse(js.body().contains("innerHTML"), asset + " never parses data as HTML");
            assertFalse(js.body().contains("insertAdjacentHTML"), asset);
            assertFalse(js.body().contains("http://") || js.body().contains("https://"), asset + " loads nothing from elsewhere");
        }
        assertTrue(http.get("/admin/assets/admin.css").header("Content-Type").startsWith("text/css"));
        AdminHttp.Reply missing = http.get("/admin/assets/secret.txt");
        assertEquals(404, missing.status());
        assertEquals("not_found", missing.json().get("error").asString());
    }

    @Test
    void jsonAnswersAndErrorsUseTheErrorShape() {
        AdminHttp http = start(null);
        long position = http.append("order-1", "[{\"type\":\"Placed\",\"data\":{\"total\":39.90}}]");
        JsonNode event = http.get("/admin/api/event?position=" + position).json();
        assertEquals("Placed", event.get("event").get("type").asString());
        AdminHttp.Reply raw = http.get("/admin/api/event?stream=order-1&version=0");
        assertTrue(raw.body().contains("39.90"), raw.body());
        assertEquals("no-store", raw.header("Cache-Control"));

        assertEquals(1, http.get("/admin/api/streams?prefix=order").json().get("streams").size());
        assertEquals(1, http.get("/admin/api/stream?name=order-1&direction=forward").json().get("events").size());
        assertEquals(0, http.get("/admin/api/time-travel?stream=order-1").json().get("version").asLong());

        assertError(http.get("/admin/api/streams?limit=abc"), 400, "bad_request");
        assertError(http.get("/admin/api/streams?limit=99999999999999999999"), 400, "bad_request");
        assertError(http.get("/admin/api/stream"), 400, "bad_request");
        assertError(http.get("/admin/api/event?position=-1"), 400, "bad_request");
        assertError(http.get("/admin/api/event?id=nope"), 400, "bad_request");
        assertError(http.get("/admin/api/event?stream=order-1"), 400, "bad_request");
        assertError(http.get("/admin/api/event?position=99"), 404, "event_not_found");
        assertError(http.get("/admin/api/stream?name=nope-1"), 404, "stream_not_found");
        assertError(http.get("/admin/api/projections/nope/dead-letters"), 404, "projection_not_found");
    }

    @Test
    void stateChangingRequestsNeedTheAdminHeader() {
        AdminHttp http = start(null);
        ProjectionStore projections = server.context().projections().orElseThrow();
        ProjectionKey key = new ProjectionKey("summaries", 1);
        projections.register(key, 1);

        assertError(http.post("/admin/api/projections/summaries/pause", "{}"), 403, "forbidden");
        assertError(http.post("/admin/api/projections/summaries/pause", "{}", AdminUi.CSRF_HEADER, "yes"), 403, "forbidden");
        assertFalse(projections.find(key).orElseThrow().paused(), "a refused request changed nothing");

        AdminHttp.Reply ok = http.post("/admin/api/projections/summaries/pause", "{}", AdminUi.CSRF_HEADER, "1");
        assertEquals(200, ok.status(), ok.body());
        assertTrue(projections.find(key).orElseThrow().paused());
        assertTrue(ok.json().get("projections").get(0).get("paused").asBoolean());
        assertEquals(200, http.post("/admin/api/projections/summaries/resume", "{}", AdminUi.CSRF_HEADER, "1").status());
        assertFalse(projections.find(key).orElseThrow().paused());
        assertEquals(200, http.post("/admin/api/projections/summaries/rebuild", "{}", AdminUi.CSRF_HEADER, "1").status());
        assertTrue(projections.find(key).orElseThrow().rebuildRequested());

        assertError(http.post("/admin/api/dead-letters/42/discard", "{}", AdminUi.CSRF_HEADER, "1"), 404, "dead_letter_not_found");
        assertError(http.post("/admin/api/dead-letters/x/discard", "{}", AdminUi.CSRF_HEADER, "1"), 400, "bad_request");
        assertError(http.post("/admin/api/projections/unknown/pause", "{}", AdminUi.CSRF_HEADER, "1"), 404, "projection_not_found");
    }

    @Test
    void withATokenThePageLoadsButTheDataNeedsIt() {
        AdminHttp http = start("s3cret");
        AdminHttp anonymous = new AdminHttp(server.url(), null);
        assertEquals(200, anonymous.get("/admin").status(), "the page itself shows the login form");
        assertEquals(200, anonymous.get("/admin/assets/app.js").status());
        assertEquals(401, anonymous.get("/admin/api/overview").status());
        assertEquals(401, anonymous.post("/admin/api/projections/x/pause", "{}", AdminUi.CSRF_HEADER, "1").status());
        assertEquals(200, http.get("/admin/api/overview").status());
    }

    private static void assertError(AdminHttp.Reply r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals(code, body.get("error").asString(), r.body());
        assertTrue(body.get("message").asString().length() > 5, r.body());
        assertFalse(r.body().contains("Exception"), "no stack traces or class names: " + r.body());
    }
}
