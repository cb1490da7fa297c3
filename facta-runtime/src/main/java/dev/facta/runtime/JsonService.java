package dev.facta.runtime;

/**
 * A service taking a method name and a JSON argument and answering JSON: the type that needs no
 * shared classes, used by remote plugins and by plugins that want no shared API jar.
 */
@FunctionalInterface
public interface JsonService {
    String call(String method, String json) throws Exception;
}
