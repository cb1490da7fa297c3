package dev.facta.command;

/**
 * Turns a command's result into text and back, for idempotency stores that keep results outside
 * the process. Decoding must only ever create the types the application expects (facta-jackson's
 * codec maps registered types by name; nothing is instantiated from a class name in the data).
 */
public interface ResultCodec {
    String encode(Object result);

    Object decode(String encoded);

    /** Results that are null, strings, numbers or booleans, kept as JSON-ish text. */
    static ResultCodec scalars() {
        return new ResultCodec() {
            @Override
            public String encode(Object r) {
                return switch (r) {
                    case null -> "n:";
                    case String s -> "s:" + s;
                    case Long l -> "l:" + l;
                    case Integer i -> "i:" + i;
                    case Boolean b -> "b:" + b;
                    case java.util.UUID u -> "u:" + u;
                    default -> throw new IllegalArgumentException("scalars() cannot keep a " + r.getClass().getName()
                            + " result; use a codec that knows it (facta-jackson)");
                };
            }

            @Override
            public Object decode(String e) {
                String v = e.substring(2);
                return switch (e.charAt(0)) {
                    case 'n' -> null;
                    case 's' -> v;
                    case 'l' -> Long.parseLong(v);
                    case 'i' -> Integer.parseInt(v);
                    case 'b' -> Boolean.parseBoolean(v);
                    case 'u' -> java.util.UUID.fromString(v);
                    default -> throw new IllegalArgumentException("not a scalars() result: " + e);
                };
            }
        };
    }
}
