package dev.facta.runtime.state;

import dev.facta.InvalidInputException;
import dev.facta.runtime.internal.JsonCodec;
import dev.facta.runtime.storage.ScanPage;
import dev.facta.runtime.storage.Storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Entity state in memory, written through to storage (keys {@code state/<entity id>}) before a
 * change is visible or announced, and read back from storage when the engine is created, so a
 * restarted plugin or runtime finds its entities as they were. Changes are serialised: listeners
 * see them one at a time, in version order per entity. A change that leaves the attributes as
 * they were is no change: no version, no event.
 */
public final class StateEngine {
    private static final String PREFIX = "state/";

    private final Storage storage;
    private final Map<String, EntityState> entities = new ConcurrentSkipListMap<>();
    private final List<Consumer<StateChange>> listeners = new CopyOnWriteArrayList<>();

    /** Restores every entity kept in the storage. */
    public StateEngine(Storage storage) {
        this.storage = Objects.requireNonNull(storage, "storage");
        for (ScanPage.Entry e : storage.scanAll(PREFIX)) {
            Map<String, Object> stored = JsonCodec.readObject(e.value(), e.key());
            @SuppressWarnings("unchecked")
            Map<String, Object> attributes = (Map<String, Object>) stored.get("attributes");
            String id = e.key().substring(PREFIX.length());
            entities.put(id, new EntityState(id, ((Number) stored.get("version")).longValue(),
                    Instant.parse((String) stored.get("updatedAt")), attributes));
        }
    }

    /** Told of every change after it is stored; a listener that throws does not undo it. */
    public void onChange(Consumer<StateChange> listener) {
        listeners.add(listener);
    }

    public Optional<EntityState> get(String id) {
        return Optional.ofNullable(entities.get(id));
    }

    /** Every entity, ordered by id. */
    public Collection<EntityState> all() {
        return List.copyOf(entities.values());
    }

    /**
     * Merges the attributes into the entity's (creating it when new); an attribute set to null is
     * removed. Returns the state after the change.
     */
    public synchronized EntityState update(String id, Map<String, Object> changes) {
        checkId(id);
        if (changes == null) throw new InvalidInputException("attributes", "attributes must not be null");
        EntityState before = entities.get(id);
        Map<String, Object> merged = new LinkedHashMap<>(before == null ? Map.of() : before.attributes());
        for (var c : changes.entrySet()) {
            if (c.getValue() == null) merged.remove(c.getKey());
            else merged.put(c.getKey(), c.getValue());
        }
        return apply(id, before, merged);
    }

    /** Replaces the entity's attributes whole. */
    public synchronized EntityState replace(String id, Map<String, Object> attributes) {
        checkId(id);
        if (attributes == null) throw new InvalidInputException("attributes", "attributes must not be null");
        return apply(id, entities.get(id), new LinkedHashMap<>(attributes));
    }

    /** @return whether the entity existed */
    public synchronized boolean remove(String id) {
        checkId(id);
        EntityState before = entities.get(id);
        if (before == null) return false;
        storage.delete(PREFIX + id);
        entities.remove(id);
        announce(new StateChange(id, before, null));
        return true;
    }

    private EntityState apply(String id, EntityState before, Map<String, Object> attributes) {
        if (before != null && before.attributes().equals(attributes)) return before;
        EntityState after = new EntityState(id, before == null ? 1 : before.version() + 1, Instant.now(), attributes);
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("version", after.version());
        stored.put("updatedAt", after.updatedAt().toString());
        stored.put("attributes", after.attributes());
        storage.set(PREFIX + id, JsonCodec.write(stored)); // refuses attributes that are not JSON before anything changes
        entities.put(id, after);
        announce(new StateChange(id, before, after));
        return after;
    }

    private void announce(StateChange change) {
        List<RuntimeException> failures = new ArrayList<>();
        for (Consumer<StateChange> l : listeners) {
            try {
                l.accept(change);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            System.getLogger(StateEngine.class.getName()).log(System.Logger.Level.WARNING,
                    "state listener failed on " + change.entityId(), failures.getFirst());
        }
    }

    private static void checkId(String id) {
        if (id == null || id.isEmpty() || id.length() > 200 || id.chars().anyMatch(c -> c < 0x20)) {
            throw new InvalidInputException("entity", "entity id must be 1 to 200 characters without control characters: " + id);
        }
    }
}
