package dev.facta.serialization;

import dev.facta.store.EventData;
import dev.facta.store.Metadata;
import dev.facta.store.RecordedEvent;

/**
 * Turns domain event objects into stored event data and back. Implementations map type names
 * to classes explicitly; a type they do not know fails with {@link UnknownEventTypeException}.
 */
public interface EventSerializer {

    SerializedEvent serialize(Object event);

    Object deserialize(String type, byte[] data);

    <T> T deserialize(String type, byte[] data, Class<T> expected);

    /** The event object as event data ready to append, with the given metadata. */
    default EventData toEventData(Object event, Metadata metadata) {
        SerializedEvent s = serialize(event);
        return new EventData(null, s.type(), s.data(), metadata);
    }

    default Object deserialize(RecordedEvent event) {
        return deserialize(event.type(), event.data());
    }
}
