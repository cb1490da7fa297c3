package dev.facta.sqlite;

import dev.facta.projection.OnFailure;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionOptions;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a second JVM by {@link SqliteProjectionCrashTest}: runs a projection engine with a
 * {@link StreamCounter} over the file until it is killed. Arguments: file, instance id, segments,
 * milliseconds to sleep per event. Prints {@code ready} once the engine has started.
 */
public final class OtherProcessProjector {
    private OtherProcessProjector() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String instance = args[1];
        int segments = Integer.parseInt(args[2]);
        long sleep = Long.parseLong(args[3]);
        SqliteEventStore events = SqliteEventStore.open(file);
        ProjectionEngine engine = ProjectionEngine.builder(events, SqliteProjectionStore.on(events))
                .instanceId(instance).pollInterval(Duration.ofMillis(20)).leaseTtl(SqliteProjectionCrashTest.LEASE)
                .register(new StreamCounter(sleep), ProjectionOptions.builder().segments(segments).batchSize(20)
                        .onFailure(OnFailure.STOP).maxAttempts(1).build())
                .build().start();
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(5)); // until killed
        engine.close();
        events.close();
    }
}
