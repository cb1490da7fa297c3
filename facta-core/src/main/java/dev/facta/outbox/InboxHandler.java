package dev.facta.outbox;

/** Handles a message that an {@link Inbox} has not seen before. Throwing rolls its effect and the mark back. */
@FunctionalInterface
public interface InboxHandler {
    void handle(InboxMessage message, InboxContext context) throws Exception;
}
