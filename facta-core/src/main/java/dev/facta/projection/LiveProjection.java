package dev.facta.projection;

import dev.facta.InvalidInputException;
import dev.facta.store.AllSlice;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;

import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * A projection computed on demand and never stored: a fold of events into a value, run over the global
 * log, one stream, or the log as it was at an earlier position (time travel). For questions asked
 * rarely or over little data, where keeping a read model up to date is not worth it.
 *
 * <p>Instances are immutable and may be shared; {@code initial} is handed to every run, so it should
 * be immutable too, with {@code fold} returning new values. Reads go page by page, so a run holds one
 * page of events at a time.
 *
 * @param <S> the computed value
 */
public final class LiveProjection<S> {
    private static final int PAGE = EventStore.MAX_READ;

    private final S initial;
    private final BiFunction<S, RecordedEvent, S> fold;
    private final EventFilter filter;

    private LiveProjection(S initial, BiFunction<S, RecordedEvent, S> fold, EventFilter filter) {
        this.initial = initial;
        this.fold = Objects.requireNonNull(fold, "fold");
        this.filter = Objects.requireNonNull(filter, "filter");
    }

    /** A live projection starting from {@code initial} and folding every event with {@code fold}. */
    public static <S> LiveProjection<S> of(S initial, BiFunction<S, RecordedEvent, S> fold) {
        return new LiveProjection<>(initial, fold, EventFilter.all());
    }

    /** The same projection, folding only the events that pass {@code filter}. */
    public LiveProjection<S> filter(EventFilter filter) {
        return new LiveProjection<>(initial, fold, filter);
    }

    /** Folds the global log from the beginning up to its head at the time of the call. */
    public S run(EventStore events) {
        return fold(events, events.headPosition());
    }

    /**
     * Folds the global log from the beginning up to {@code position} inclusive: the value as it was
     * when that event was recorded. A position beyond the head folds up to the head at the time of the
     * call.
     *
     * @throws InvalidInputException {@code position} is negative
     */
    public S runUntil(EventStore events, long position) {
        if (position < 0) throw new InvalidInputException("position", "a position is >= 0: " + position);
        return fold(events, Math.min(position, events.headPosition()));
    }

    /**
     * Folds the events of one stream (those its metadata leaves visible), oldest first.
     *
     * @throws dev.facta.store.StreamNotFoundException the stream has no events
     * @throws dev.facta.store.StreamDeletedException  the stream was deleted
     */
    public S runStream(EventStore events, StreamId stream) {
        return runStreamUntil(events, stream, Long.MAX_VALUE);
    }

    /**
     * Folds the events of one stream up to {@code version} inclusive: the stream's value as of that version.
     *
     * @throws InvalidInputException                   {@code version} is negative
     * @throws dev.facta.store.StreamNotFoundException the stream has no events
     * @throws dev.facta.store.StreamDeletedException  the stream was deleted
     */
    public S runStreamUntil(EventStore events, StreamId stream, long version) {
        Objects.requireNonNull(stream, "stream");
        if (version < 0) throw new InvalidInputException("version", "a stream version is >= 0: " + version);
        S state = initial;
        long from = 0;
        while (true) {
            List<RecordedEvent> page = events.readStream(stream, from, PAGE, ReadDirection.FORWARD);
            for (RecordedEvent e : page) {
                if (e.version() > version) return state;
                if (filter.test(e)) state = fold.apply(state, e);
            }
            if (page.size() < PAGE) return state;
            from = page.getLast().version() + 1;
        }
    }

    private S fold(EventStore events, long upTo) {
        S state = initial;
        long from = 1;
        while (from <= upTo) {
            AllSlice slice = events.readAll(from, PAGE, filter);
            for (RecordedEvent e : slice.events()) {
                if (e.position() > upTo) return state;
                state = fold.apply(state, e);
            }
            if (slice.endOfLog()) break;
            from = slice.next();
        }
        return state;
    }
}
