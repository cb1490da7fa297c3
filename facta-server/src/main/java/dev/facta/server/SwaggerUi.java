package dev.facta.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * Swagger UI at {@code /docs}, served from the {@code org.webjars:swagger-ui} jar and pointed at
 * {@code /openapi.json}. The page and its files need no token; the document they load does (the
 * browser sends the session cookie of {@code /admin}'s login; Swagger UI's Authorize button sets the
 * bearer token its requests send).
 */
final class SwaggerUi {
    static final String PATH = "/docs";
    private static final String WEBJAR = "/META-INF/resources/webjars/swagger-ui/";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    /** The files the page loads, and their types; nothing else of the jar is served. */
    private static final Map<String, String> FILES = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "index.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png",
            "favicon-16x16.png", "image/png");
    private static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en">
              <head>
                <meta charset="UTF-8">
                <title>Facta API</title>
                <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
                <link rel="stylesheet" type="text/css" href="/docs/index.css">
                <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
              </head>
              <body>
                <div id="swagger-ui"></div>
                <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
                <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
                <script src="/docs/facta-init.js" charset="UTF-8"></script>
              </body>
            </html>
            """;
    /** Points Swagger UI at this server's document; the page's CSP allows no inline script. */
    private static final String INIT = """
            window.onload = function () {
              window.ui = SwaggerUIBundle({
                url: "/openapi.json",
                dom_id: "#swagger-ui",
                deepLinking: true,
                withCredentials: true,
                presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                layout: "StandaloneLayout"
              });
            };
            """;

    private final String version = version();

    void install(RoutesConfig routes) {
        routes.get(PATH, this::page);
        routes.get(PATH + "/{file}", this::file);
    }

    /** Whether a request may reach Swagger UI without a token (the page and its files; not the document). */
    static boolean open(String path) {
        if (PATH.equals(path) || (PATH + "/").equals(path)) return true;
        return path.startsWith(PATH + "/") && path.indexOf('/', PATH.length() + 1) < 0 && !path.contains("..") && !path.contains("%");
    }

    private void page(Context ctx) {
        headers(ctx);
        ctx.contentType("text/html; charset=utf-8").result(PAGE);
    }

    private void file(Context ctx) {
        String file = ctx.pathParam("file");
        if ("facta-init.js".equals(file)) {
            headers(ctx);
            ctx.contentType("text/javascript; charset=utf-8").result(INIT.getBytes(StandardCharsets.UTF_8));
            return;
        }
        String type = FILES.get(file);
        if (type == null) {
            throw ApiException.notFound("not_found", "Swagger UI has no file named " + (file.length() > 80 ? file.substring(0, 80) + "…" : file));
        }
        headers(ctx);
        ctx.contentType(type).result(resource(WEBJAR + version + "/" + file));
    }

    private static void headers(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-cache");
    }

    /** The webjar's version, from its Maven properties, so a version bump needs no code change. */
    private static String version() {
        try (InputStream in = SwaggerUi.class.getResourceAsStream("/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) throw new IllegalStateException("org.webjars:swagger-ui is not on the class path");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = SwaggerUi.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException(path + " is missing from the swagger-ui jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
