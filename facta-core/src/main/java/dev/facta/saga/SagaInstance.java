package dev.facta.saga;

import java.time.Instant;

/**
 * One instance of a process manager or a saga as stored, for operators and tests.
 *
 * @param name      the process manager's or saga's name
 * @param id        the instance id (its association key)
 * @param status    where it stands
 * @param revision  the number of committed writes of the instance (1 once created)
 * @param state     the state (process manager) or data (saga), decoded with its codec
 * @param step      sagas: the index of the step running or being compensated; -1 for process managers
 * @param stepName  sagas: that step's name; null for process managers and finished sagas
 * @param attempts  sagas: failed attempts of the current step or compensation
 * @param lastError the last failure recorded, or null
 * @param createdAt when it was created (runtime clock)
 * @param updatedAt when it last changed
 * @param endedAt   when it reached a final status, or null
 * @param dueAt     sagas: when its next step or attempt is due, or null when none is
 */
public record SagaInstance<S>(String name, String id, SagaStatus status, long revision, S state, int step,
                              String stepName, int attempts, String lastError, Instant createdAt, Instant updatedAt,
                              Instant endedAt, Instant dueAt) {
}
