package dev.facta.outbox;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A publisher in memory for relay tests: records every message it accepts, in order, and answers
 * each send with whatever the script says (accept, refuse, be unavailable).
 */
public final class ScriptedPublisher implements OutboxPublisher {
    /** What to answer to a message; null means accept. */
    private volatile Function<OutboxMessage, PublishException> script = m -> null;
    private final Queue<OutboxMessage> accepted = new ConcurrentLinkedQueue<>();
    private final Map<UUID, AtomicInteger> sends = new ConcurrentHashMap<>();

    public void script(Function<OutboxMessage, PublishException> script) {
        this.script = script;
    }

    @Override
    public CompletableFuture<Void> publish(OutboxMessage message) {
        sends.computeIfAbsent(message.id(), k -> new AtomicInteger()).incrementAndGet();
        PublishException refusal = script.apply(message);
        if (refusal != null) return CompletableFuture.failedFuture(refusal);
        accepted.add(message);
        return CompletableFuture.supplyAsync(() -> null);
    }

    @Override
    public String name() {
        return "scripted";
    }

    public List<OutboxMessage> accepted() {
        return List.copyOf(accepted);
    }

    /** How often the message was handed to the publisher (accepted or not). */
    public int sends(UUID id) {
        AtomicInteger n = sends.get(id);
        return n == null ? 0 : n.get();
    }
}
