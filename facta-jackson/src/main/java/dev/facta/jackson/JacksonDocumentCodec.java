package dev.facta.jackson;

import dev.facta.InvalidInputException;
import dev.facta.readmodel.DocumentCodec;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * Read-model documents as records or classes, written to JSON with Jackson 3: the codec a projection
 * passes to {@code collection(name, codec)}. Each document must encode to one JSON object; anything
 * else is refused with {@link InvalidInputException}.
 *
 * <p>The default mapper reads like {@link JacksonEventSerializer} (unknown properties ignored, no
 * silent defaults for primitives) and writes {@link Instant}s as ISO-8601 UTC strings with exactly
 * nine fraction digits ({@code 2026-11-23T06:00:00.120000000Z}), so that instants compare and sort
 * as strings in time order in queries; use {@link #instantText} for query values. BigDecimals are
 * written as JSON numbers with every digit kept.
 */
public final class JacksonDocumentCodec<T> implements DocumentCodec<T> {

    private static final DateTimeFormatter INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Class<T> type;
    private final JsonMapper mapper;

    private JacksonDocumentCodec(Class<T> type, JsonMapper mapper) {
        this.type = Objects.requireNonNull(type, "type");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** Documents of that type, with {@link #defaultMapperBuilder()}'s settings. */
    public static <T> JacksonDocumentCodec<T> of(Class<T> type) {
        return new JacksonDocumentCodec<>(type, Holder.DEFAULT);
    }

    /** Documents of that type, with a mapper of your own (start from {@link #defaultMapperBuilder()}). */
    public static <T> JacksonDocumentCodec<T> of(Class<T> type, JsonMapper mapper) {
        return new JacksonDocumentCodec<>(type, mapper);
    }

    /** The event serializer's settings plus fixed-width instants. */
    public static JsonMapper.Builder defaultMapperBuilder() {
        SimpleModule instants = new SimpleModule("facta-document-instants");
        instants.addSerializer(Instant.class, new ValueSerializer<>() {
            @Override
            public void serialize(Instant value, JsonGenerator gen, SerializationContext ctxt) {
                gen.writeString(instantText(value));
            }
        });
        return JacksonEventSerializer.defaultMapperBuilder().addModule(instants);
    }

    /**
     * An instant as the default mapper writes it, for queries:
     * {@code Query.where("placedAt", gte(JacksonDocumentCodec.instantText(since)))}. Sorts in time order
     * for the years 0 to 9999.
     */
    public static String instantText(Instant instant) {
        return INSTANT.format(instant);
    }

    public JsonMapper mapper() {
        return mapper;
    }

    @Override
    public String encode(T document) {
        if (document == null) throw new InvalidInputException("document", "cannot encode a null document");
        String json;
        try {
            json = mapper.writeValueAsString(document);
        } catch (JacksonException e) {
            throw new InvalidInputException("document", "cannot write " + document.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage());
        }
        int i = 0;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) i++;
        if (i == json.length() || json.charAt(i) != '{') {
            throw new InvalidInputException("document", "a read-model document must be a JSON object, but "
                    + document.getClass().getName() + " is written as " + abbreviate(json));
        }
        return json;
    }

    @Override
    public T decode(String json) {
        try {
            return mapper.readValue(json, type);
        } catch (JacksonException e) {
            throw new InvalidInputException("document", "document does not read as " + type.getSimpleName() + " ("
                    + e.getOriginalMessage() + "); rebuild the projection into a new version after changing the document's shape");
        }
    }

    private static String abbreviate(String json) {
        return json.length() <= 60 ? json : json.substring(0, 57) + "...";
    }

    /** Built on first use, shared by every codec with the default settings. */
    private static final class Holder {
        static final JsonMapper DEFAULT = defaultMapperBuilder().build();
    }
}
