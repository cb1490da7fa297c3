package dev.facta.server;

import dev.facta.InvalidInputException;
import dev.facta.store.EventTooLargeException;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamDeletedException;
import dev.facta.store.StreamNotFoundException;
import dev.facta.store.WrongExpectedVersionException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns every failure into the API's error shape {@code {"error": code, "message": ...}} with its
 * status. Unexpected exceptions are logged with their stack trace and answered with a message that
 * reveals nothing of the server's insides.
 */
final class Errors {
    private static final System.Logger LOG = System.getLogger(FactaServer.class.getName());

    private Errors() {
    }

    /** The refusal an exception stands for; unexpected ones become 500 {@code internal_error}. */
    static ApiException classify(Exception e, Context ctx) {
        return switch (e) {
            case ApiException api -> api;
            case WrongExpectedVersionException w -> wrongExpectedVersion(w);
            case EventTooLargeException big -> ApiException.tooLarge(big.getMessage());
            case StreamNotFoundException nf -> ApiException.notFound("stream_not_found", nf.getMessage());
            case StreamDeletedException deleted -> ApiException.notFound("stream_not_found", deleted.getMessage());
            case InvalidInputException bad -> ApiException.badRequest(bad.getMessage());
            case HttpResponseException http -> fromJavalin(http, ctx);
            default -> {
                LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path() + " failed", e);
                yield internal();
            }
        };
    }

    static ApiException internal() {
        return new ApiException(500, "internal_error", "the server failed to handle the request; its log has the details");
    }

    static ApiException wrongExpectedVersion(WrongExpectedVersionException w) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("expected", w.expected() instanceof ExpectedVersion.Exact exact ? (Object) exact.version() : w.expected().toString());
        fields.put("actual", w.actual() < 0 ? (Object) "no_stream" : (Object) w.actual());
        return new ApiException(409, "wrong_expected_version", w.getMessage(), fields);
    }

    private static ApiException fromJavalin(HttpResponseException http, Context ctx) {
        int status = http.getStatus();
        return switch (status) {
            case 404 -> ApiException.notFound("not_found", "no route for " + ctx.method() + " " + ctx.path());
            case 405 -> new ApiException(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path());
            case 413 -> ApiException.tooLarge("the request body is larger than the server accepts");
            default -> {
                int s = status >= 400 && status <= 599 ? status : 500;
                String code = HttpStatus.forStatus(s).name().toLowerCase(Locale.ROOT);
                String message = http.getMessage() == null || http.getMessage().isBlank()
                        ? HttpStatus.forStatus(s).getMessage() : http.getMessage();
                yield new ApiException(s, code, message);
            }
        };
    }

    /** Writes the error as the response, unless the response was already sent (then only logs). */
    static void write(Context ctx, JsonMapper json, ApiException error) {
        if (ctx.res().isCommitted()) {
            LOG.log(System.Logger.Level.DEBUG, "response already sent when " + error.code() + " occurred: " + error.getMessage());
            return;
        }
        ctx.status(error.status());
        if (error.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"facta\"");
        }
        ctx.contentType("application/json");
        ctx.result(body(json, error));
    }

    static byte[] body(JsonMapper json, ApiException error) {
        ObjectNode node = json.createObjectNode();
        node.put("error", error.code());
        node.put("message", error.getMessage());
        error.fields().forEach((k, v) -> {
            switch (v) {
                case Long l -> node.put(k, l);
                case Integer i -> node.put(k, i);
                case Boolean b -> node.put(k, b);
                case null -> node.putNull(k);
                default -> node.put(k, v.toString());
            }
        });
        return json.writeValueAsBytes(node);
    }

    /** For {@link Error}s (out of memory, stack overflow), which never reach the exception handlers. */
    static void writeError(HttpServletResponse res, JsonMapper json, Error error) {
        LOG.log(System.Logger.Level.ERROR, "request failed with " + error, error);
        if (res.isCommitted()) return;
        try {
            res.setStatus(500);
            res.setContentType("application/json");
            res.getOutputStream().write(body(json, internal()));
        } catch (IOException | RuntimeException ignored) {
            // the client is gone or the response cannot be written; the log has the error
        }
    }
}
