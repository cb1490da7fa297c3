package dev.facta.cli;

import picocli.CommandLine.Option;

/** {@code --store URL}, shared by every command that works on one store. */
final class StoreOption {
    static final String DEFAULT = "sqlite:./facta-data/facta.db";

    @Option(names = "--store", paramLabel = "URL",
            defaultValue = "${env:FACTA_STORE:-" + DEFAULT + "}",
            description = "Store URL: sqlite:PATH, memory:, postgresql://user@host:port/db (or a JDBC URL). "
                    + "Default: $FACTA_STORE, else ${DEFAULT-VALUE}.")
    String url;
}
