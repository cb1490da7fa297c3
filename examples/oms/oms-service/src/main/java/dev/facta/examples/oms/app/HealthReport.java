package dev.facta.examples.oms.app;

import java.util.Map;

/** Liveness is the process answering; readiness is {@code ready}: every check in {@code checks} is "up". */
public record HealthReport(boolean ready, Map<String, String> checks) {
}
