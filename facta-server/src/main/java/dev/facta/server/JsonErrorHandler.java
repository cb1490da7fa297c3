package dev.facta.server;

import io.javalin.http.HttpStatus;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import tools.jackson.databind.json.JsonMapper;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Jetty's own refusals (a malformed request line, headers too large, an ambiguous URI, 503 while the
 * server shuts down) in the API's error shape, instead of Jetty's HTML page; never a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final JsonMapper json;

    JsonErrorHandler(JsonMapper json) {
        this.json = json;
        setShowStacks(false);
        setShowCauses(false);
    }

    static ApiException errorFor(int status, String message) {
        int s = status >= 400 && status <= 599 ? status : 500;
        String code = switch (s) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413, 414, 431 -> "too_large";
            case 500 -> "internal_error";
            case 503 -> "unavailable";
            default -> HttpStatus.forStatus(s).name().toLowerCase(Locale.ROOT);
        };
        String text = message == null || message.isBlank() ? HttpStatus.forStatus(s).getMessage() : message;
        if (s == 503 && (message == null || message.isBlank() || message.equals(HttpStatus.forStatus(s).getMessage()))) {
            text = "the server is shutting down";
        }
        return new ApiException(s, code, text);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        byte[] body = Errors.body(json, errorFor(code, message));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
