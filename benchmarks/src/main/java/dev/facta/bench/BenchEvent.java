package dev.facta.bench;

import java.util.UUID;

/**
 * One event of the workload, prepared before the append is timed so that both implementations
 * pay the same: its id, type, the JSON data as text and as UTF-8, and its correlation id
 * (metadata {@code {"correlationId": ...}}).
 */
public record BenchEvent(UUID id, String type, String json, byte[] utf8, String correlationId) {

    public String metadataJson() {
        return "{\"correlationId\":\"" + correlationId + "\"}";
    }
}
