package dev.facta.crypto;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;

import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The subjects' data keys: made on first use, wrapped by the {@link MasterKeyProvider} and kept in a
 * {@link KeyStore}, unwrapped on demand and cached for a short while ({@link Builder#cacheTtl},
 * default 30 seconds) so that reads do not call the key store or the key manager for every value.
 *
 * <p>{@link #destroy} deletes the subject's key and drops it from the cache of every {@code DataKeys}
 * of this process at once. Another process drops it when it reads the {@code SubjectForgotten} event
 * ({@link EncryptedEventStore} does so on every read path), and at the latest when its cache entry
 * expires: for at most the cache time after a forget, another process may still decrypt values it
 * reads.
 *
 * <p>A key store or key manager that cannot be reached fails the call with a {@link FactaException}:
 * only a destroyed key reads as masked, so an outage never passes for a forgotten subject.
 */
public final class DataKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** After a miss (no key, or another key id), how long before the key store is asked again. */
    private static final long RECHECK_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int MAX_CACHED = 100_000;

    /** Every instance of this process, so a destroy evicts everywhere; weak, so they may be collected. */
    private static final Set<DataKeys> INSTANCES = Collections.newSetFromMap(new WeakHashMap<>());
    /** Bumped by every destroy; a load that overlapped one does not cache what it read. */
    private static long destroyEpoch;

    private record Entry(DataKey key, long loadedAt) {
    }

    private final KeyStore store;
    private final MasterKeyProvider master;
    private final long ttlNanos;
    private final Clock clock;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    private DataKeys(Builder b) {
        this.store = b.store;
        this.master = b.master;
        this.ttlNanos = b.ttl.toNanos();
        this.clock = b.clock;
        synchronized (INSTANCES) {
            INSTANCES.add(this);
        }
    }

    public static Builder builder(KeyStore store, MasterKeyProvider master) {
        return new Builder(store, master);
    }

    public KeyStore keyStore() {
        return store;
    }

    public MasterKeyProvider masterKey() {
        return master;
    }

    /** The subject's key, made (and stored) when it has none. */
    public DataKey forEncryption(String subject) {
        checkSubject(subject);
        Entry e = cache.get(subject);
        if (e != null && e.key != null && System.nanoTime() - e.loadedAt < ttlNanos) return e.key;
        long epoch = epoch();
        Optional<WrappedKey> existing = store.get(subject);
        DataKey key;
        if (existing.isPresent()) {
            key = unwrap(existing.get());
        } else {
            byte[] raw = new byte[32];
            RANDOM.nextBytes(raw);
            byte[] id = new byte[12];
            RANDOM.nextBytes(id);
            String keyId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
            WrappedKey candidate = new WrappedKey(subject, keyId, master.id(), master.wrap(raw, context(subject, keyId)),
                    clock.instant());
            WrappedKey stored = store.createOrGet(candidate);
            key = stored.keyId().equals(keyId) ? new DataKey(subject, keyId, new SecretKeySpec(raw, "AES")) : unwrap(stored);
            Arrays.fill(raw, (byte) 0);
        }
        remember(subject, new Entry(key, System.nanoTime()), epoch);
        return key;
    }

    /**
     * The subject's key with this id, or empty when the subject has no such key (it was destroyed,
     * or replaced by a new one after a forget).
     */
    public Optional<DataKey> forDecryption(String subject, String keyId) {
        Entry e = cache.get(subject);
        long now = System.nanoTime();
        if (e != null) {
            long age = now - e.loadedAt;
            boolean match = e.key != null && e.key.keyId().equals(keyId);
            if (match && age < ttlNanos) return Optional.of(e.key);
            if (!match && age < RECHECK_NANOS) return Optional.empty();
        }
        long epoch = epoch();
        DataKey key = store.get(subject).map(this::unwrap).orElse(null);
        remember(subject, new Entry(key, System.nanoTime()), epoch);
        return key != null && key.keyId().equals(keyId) ? Optional.of(key) : Optional.empty();
    }

    /** The id of the subject's key as last looked up by this instance, without asking the key store. */
    Optional<String> cachedKeyId(String subject) {
        Entry e = cache.get(subject);
        return e == null || e.key == null ? Optional.empty() : Optional.of(e.key.keyId());
    }

    /**
     * Destroys the subject's key (crypto-shredding) and drops it from every cache of this process.
     * True when the subject had a key.
     */
    public boolean destroy(String subject) {
        checkSubject(subject);
        boolean had = store.destroy(subject);
        evictEverywhere(subject);
        return had;
    }

    /** Drops the subject's key from this instance's cache (e.g. on seeing another process's forget). */
    public void evict(String subject) {
        cache.remove(subject);
    }

    /** Drops the subject's key from the cache of every {@code DataKeys} of this process. */
    public static void evictEverywhere(String subject) {
        synchronized (INSTANCES) {
            destroyEpoch++;
            for (DataKeys k : INSTANCES) k.cache.remove(subject);
        }
    }

    private static long epoch() {
        synchronized (INSTANCES) {
            return destroyEpoch;
        }
    }

    private void remember(String subject, Entry entry, long epoch) {
        synchronized (INSTANCES) {
            if (epoch != destroyEpoch) return; // a destroy ran meanwhile: what was read may be stale
            if (cache.size() >= MAX_CACHED) cache.clear();
            cache.put(subject, entry);
        }
    }

    private DataKey unwrap(WrappedKey w) {
        if (!w.masterKey().equals(master.id())) {
            throw new FactaException("the data key of subject '" + w.subject() + "' was wrapped by master key "
                    + w.masterKey() + ", but this process has " + master.id());
        }
        byte[] raw = master.unwrap(w.wrapped(), context(w.subject(), w.keyId()));
        try {
            if (raw.length != 32) throw new FactaException("the data key of subject '" + w.subject() + "' is not 32 bytes");
            return new DataKey(w.subject(), w.keyId(), new SecretKeySpec(raw, "AES"));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    static byte[] context(String subject, String keyId) {
        return ("facta data key\u0000" + subject + "\u0000" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks a subject id: 1 to 256 characters, no control characters. */
    static void checkSubject(String subject) {
        if (subject == null || subject.isEmpty() || subject.length() > 256) {
            throw new InvalidInputException("subject", "a data subject is 1 to 256 characters, got "
                    + (subject == null ? "none" : subject.length()));
        }
        for (int i = 0; i < subject.length(); i++) {
            if (Character.isISOControl(subject.charAt(i))) {
                throw new InvalidInputException("subject", "a data subject must not contain control characters");
            }
        }
    }

    @Override
    public String toString() {
        return "DataKeys[" + store.describe() + ", master " + master.id() + "]";
    }

    /** Settings of {@link DataKeys}. */
    public static final class Builder {
        private final KeyStore store;
        private final MasterKeyProvider master;
        private Duration ttl = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(KeyStore store, MasterKeyProvider master) {
            this.store = Objects.requireNonNull(store, "store");
            this.master = Objects.requireNonNull(master, "master");
        }

        /**
         * How long an unwrapped key stays cached (default 30 s; zero turns the cache off). It bounds
         * how long another process may still decrypt after a forget it has not read yet.
         */
        public Builder cacheTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative()) throw new InvalidInputException("cacheTtl", "the cache time must be >= 0");
            this.ttl = ttl;
            return this;
        }

        /** The clock for the keys' creation times. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public DataKeys build() {
            return new DataKeys(this);
        }
    }
}
