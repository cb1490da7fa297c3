package dev.facta.examples.home.api;

import dev.facta.runtime.ServiceKey;

import java.util.List;

/** What the system logger offers: the latest log lines, oldest first, and a way to add one. */
public interface LogService {
    ServiceKey<LogService> KEY = ServiceKey.of("logger", LogService.class);

    List<String> recent(int limit);

    void log(String source, String message);
}
