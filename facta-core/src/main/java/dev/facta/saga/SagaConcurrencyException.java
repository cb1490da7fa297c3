package dev.facta.saga;

import dev.facta.FactaException;

/**
 * A write of an instance was refused because the instance changed since the copy being written was
 * read (its revision moved on): the write would have lost the other change. Nothing was written;
 * the work that read the stale copy is rolled back and tried again from the current state.
 */
public final class SagaConcurrencyException extends FactaException {
    private final String name;
    private final String instanceId;
    private final long expectedRevision;
    private final long actualRevision;

    public SagaConcurrencyException(String name, String instanceId, long expectedRevision, long actualRevision) {
        super("instance " + instanceId + " of " + name + " is at revision " + actualRevision
                + ", not " + expectedRevision + " as the copy being written; the write was refused");
        this.name = name;
        this.instanceId = instanceId;
        this.expectedRevision = expectedRevision;
        this.actualRevision = actualRevision;
    }

    public String name() {
        return name;
    }

    public String instanceId() {
        return instanceId;
    }

    public long expectedRevision() {
        return expectedRevision;
    }

    public long actualRevision() {
        return actualRevision;
    }
}
