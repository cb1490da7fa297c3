package dev.facta.query;

/** Wraps every query handler call: it may observe the query and the answer, or answer itself. */
@FunctionalInterface
public interface QueryInterceptor {

    Object intercept(Object query, Next next) throws Exception;

    @FunctionalInterface
    interface Next {
        Object proceed(Object query) throws Exception;
    }
}
