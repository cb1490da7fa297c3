package dev.facta.internal;

import dev.facta.store.Metadata;

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
        return Metadata.fromMap(Json.parseFlatObject(json, "metadata"));
    }
}
