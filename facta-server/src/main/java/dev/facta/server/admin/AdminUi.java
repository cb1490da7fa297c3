package dev.facta.server.admin;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.projection.ProjectionEngine;
import dev.facta.server.ApiException;
import dev.facta.server.ServerContext;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.Function;

/**
 * The admin web UI's routes: the page at {@code /admin}, its JSON under {@code /admin/api/...} (the
 * {@link AdminApi}) and its static files under {@code /admin/assets/...}, all served from the jar.
 * {@link dev.facta.server.FactaServer} calls {@link #install} once while it configures its routes; the
 * server's auth and request limits apply to every route added here.
 *
 * <p>Errors answer {@code {"error": code, "message": ...}}: 400 {@code bad_request}, 403
 * {@code forbidden}, 404 and 409 with the code of the {@link AdminApiException}, 500 {@code internal}
 * (without details). State-changing requests are POSTs that must carry the header
 * {@value #CSRF_HEADER}{@code : 1}: a form or a plain cross-site request cannot send it, so another site
 * cannot make a logged-in browser pause or rebuild a projection. Pages are served with a strict
 * Content-Security-Policy (scripts and styles only from the server itself).
 */
public final class AdminUi {
    /** The header every state-changing admin request must carry, with the value {@code 1}. */
    public static final String CSRF_HEADER = "X-Facta-Admin";

    private static final System.Logger LOG = System.getLogger(AdminUi.class.getName());
    private static final String ASSETS = "/dev/facta/server/admin/";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Map<String, String> ASSET_TYPES = Map.of(
            "admin.css", "text/css; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8",
            "dom.js", "text/javascript; charset=utf-8",
            "views.js", "text/javascript; charset=utf-8",
            "projections.js", "text/javascript; charset=utf-8",
            "live.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private AdminUi() {
    }

    /** Adds the admin UI's routes to the server being configured, without a projection engine. */
    public static void install(RoutesConfig routes, ServerContext context) {
        install(routes, new AdminApi(context));
    }

    /**
     * Adds the admin UI's routes; {@code engine} (nullable) is the application's projection engine when
     * it runs in the server's process, which lets operators retry dead letters from the UI.
     */
    public static void install(RoutesConfig routes, ServerContext context, ProjectionEngine engine) {
        install(routes, new AdminApi(context, engine, AdminApi.DEFAULT_RELATION_SCAN_LIMIT));
    }

    /** Adds the admin UI's routes answering from the given API. */
    public static void install(RoutesConfig routes, AdminApi api) {
        install(routes, ctx -> api);
    }

    /**
     * Adds the admin UI's routes, each answering from the API {@code apis} gives for its request (the
     * caller's tenant and rights); {@code apis} may refuse with an {@link ApiException}.
     */
    public static void install(RoutesConfig routes, Function<Context, AdminApi> apis) {
        routes.get("/admin", ctx -> page(ctx));
        routes.get("/admin/assets/{file}", AdminUi::asset);

        routes.get("/admin/api/overview", ctx -> answer(ctx, apis, AdminApi::overview));
        routes.get("/admin/api/streams", ctx -> answer(ctx, apis, api -> api.streams(
                orEmpty(ctx.queryParam("prefix")), blankToNull(ctx.queryParam("after")), intParam(ctx, "limit", 50))));
        routes.get("/admin/api/stream", ctx -> answer(ctx, apis, api -> api.stream(required(ctx, "name"),
                longParam(ctx, "from", null), intParam(ctx, "limit", 50), !"forward".equals(ctx.queryParam("direction")))));
        routes.get("/admin/api/event", ctx -> answer(ctx, apis, api -> {
            if (ctx.queryParam("position") != null) return api.eventAtPosition(longParam(ctx, "position", null));
            if (ctx.queryParam("id") != null) return api.eventById(ctx.queryParam("id"));
            return api.eventAt(required(ctx, "stream"), requiredLong(ctx, "version"));
        }));
        routes.get("/admin/api/correlation", ctx -> answer(ctx, apis, api -> api.correlation(required(ctx, "id"))));
        routes.get("/admin/api/projections", ctx -> answer(ctx, apis, AdminApi::projections));
        routes.post("/admin/api/projections/{name}/pause", ctx -> change(ctx, apis, api -> api.pause(ctx.pathParam("name"))));
        routes.post("/admin/api/projections/{name}/resume", ctx -> change(ctx, apis, api -> api.resume(ctx.pathParam("name"))));
        routes.post("/admin/api/projections/{name}/rebuild", ctx -> change(ctx, apis, api -> api.rebuild(ctx.pathParam("name"))));
        routes.get("/admin/api/projections/{name}/dead-letters", ctx -> answer(ctx, apis, api -> api.deadLetters(ctx.pathParam("name"),
                longParam(ctx, "after", 0L), intParam(ctx, "limit", 100))));
        routes.post("/admin/api/dead-letters/{id}/discard", ctx -> change(ctx, apis, api -> api.discardDeadLetter(idParam(ctx))));
        routes.post("/admin/api/dead-letters/{id}/retry", ctx -> change(ctx, apis, api -> api.retryDeadLetter(idParam(ctx))));
        routes.get("/admin/api/time-travel", ctx -> answer(ctx, apis, api -> api.timeTravel(required(ctx, "stream"),
                longParam(ctx, "version", null))));
        routes.get("/admin/api/read-models", ctx -> answer(ctx, apis, AdminApi::readModels));
        routes.get("/admin/api/read-models/{collection}", ctx -> answer(ctx, apis, api -> api.readModel(ctx.pathParam("collection"),
                longParam(ctx, "offset", 0L), intParam(ctx, "limit", 50))));
    }

    /** One admin request's work on the API of its caller. */
    @FunctionalInterface
    private interface Work {
        String on(AdminApi api) throws Exception;
    }

    // ------------------------------------------------------------------ static files

    private static void page(Context ctx) {
        byte[] html = resource("index.html");
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("text/html; charset=utf-8").result(html);
    }

    private static void asset(Context ctx) {
        String file = ctx.pathParam("file");
        String type = ASSET_TYPES.get(file);
        if (type == null) {
            error(ctx, 404, "not_found", "no admin asset named " + (file.length() > 80 ? file.substring(0, 80) + "…" : file));
            return;
        }
        securityHeaders(ctx);
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(type).result(resource(file));
    }

    private static byte[] resource(String file) {
        try (InputStream in = AdminUi.class.getResourceAsStream(ASSETS + file)) {
            if (in == null) throw new IllegalStateException("the admin UI's file " + file + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
    }

    // ------------------------------------------------------------------ JSON answers

    private static void change(Context ctx, Function<Context, AdminApi> apis, Work work) {
        if (!"1".equals(ctx.header(CSRF_HEADER))) {
            error(ctx, 403, "forbidden", "state-changing admin requests must carry the header " + CSRF_HEADER + ": 1");
            return;
        }
        answer(ctx, apis, work);
    }

    private static void answer(Context ctx, Function<Context, AdminApi> apis, Work work) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Content-Type-Options", "nosniff");
        String body;
        try {
            body = work.on(apis.apply(ctx));
        } catch (ApiException e) {
            error(ctx, e.status(), e.code(), e.getMessage());
            return;
        } catch (InvalidInputException e) {
            error(ctx, 400, "bad_request", e.getMessage());
            return;
        } catch (AdminApiException e) {
            error(ctx, e.status(), e.code(), e.getMessage());
            return;
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "admin request " + ctx.method() + " " + ctx.path() + " failed", e);
            error(ctx, 500, "internal", "the server failed to answer this request"
                    + (e instanceof FactaException ? ": " + e.getMessage() : "; see its log"));
            return;
        }
        ctx.status(200).contentType("application/json").result(body);
    }

    private static void error(Context ctx, int status, String code, String message) {
        ctx.status(status).contentType("application/json").result("{\"error\":" + quote(code) + ",\"message\":" + quote(message) + "}");
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------ parameters

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String required(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) throw new InvalidInputException(name, "the query parameter '" + name + "' is required");
        return v;
    }

    private static long requiredLong(Context ctx, String name) {
        Long v = longParam(ctx, name, null);
        if (v == null) throw new InvalidInputException(name, "the query parameter '" + name + "' is required");
        return v;
    }

    private static Long longParam(Context ctx, String name, Long fallback) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) return fallback;
        return parseLong(name, v);
    }

    private static int intParam(Context ctx, String name, int fallback) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) return fallback;
        long l = parseLong(name, v);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw new InvalidInputException(name, name + " is out of range: " + v);
        return (int) l;
    }

    private static long idParam(Context ctx) {
        return parseLong("id", ctx.pathParam("id"));
    }

    private static long parseLong(String name, String v) {
        if (!v.matches("-?[0-9]{1,19}")) throw new InvalidInputException(name, name + " must be a whole number, got: " + clip(v));
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name, name + " is out of range: " + clip(v));
        }
    }

    private static String clip(String v) {
        return v.length() > 40 ? v.substring(0, 40) + "…" : v;
    }
}
