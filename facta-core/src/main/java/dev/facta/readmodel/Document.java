package dev.facta.readmodel;

/** A stored document with its id and revision (1 for a new document, +1 on every write). */
public record Document<T>(String id, long revision, T value) {
}
