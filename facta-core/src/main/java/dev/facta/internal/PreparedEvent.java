package dev.facta.internal;

import dev.facta.store.Metadata;

import java.util.UUID;

/** An event that passed validation: its data as checked JSON text, its metadata as JSON. */
public record PreparedEvent(UUID id, String type, String data, Metadata metadata, String metadataJson) {
}
