package dev.facta.runtime;

/** Whether a plugin works, with a short reason when it does not. */
public record Health(boolean healthy, String detail) {
    private static final Health UP = new Health(true, "");

    public Health {
        detail = detail == null ? "" : detail;
    }

    public static Health up() {
        return UP;
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
