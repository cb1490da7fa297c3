package dev.facta.internal;

import dev.facta.store.Metadata;

import java.util.LinkedHashMap;
import java.util.Map;

/** Metadata to and from its flat JSON object, as the stores keep it. */
public final class MetadataCodec {
    private MetadataCodec() {
    }

    public static String toJson(Metadata m) {
        return m.isEmpty() ? "{}" : Json.writeFlatObject(m.asMap());
    }

    public static Metadata fromJson(String json) {
        if (json == null || json.equals("{}")) {
            return Metadata.empty();
        }
        // read straight into the fields: this runs for every event read
        String[] named = new String[3];
        Map<String, String> values = new LinkedHashMap<>();
        Json.readFlatObject(json, "metadata", (key, value) -> {
            switch (key) {
                case Metadata.CORRELATION_ID -> named[0] = value;
                case Metadata.CAUSATION_ID -> named[1] = value;
                case Metadata.TENANT -> named[2] = value;
                default -> values.put(key, value);
            }
        });
        if (named[0] == null && named[1] == null && named[2] == null && values.isEmpty()) {
            return Metadata.empty();
        }
        return new Metadata(named[0], named[1], named[2], values);
    }
}
