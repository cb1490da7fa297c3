package dev.facta.outbox;

import java.util.List;
import java.util.Optional;

/**
 * What an operator's {@link OutboxRelay#retryParked} or {@link OutboxRelay#discardParked} did to a
 * stream's parked messages.
 *
 * @param stream    the stream
 * @param delivered how many of its parked messages were published now, in order
 * @param discarded the poison message dropped without publishing ({@code discardParked} only)
 * @param remaining what is still parked, in order: empty when the stream flows again; otherwise its
 *                  first entry is the new poison message, with the refusal that stopped the release
 */
public record ReleaseResult(String stream, int delivered, Optional<ParkedMessage> discarded, List<ParkedMessage> remaining) {
    public ReleaseResult {
        remaining = List.copyOf(remaining);
    }

    /** Whether the stream is unblocked: nothing of it is parked any more. */
    public boolean released() {
        return remaining.isEmpty();
    }
}
