package dev.facta.readmodel;

/**
 * Turns a read-model document into JSON text and back. The core has no JSON mapper;
 * {@code facta-jackson} provides one for records and classes, and {@link #json()} keeps documents
 * as raw JSON text.
 */
public interface DocumentCodec<T> {

    /** The document as one JSON object. */
    String encode(T document);

    T decode(String json);

    /** Documents that are already JSON text (one object each). */
    static DocumentCodec<String> json() {
        return new DocumentCodec<>() {
            @Override
            public String encode(String document) {
                return document;
            }

            @Override
            public String decode(String json) {
                return json;
            }
        };
    }
}
