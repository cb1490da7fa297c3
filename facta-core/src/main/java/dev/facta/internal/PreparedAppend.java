package dev.facta.internal;

import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;

import java.util.List;

/** An append whose events all passed validation. */
public record PreparedAppend(StreamId stream, ExpectedVersion expected, List<PreparedEvent> events) {
}
