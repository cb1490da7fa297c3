package dev.facta.query;

/** Answers one query type. */
@FunctionalInterface
public interface QueryHandler<Q, R> {
    R handle(Q query) throws Exception;
}
