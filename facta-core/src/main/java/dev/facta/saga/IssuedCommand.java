package dev.facta.saga;

import dev.facta.store.Metadata;

import java.time.Instant;

/**
 * A command a process manager issued that is still in the runtime's outbox: waiting to be
 * dispatched ({@link Status#PENDING}, possibly after failed attempts) or given up on after its
 * last attempt ({@link Status#FAILED}, until an operator retries it). A command leaves the outbox
 * once the command bus accepted it.
 *
 * @param process        the process manager's name
 * @param instanceId     the instance that issued it
 * @param sequence       its number among the commands the instance issued (from 0): the order of dispatch
 * @param idempotencyKey the key it is dispatched with, {@code <process>:<instance>:<cause>:<index>}
 * @param type           its type name ({@link CommandCodec})
 * @param json           its encoded form
 * @param command        the decoded command, or null when the codec cannot decode it
 * @param metadata       the metadata it is dispatched with
 * @param status         pending or failed
 * @param attempts       dispatch attempts that failed so far
 * @param lastError      the last failure, or null
 * @param issuedAt       when the transition that issued it committed (runtime clock)
 * @param dueAt          when the next attempt is due (null once failed)
 */
public record IssuedCommand(String process, String instanceId, long sequence, String idempotencyKey, String type,
                            String json, Object command, Metadata metadata, Status status, int attempts,
                            String lastError, Instant issuedAt, Instant dueAt) {

    /** Whether the command still waits for dispatch or was given up on. */
    public enum Status { PENDING, FAILED }
}
