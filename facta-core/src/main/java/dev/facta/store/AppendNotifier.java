package dev.facta.store;

/**
 * A store that can tell, within this process, that new events were committed, so subscribers
 * wake at once instead of polling. A listener must return quickly; it is told after the commit,
 * on the committing thread, and may be told more often than there are appends.
 */
public interface AppendNotifier {

    /** Registers a listener; closing the returned handle removes it. */
    AutoCloseable onAppend(Runnable listener);
}
