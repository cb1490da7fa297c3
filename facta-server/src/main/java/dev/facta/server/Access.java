package dev.facta.server;

/**
 * What the caller of one request may do with the streams of the store (or tenant) it works on:
 * the server answers every route through it, so reads skip or refuse streams it may not read and
 * writes refuse streams it may not write. Checks consult the caller's token as it is now, so a
 * revocation or a narrowed grant applies also to work already under way (a live subscription).
 */
public interface Access {
    /** Every right: a server without tokens, or a token with every right. */
    Access ALL = new Access() {
        @Override
        public boolean canRead(String stream) {
            return true;
        }

        @Override
        public boolean canWrite(String stream) {
            return true;
        }

        @Override
        public boolean readsEverything() {
            return true;
        }

        @Override
        public boolean writesEverything() {
            return true;
        }

        @Override
        public boolean readsCategory(String category) {
            return true;
        }

        @Override
        public boolean writesCategory(String category) {
            return true;
        }

        @Override
        public String toString() {
            return "every right";
        }
    };

    boolean canRead(String stream);

    boolean canWrite(String stream);

    /** Whether every stream may be read, so also what is derived from all of them (read models, projection errors). */
    boolean readsEverything();

    /** Whether every stream may be written (what a command endpoint without categories needs); false unless overridden. */
    default boolean writesEverything() {
        return false;
    }

    /**
     * Whether every {@code <category>-...} stream may be read (what a query endpoint on that category
     * needs); false unless overridden.
     */
    default boolean readsCategory(String category) {
        return false;
    }

    /**
     * Whether every {@code <category>-...} stream may be written (what a command endpoint on that
     * category needs); false unless overridden.
     */
    default boolean writesCategory(String category) {
        return false;
    }
}
