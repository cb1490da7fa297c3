package dev.facta.jackson;

import dev.facta.InvalidInputException;
import dev.facta.aggregate.StateCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Aggregate state as JSON for snapshots, with the same mapper settings as the event serializer.
 * A snapshot that no longer reads (the state's shape changed without a new schema version)
 * fails with a clear error; bump the repository's schema version to have such snapshots ignored.
 */
public final class JacksonStateCodec<S> implements StateCodec<S> {
    private final Class<S> type;
    private final JsonMapper mapper;

    private JacksonStateCodec(Class<S> type, JsonMapper mapper) {
        this.type = type;
        this.mapper = mapper;
    }

    public static <S> JacksonStateCodec<S> of(Class<S> type) {
        return new JacksonStateCodec<>(type, JacksonEventSerializer.defaultMapperBuilder().build());
    }

    public static <S> JacksonStateCodec<S> of(Class<S> type, JsonMapper mapper) {
        return new JacksonStateCodec<>(type, mapper);
    }

    @Override
    public byte[] encode(S state) {
        return mapper.writeValueAsBytes(state);
    }

    @Override
    public S decode(byte[] bytes) {
        try {
            return mapper.readValue(bytes, type);
        } catch (JacksonException e) {
            throw new InvalidInputException("snapshot", "snapshot does not read as " + type.getSimpleName()
                    + " (" + e.getOriginalMessage() + "); raise the repository's schema version after changing the state");
        }
    }
}
