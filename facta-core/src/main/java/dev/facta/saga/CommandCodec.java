package dev.facta.saga;

import dev.facta.InvalidInputException;
import dev.facta.serialization.EventSerializer;
import dev.facta.serialization.SerializedEvent;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Turns the commands process managers issue into text and back, so that they can wait in the
 * saga runtime's outbox (in the same transaction as the state change that issued them) until they
 * are dispatched. The core has no JSON mapper: {@link #of(EventSerializer)} adapts the serializer
 * the application already has for events (for instance {@code JacksonEventSerializer}), provided
 * its type registry knows the command classes.
 *
 * <p>A codec must only create the types the application expects, never a class named in the
 * stored data.
 */
public interface CommandCodec {

    /** A command as stored: its type name and its JSON text. */
    record Encoded(String type, String json) {
        public Encoded {
            if (type == null || type.isBlank()) throw new InvalidInputException("command.type", "a command type name is required");
            Objects.requireNonNull(json, "json");
        }
    }

    /**
     * The command as a type name and JSON text.
     *
     * @throws RuntimeException the codec does not know the command's class; the transition that
     *                          issued it fails whole
     */
    Encoded encode(Object command);

    /** The command back from what {@link #encode} produced. */
    Object decode(String type, String json);

    /** A codec over an event serializer's type registry (commands are mapped like events). */
    static CommandCodec of(EventSerializer serializer) {
        Objects.requireNonNull(serializer, "serializer");
        return new CommandCodec() {
            @Override
            public Encoded encode(Object command) {
                SerializedEvent s = serializer.serialize(command);
                return new Encoded(s.type(), s.dataAsString());
            }

            @Override
            public Object decode(String type, String json) {
                return serializer.deserialize(type, json.getBytes(StandardCharsets.UTF_8));
            }
        };
    }
}
