package dev.facta.saga;

import dev.facta.projection.ProjectionKey;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The collections one process manager or saga keeps its documents in. Collection names are global
 * in a store and allow only a-z, 0-9 and '_', so they are derived from the name: {@code sg_}, the
 * name with '-' turned into '_' (names longer than 21 characters are cut to 14 and given 6 hex
 * digits of their hash), and a suffix; stored with the projection version suffix {@code _v1}.
 */
record Names(ProjectionKey key, String prefix) {
    static final String INSTANCES = "inst";
    static final String COMMANDS = "cmd";
    static final String DEADLINES = "ddl";
    static final String ASSOCIATIONS = "assoc";
    static final String LOCKS = "lock";

    static Names of(String name) {
        ProjectionKey key = new ProjectionKey(name, 1);
        String s = name.replace('-', '_');
        if (s.length() > 21) s = s.substring(0, 14) + "_" + hash(name);
        return new Names(key, "sg_" + s);
    }

    private static String hash(String name) {
        int h = 0x811c9dc5;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return String.format("%06x", h & 0xffffff);
    }

    /** The collection's name as a projection declares it (before versioning). */
    String base(String kind) {
        return prefix + "_" + kind;
    }

    /** The collection's name in the store. */
    String stored(String kind) {
        return key.collection(base(kind));
    }

    Set<String> all() {
        return Set.of(base(INSTANCES), base(COMMANDS), base(DEADLINES), base(ASSOCIATIONS), base(LOCKS));
    }
}
