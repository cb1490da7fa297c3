package dev.facta.projection;

import dev.facta.InvalidInputException;

/** A projection version: the unit that has checkpoints, leases, status and dead letters. */
public record ProjectionKey(String name, int version) {
    public ProjectionKey {
        checkName(name);
        if (version < 1) throw new InvalidInputException("version", "a projection version starts at 1: " + version);
    }

    /** 1 to 64 characters of a-z, 0-9, '-' and '_', starting with a letter. */
    public static String checkName(String name) {
        if (name == null || !name.matches("[a-z][a-z0-9_-]{0,63}")) {
            throw new InvalidInputException("projection",
                    "a projection name is 1-64 characters of a-z, 0-9, '-' and '_', starting with a letter: " + name);
        }
        return name;
    }

    /** The stored name of one of its collections: {@code orders} of version 2 is {@code orders_v2}. */
    public String collection(String name) {
        return dev.facta.readmodel.ReadModelStore.checkName(name) + "_v" + version;
    }

    @Override
    public String toString() {
        return name + " v" + version;
    }
}
