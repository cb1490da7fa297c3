package dev.facta.server;

import java.util.Map;
import java.util.Objects;

/**
 * A check {@code GET /health} runs besides the store's (see {@link FactaServer.Builder#healthCheck}):
 * a plugin runtime, a broker, a downstream service. A check that answers down, throws, or takes
 * longer than the server's health timeout makes {@code /health} answer 503.
 */
@FunctionalInterface
public interface HealthCheck {
    Result check() throws Exception;

    /** The outcome: up or down, with details shown only to authenticated callers. */
    record Result(boolean up, Map<String, String> details) {
        public Result {
            details = Map.copyOf(Objects.requireNonNull(details, "details"));
        }

        public static Result up(Map<String, String> details) {
            return new Result(true, details);
        }

        public static Result down(String reason) {
            return new Result(false, Map.of("error", Objects.requireNonNull(reason, "reason")));
        }
    }
}
