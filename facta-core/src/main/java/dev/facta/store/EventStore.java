package dev.facta.store;

import java.util.List;
import java.util.Optional;

/**
 * An append-only store of event streams with a gap-free global log.
 *
 * <p>Every implementation keeps the same promises, checked by one shared contract suite:
 * of concurrent appends at the same expected version exactly one wins; a batch is written
 * whole or not at all; re-sending events whose ids were already written at the same expected
 * version succeeds without writing them twice; every committed event gets a position, positions
 * are dense and strictly increasing, and a reader of the global log never skips a committed
 * event; bad input is refused whole with a typed error.
 *
 * <p>Implementations are safe for use by many threads.
 */
public interface EventStore extends AutoCloseable {

    /** Largest page a single read returns; larger requests are capped. */
    int MAX_READ = 10_000;

    /**
     * Appends events to a stream, all or nothing.
     *
     * @throws WrongExpectedVersionException the stream is not at the expected version
     * @throws StreamDeletedException        the stream was deleted
     * @throws dev.facta.InvalidInputException the batch is empty or an event is malformed or too large
     */
    AppendResult append(StreamId stream, ExpectedVersion expected, List<EventData> events);

    default AppendResult append(StreamId stream, ExpectedVersion expected, EventData... events) {
        return append(stream, expected, List.of(events));
    }

    /**
     * Reads up to {@code maxCount} events of a stream starting at {@code fromVersion}: upwards
     * when reading forward, downwards when reading backward ({@code Long.MAX_VALUE} means the end).
     * Events hidden by the stream's {@link StreamMetadata} are left out.
     *
     * @throws StreamNotFoundException the stream has no events
     * @throws StreamDeletedException  the stream was deleted
     */
    List<RecordedEvent> readStream(StreamId stream, long fromVersion, int maxCount, ReadDirection direction);

    /** All visible events of a stream, oldest first. */
    default List<RecordedEvent> readStream(StreamId stream) {
        List<RecordedEvent> all = new java.util.ArrayList<>();
        long from = 0;
        while (true) {
            List<RecordedEvent> page = readStream(stream, from, MAX_READ, ReadDirection.FORWARD);
            all.addAll(page);
            if (page.size() < MAX_READ) {
                return all;
            }
            from = page.getLast().version() + 1;
        }
    }

    /** The last {@code maxCount} visible events of a stream, newest first. */
    default List<RecordedEvent> readStreamBackward(StreamId stream, int maxCount) {
        return readStream(stream, Long.MAX_VALUE, maxCount, ReadDirection.BACKWARD);
    }

    /**
     * Reads the global log from {@code fromPosition} (inclusive; positions start at 1) in
     * ascending order, returning up to {@code maxCount} events that pass the filter.
     */
    AllSlice readAll(long fromPosition, int maxCount, EventFilter filter);

    default AllSlice readAll(long fromPosition, int maxCount) {
        return readAll(fromPosition, maxCount, EventFilter.all());
    }

    /** The position of the last committed event, 0 when the store is empty. */
    long headPosition();

    /** The stream's state, or empty when it has never had an event nor metadata. */
    Optional<StreamInfo> streamInfo(StreamId stream);

    /** Streams in name order, starting after {@code afterStream} (null: from the first). */
    List<StreamInfo> listStreams(String afterStream, int limit);

    /**
     * Soft-deletes a stream: reading it by name or appending to it fails with
     * {@link StreamDeletedException} from now on. Its events stay in the global log.
     *
     * @throws StreamNotFoundException the stream has no events
     */
    void deleteStream(StreamId stream, ExpectedVersion expected);

    /** Replaces the stream's settings; they apply to reads from now on. */
    void setStreamMetadata(StreamId stream, StreamMetadata metadata);

    default StreamMetadata streamMetadata(StreamId stream) {
        return streamInfo(stream).map(StreamInfo::metadata).orElse(StreamMetadata.none());
    }

    /** A one-line description for diagnostics: kind and location, never credentials. */
    String describe();

    @Override
    void close();
}
