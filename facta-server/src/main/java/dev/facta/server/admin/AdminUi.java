package dev.facta.server.admin;

import dev.facta.server.ServerContext;
import io.javalin.config.RoutesConfig;

/**
 * The admin web UI's routes: the HTML page at {@code /admin}, its JSON under {@code /admin/api/...}
 * and its static files under {@code /admin/assets/...}. {@link dev.facta.server.FactaServer} calls
 * {@link #install} once while it configures its routes; the server's auth, error shape and request
 * limits apply to every route added here.
 *
 * <p>The admin UI's engineer fills this class in; until then it adds no routes.
 */
public final class AdminUi {

    private AdminUi() {
    }

    /** Adds the admin UI's routes to the server being configured. */
    public static void install(RoutesConfig routes, ServerContext context) {
    }
}
