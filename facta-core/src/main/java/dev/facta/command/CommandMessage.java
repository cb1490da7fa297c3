package dev.facta.command;

import dev.facta.internal.Uuids;
import dev.facta.store.Metadata;

import java.util.Objects;
import java.util.UUID;

/**
 * A command on its way through the bus: its id (a UUIDv7 unless given), the payload, its metadata
 * (correlation, causation, tenant, free values) and an optional idempotency key. Everything a
 * handler needs travels in this value, never in a thread-local, so it crosses async hops intact.
 */
public record CommandMessage<C>(UUID id, C payload, Metadata metadata, String idempotencyKey) {
    public CommandMessage {
        Objects.requireNonNull(payload, "command");
        if (id == null) id = Uuids.v7();
        if (metadata == null) metadata = Metadata.empty();
    }

    public static <C> CommandMessage<C> of(C payload) {
        return new CommandMessage<>(null, payload, Metadata.empty(), null);
    }

    public CommandMessage<C> withMetadata(Metadata m) {
        return new CommandMessage<>(id, payload, m, idempotencyKey);
    }

    public CommandMessage<C> withIdempotencyKey(String key) {
        return new CommandMessage<>(id, payload, metadata, key);
    }

    /** The conversation this command belongs to: its correlation id, or its own id when it starts one. */
    public String correlationId() {
        return metadata.correlationId() != null ? metadata.correlationId() : id.toString();
    }

    /**
     * The metadata for events this command produces: same correlation and tenant, and the command
     * as their cause.
     */
    public Metadata eventMetadata() {
        return metadata.withCorrelationId(correlationId()).withCausationId(id.toString());
    }

    @SuppressWarnings("unchecked")
    public Class<C> type() {
        return (Class<C>) payload.getClass();
    }
}
