package dev.facta.schema;

import dev.facta.InvalidInputException;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.StreamId;
import dev.facta.upcasting.Revisions;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Objects;

/**
 * An event store that checks every appended event's data against a {@link SchemaRegistry}
 * before handing the batch on: one event that does not match refuses the whole batch with a
 * {@link SchemaViolationException}, and nothing is written.
 *
 * <p>An event stamped with a revision ({@link Revisions#KEY} in its metadata) is checked
 * against that version of its type's schema; an unstamped one against the latest version. Types
 * without a schema pass unless the registry {@linkplain SchemaRegistry#requiringSchemas()
 * requires schemas}. Data that is not JSON is left to the store, which refuses it with its own
 * error. Reads pass through unchanged: stored events are history and are not re-validated.
 * Appends to Facta's own streams, whose names start with {@code facta.} (such as
 * {@link SchemaStream#STREAM}), are not checked.
 */
public final class ValidatingEventStore extends ForwardingEventStore {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Facta's own streams ({@code facta.schemas}, {@code facta.privacy}, ...) hold Facta's events, not the application's. */
    private static final String FACTA_STREAMS = "facta.";

    private final SchemaRegistry registry;

    public ValidatingEventStore(EventStore store, SchemaRegistry registry) {
        super(store);
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The registry appends are checked against. */
    public SchemaRegistry registry() {
        return registry;
    }

    @Override
    public AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events) {
        if (events != null && stream != null && !stream.value().startsWith(FACTA_STREAMS)) {
            for (int i = 0; i < events.size(); i++) {
                check(events.get(i), i);
            }
        }
        return delegate.append(stream, expected, events);
    }

    private void check(EventData e, int index) {
        if (e == null || e.type() == null || e.data() == null) {
            return; // the store refuses it, naming what is missing
        }
        if (!registry.has(e.type()) && !registry.requiresSchemas()) {
            return;
        }
        JsonNode data;
        try {
            data = JSON.readTree(e.data());
        } catch (JacksonException ex) {
            return; // not JSON: the store's own check says so
        }
        String at = "events[" + index + "]";
        try {
            if (e.metadata().values().containsKey(Revisions.KEY)) {
                registry.validate(e.type(), Revisions.of(e.metadata()), data);
            } else {
                registry.validate(e.type(), data);
            }
        } catch (SchemaViolationException ex) {
            throw new SchemaViolationException(ex.eventType(), ex.version(), ex.violations(),
                    at + ": " + ex.getMessage());
        } catch (InvalidInputException ex) {
            throw new InvalidInputException(at + "." + ex.field(), at + ": " + ex.getMessage());
        }
    }

    @Override
    public String describe() {
        return delegate.describe() + " (schema-validated)";
    }
}
