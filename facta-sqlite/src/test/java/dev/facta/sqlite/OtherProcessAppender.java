package dev.facta.sqlite;

import dev.facta.store.EventData;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.StreamId;

import java.nio.file.Path;
import java.util.List;

/**
 * Run in a second JVM by {@link SqliteEventStoreTest}: appends {@code count} two-event batches
 * to the streams the test process writes too, so the two processes contend for the same file.
 * Prints {@code ready} once the store is open and starts when it reads a line.
 */
public final class OtherProcessAppender {
    private OtherProcessAppender() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        try (SqliteEventStore store = SqliteEventStore.open(file)) {
            // start together with the test process, not while it waits for this JVM to boot
            System.out.println("ready");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
            for (int i = 0; i < count; i++) {
                store.append(StreamId.of("shared-" + i % 3), ExpectedVersion.any(), List.of(
                        EventData.of("FromOtherProcess", "{\"i\":" + i + "}"),
                        EventData.of("FromOtherProcess", "{\"i\":" + i + ",\"second\":true}")));
                // SQLite's busy handler is not fair: a process that never lets go of the write
                // lock can keep a waiting one asleep. Pausing between appends, as real writers do,
                // lets both processes take turns, which is what this test is about.
                Thread.sleep(1);
            }
        }
    }
}
