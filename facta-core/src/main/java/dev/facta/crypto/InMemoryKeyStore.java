package dev.facta.crypto;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** Data keys in this process's memory: for tests and for the in-memory event store. */
public final class InMemoryKeyStore implements KeyStore {
    private final ConcurrentSkipListMap<String, WrappedKey> keys = new ConcurrentSkipListMap<>();

    @Override
    public WrappedKey createOrGet(WrappedKey candidate) {
        Objects.requireNonNull(candidate, "candidate");
        WrappedKey existing = keys.putIfAbsent(candidate.subject(), candidate);
        return existing == null ? candidate : existing;
    }

    @Override
    public Optional<WrappedKey> get(String subject) {
        return Optional.ofNullable(keys.get(subject));
    }

    @Override
    public boolean destroy(String subject) {
        return keys.remove(subject) != null;
    }

    @Override
    public List<String> subjects(String afterSubject, int limit) {
        var view = afterSubject == null ? keys : keys.tailMap(afterSubject, false);
        return view.keySet().stream().limit(Math.max(0, limit)).toList();
    }

    @Override
    public String describe() {
        return "in-memory key store (" + keys.size() + " keys)";
    }
}
