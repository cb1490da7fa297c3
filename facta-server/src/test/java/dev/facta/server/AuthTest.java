package dev.facta.server;

import dev.facta.store.memory.InMemoryEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Bearer-token auth and the browser's session cookie, black-box over a real socket. */
class AuthTest {
    static final String TOKEN = "s3cret-token-for-tests";

    InMemoryEventStore store;
    FactaServer server;
    Http anonymous;
    Http authorized;

    @BeforeEach
    void start() {
        store = new InMemoryEventStore();
        server = FactaServer.builder(store).authToken(TOKEN).build().start();
        anonymous = new Http(server);
        authorized = anonymous.withToken(TOKEN);
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    void assertUnauthorized(Http.Reply r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.error()).isEqualTo("unauthorized");
        assertThat(r.json().get("message").stringValue()).contains("Bearer");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void without_the_token_every_route_but_health_is_401_and_nothing_is_stored() {
        assertUnauthorized(anonymous.post("/streams/order-1", "[{\"type\":\"A\",\"data\":{}}]"));
        assertUnauthorized(anonymous.get("/streams/order-1"));
        assertUnauthorized(anonymous.delete("/streams/order-1"));
        assertUnauthorized(anonymous.get("/all"));
        assertUnauthorized(anonymous.get("/subscribe/all"));
        assertUnauthorized(anonymous.get("/metrics"));
        assertUnauthorized(anonymous.get("/admin/api/overview"));
        assertUnauthorized(anonymous.post("/admin/logout", ""));
        assertUnauthorized(anonymous.get("/nowhere"));
        assertUnauthorized(anonymous.get("/admin/assets/../../all"));

        assertThat(anonymous.get("/health").status()).isEqualTo(200);
        assertThat(store.headPosition()).isZero();
    }

    @Test
    void a_wrong_or_malformed_token_is_401_and_the_right_one_is_let_in() {
        for (String header : List.of("Bearer wrong", "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1), "Basic " + TOKEN,
                TOKEN, "Bearer", "Bearer ")) {
            assertUnauthorized(anonymous.post("/streams/order-1", "[{\"type\":\"A\",\"data\":{}}]", "Authorization", header));
        }
        assertThat(store.headPosition()).isZero();

        assertThat(authorized.post("/streams/order-1", "[{\"type\":\"A\",\"data\":{}}]").status()).isEqualTo(201);
        assertThat(authorized.get("/streams/order-1").status()).isEqualTo(200);
        assertThat(authorized.get("/all").status()).isEqualTo(200);
        assertThat(authorized.get("/metrics").status()).isEqualTo(200);
        assertThat(anonymous.get("/all", "Authorization", "bearer " + TOKEN).status()).as("the scheme is case-insensitive").isEqualTo(200);
        assertThat(authorized.delete("/streams/order-1").status()).isEqualTo(204);
    }

    @Test
    void health_answers_without_the_token_but_shows_details_only_with_it() {
        Http.Reply open = anonymous.get("/health");
        Http.Reply full = authorized.get("/health");

        assertThat(open.status()).isEqualTo(200);
        assertThat(open.json().get("status").stringValue()).isEqualTo("up");
        assertThat(open.json().has("headPosition")).isFalse();
        assertThat(full.json().get("headPosition").asLong()).isZero();
        assertThat(full.json().get("store").stringValue()).isNotBlank();
    }

    @Test
    void the_admin_page_and_its_assets_load_without_the_token_so_the_browser_can_show_the_login() {
        Http.Reply page = anonymous.get("/admin");
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(anonymous.get("/admin/assets/app.js").status()).isEqualTo(200);
        assertThat(anonymous.get("/admin/assets/missing.js").status()).isEqualTo(404);
    }

    @Test
    void login_sets_an_http_only_same_site_cookie_that_admits_the_browser_until_logout() {
        Http.Reply wrong = anonymous.post("/admin/login", "{\"token\":\"guess\"}");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).isEqualTo("unauthorized");
        assertThat(wrong.header("Set-Cookie")).isNull();
        assertThat(anonymous.post("/admin/login", "not json").status()).isEqualTo(400);
        assertThat(anonymous.post("/admin/login", "{\"secret\":\"x\"}").status()).isEqualTo(400);

        Http.Reply login = anonymous.post("/admin/login", "{\"token\":\"" + TOKEN + "\"}");

        assertThat(login.status()).as(login.toString()).isEqualTo(204);
        String setCookie = login.header("Set-Cookie");
        assertThat(setCookie).startsWith(Auth.COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict").contains("Path=/")
                .contains("Max-Age=" + Auth.SESSION.toSeconds()).doesNotContain(TOKEN);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        assertThat(anonymous.get("/all", "Cookie", cookie).status()).isEqualTo(200);
        assertThat(anonymous.post("/streams/c-1", "[{\"type\":\"A\",\"data\":{}}]", "Cookie", cookie).status()).isEqualTo(201);
        assertThat(anonymous.get("/admin/api/overview", "Cookie", cookie).status()).isEqualTo(200);

        String tampered = cookie.substring(0, cookie.length() - 2) + (cookie.endsWith("A") ? "BB" : "AA");
        assertUnauthorized(anonymous.get("/all", "Cookie", tampered));
        String extended = cookie.replaceFirst("=(\\d+)\\.", "=" + (Instant.now().getEpochSecond() + 999_999) + ".");
        assertUnauthorized(anonymous.get("/all", "Cookie", extended));

        Http.Reply logout = anonymous.post("/admin/logout", "", "Cookie", cookie);
        assertThat(logout.status()).isEqualTo(204);
        assertThat(logout.header("Set-Cookie")).startsWith(Auth.COOKIE + "=;").contains("Max-Age=0");
    }

    @Test
    void a_session_expires_and_a_token_change_invalidates_every_session() {
        Auth auth = new Auth(TOKEN);
        AccessToken token = auth.byToken(TOKEN).orElseThrow().token();
        Instant now = Instant.now();
        String session = auth.newSession(token, now);

        assertThat(auth.validSession(session, now.plusSeconds(60))).isPresent();
        assertThat(auth.validSession(session, now.plus(Auth.SESSION).plusSeconds(1))).isEmpty();
        assertThat(new Auth("another-token").validSession(session, now)).isEmpty();
        assertThat(auth.validSession("garbage", now)).isEmpty();
        assertThat(auth.validSession("123.", now)).isEmpty();
        assertThat(auth.validSession(session.replace("." + Auth.AUTH_TOKEN_ID, ".other"), now)).isEmpty();
        assertThat(new Auth(null).required()).isFalse();
        assertThat(new Auth("  ").required()).isFalse();
    }

    @Test
    void without_a_token_configured_everything_is_open_and_login_sets_no_cookie() {
        try (FactaServer open = FactaServer.builder(store).build().start()) {
            Http http = new Http(open);
            assertThat(http.get("/all").status()).isEqualTo(200);
            Http.Reply login = http.post("/admin/login", "{\"token\":\"anything\"}");
            assertThat(login.status()).isEqualTo(204);
            assertThat(login.header("Set-Cookie")).isNull();
        }
    }
}
