package dev.facta.serialization;

import java.nio.charset.StandardCharsets;

/** An event object turned into what the store keeps: its type name and its data as UTF-8 JSON. */
public record SerializedEvent(String type, byte[] data) {
    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }
}
