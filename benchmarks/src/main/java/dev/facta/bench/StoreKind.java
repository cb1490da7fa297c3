package dev.facta.bench;

/** The kinds of store a benchmark runs on, by the names the output line uses. */
public enum StoreKind {
    MEMORY("memory"),
    SQLITE("sqlite"),
    POSTGRES("postgres"),
    DYNAMODB("dynamodb");

    private final String id;

    StoreKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
