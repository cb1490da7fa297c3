package dev.facta.server;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A refusal with an HTTP status, thrown by any route of the server (the admin UI's included) and
 * answered in the API's error shape {@code {"error": code, "message": message, ...fields}}. Nothing
 * has been changed when a route throws it.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> fields;

    public ApiException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    /** With extra top-level fields (strings, numbers or booleans), e.g. {@code expected} and {@code actual}. */
    public ApiException(int status, String code, String message, Map<String, Object> fields) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 4xx or 5xx, got " + status);
        }
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "too_large", message);
    }

    public int status() {
        return status;
    }

    /** The machine-readable code, e.g. {@code bad_request}. */
    public String code() {
        return code;
    }

    public Map<String, Object> fields() {
        return fields;
    }
}
