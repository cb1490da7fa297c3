package dev.facta.saga;

import java.time.Instant;

/**
 * A deadline of a process manager instance: a named moment at which the instance gets an input of
 * its own ({@link ProcessManager.Builder#onDeadline}) unless it was cancelled, rescheduled or the
 * instance ended first. One deadline per name per instance: scheduling a name again moves it.
 *
 * @param process    the process manager's name
 * @param instanceId the instance it belongs to
 * @param name       the deadline's name, as declared with {@code onDeadline}
 * @param dueAt      when it fires (by the runtime's clock)
 */
public record Deadline(String process, String instanceId, String name, Instant dueAt) {
}
