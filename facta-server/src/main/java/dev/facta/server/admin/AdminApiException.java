package dev.facta.server.admin;

import dev.facta.FactaException;

/**
 * A request of the admin API that could not be served as asked, with the HTTP status and the error
 * code it answers with ({@code {"error": code, "message": ...}}): something that does not exist
 * (404) or an operation this server cannot perform (409). Bad input is an
 * {@link dev.facta.InvalidInputException} instead (400).
 */
public final class AdminApiException extends FactaException {
    private final int status;
    private final String code;

    public AdminApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static AdminApiException notFound(String code, String message) {
        return new AdminApiException(404, code, message);
    }

    static AdminApiException conflict(String code, String message) {
        return new AdminApiException(409, code, message);
    }

    /** The HTTP status of the answer. */
    public int status() {
        return status;
    }

    /** The machine-readable error code, e.g. {@code stream_not_found}. */
    public String code() {
        return code;
    }
}
