package dev.facta.bench;

import dev.facta.InvalidInputException;

import java.util.List;

/** What does the work: a Facta event store, or plain JDBC on an equivalent table (the ceiling). */
public enum Impl {
    FACTA("facta"),
    RAWJDBC("rawjdbc");

    private final String id;

    Impl(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** {@code facta}, {@code rawjdbc} or {@code both}. */
    public static List<Impl> parseChoice(String choice) {
        return switch (choice.trim()) {
            case "facta" -> List.of(FACTA);
            case "rawjdbc" -> List.of(RAWJDBC);
            case "both" -> List.of(FACTA, RAWJDBC);
            default -> throw new InvalidInputException("impl", "--impl must be facta, rawjdbc or both, got '" + choice + "'");
        };
    }
}
