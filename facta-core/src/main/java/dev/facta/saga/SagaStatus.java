package dev.facta.saga;

/**
 * Where an instance of a process manager or a saga stands.
 *
 * <p>Process managers: {@link #ACTIVE} until a transition calls {@link ProcessContext#end()}, then
 * {@link #ENDED}. Sagas: {@link #RUNNING} through their steps to {@link #COMPLETED}; when a step
 * fails for good, {@link #COMPENSATING} the completed steps in reverse to {@link #COMPENSATED}; when
 * a compensation fails for good, {@link #COMPENSATION_FAILED}, where the saga waits for an operator
 * ({@link SagaRuntime#retry}).
 */
public enum SagaStatus {
    /** A process manager instance that handles events. */
    ACTIVE,
    /** A process manager instance that ended: later events and deadlines change nothing. */
    ENDED,
    /** A saga running its steps forward. */
    RUNNING,
    /** A saga undoing its completed steps in reverse. */
    COMPENSATING,
    /** A saga whose steps all succeeded. */
    COMPLETED,
    /** A saga whose completed steps were all compensated after a step failed. */
    COMPENSATED,
    /** A saga whose compensation kept failing: nothing runs until an operator retries it. */
    COMPENSATION_FAILED;

    /** Whether nothing more will ever happen to the instance. */
    public boolean isFinal() {
        return this == ENDED || this == COMPLETED || this == COMPENSATED;
    }
}
