package dev.facta.upcasting;

import dev.facta.store.RecordedEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The registered upcasters, keyed by (event type, revision), applied as a chain: an event is
 * upcast, and each result again, until no upcaster matches. A chain that does not raise the
 * revision would never end and is refused.
 */
public final class Upcasters {
    private static final int MAX_STEPS = 64;

    private final Map<String, Upcaster> byKey;

    private Upcasters(Map<String, Upcaster> byKey) {
        this.byKey = Map.copyOf(byKey);
    }

    public static Upcasters none() {
        return new Upcasters(Map.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final Map<String, Upcaster> byKey = new HashMap<>();

        public Builder register(Upcaster u) {
            String key = key(u.eventType(), u.fromRevision());
            if (byKey.putIfAbsent(key, u) != null) {
                throw new IllegalStateException("two upcasters for " + u.eventType() + " revision " + u.fromRevision());
            }
            return this;
        }

        public Upcasters build() {
            return new Upcasters(byKey);
        }
    }

    private static String key(String type, int revision) {
        return type + "\u0000" + revision;
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** The event as the current code expects it: itself, or what its upcasters made of it. */
    public List<RecordedEvent> apply(RecordedEvent event) {
        Upcaster u = byKey.get(key(event.type(), Revisions.of(event)));
        if (u == null) return List.of(event);
        List<RecordedEvent> out = new ArrayList<>();
        upcast(event, u, out, 0);
        return out;
    }

    private void upcast(RecordedEvent event, Upcaster u, List<RecordedEvent> out, int depth) {
        if (depth > MAX_STEPS) {
            throw new IllegalStateException("upcasting " + event.type() + " did not end after " + MAX_STEPS + " steps");
        }
        int from = Revisions.of(event);
        for (RecordedEvent next : u.upcast(event)) {
            if (next.type().equals(event.type()) && Revisions.of(next) <= from) {
                throw new IllegalStateException("an upcaster of " + event.type() + " revision " + from
                        + " returned the same type without a higher revision");
            }
            Upcaster again = byKey.get(key(next.type(), Revisions.of(next)));
            if (again == null) out.add(next);
            else upcast(next, again, out, depth + 1);
        }
    }

    public List<RecordedEvent> applyAll(List<RecordedEvent> events) {
        if (byKey.isEmpty()) return events;
        List<RecordedEvent> out = new ArrayList<>(events.size());
        for (RecordedEvent e : events) out.addAll(apply(e));
        return out;
    }
}
