package dev.facta.bench;

import dev.facta.FactaException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Drives a {@link Shape} against a {@link Subject} with one platform thread per writer and
 * times it: the whole load from the start signal to the last writer's end, and every append.
 * Event payloads are made before each append is timed, identically for every implementation.
 */
final class AppendLoad {

    /** Elapsed nanoseconds of the whole load, and of each committed append (unsorted). */
    record Timing(long events, long nanos, long[] appendNanos) {
    }

    private AppendLoad() {
    }

    /**
     * @param rollbacks when true, one append transaction in ten is rolled back (each writer rolls
     *                  back an extra copy of every tenth append before doing it for real), so
     *                  the committed events are the same as without rollbacks
     */
    static Timing run(Shape shape, Subject subject, boolean rollbacks) throws Exception {
        int writers = shape.writers();
        List<Subject.Writer> opened = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                opened.add(subject.newWriter());
            }
            long[][] latencies = new long[writers][];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                Thread t = Thread.ofPlatform().name("bench-writer-" + w).start(() -> {
                    try {
                        start.await();
                        latencies[writer] = drive(shape, writer, opened.get(writer), rollbacks, failure);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(t);
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            long elapsed = System.nanoTime() - t0;
            Throwable error = failure.get();
            if (error != null) {
                throw new FactaException("a benchmark writer failed: " + error, error);
            }
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).toArray();
            return new Timing(shape.events(), elapsed, all);
        } finally {
            for (Subject.Writer w : opened) {
                w.close();
            }
        }
    }

    private static long[] drive(Shape shape, int writer, Subject.Writer out, boolean rollbacks,
                                AtomicReference<Throwable> failure) throws Exception {
        int writers = shape.writers();
        int mine = (shape.streams() - writer + writers - 1) / writers;
        long[] lastVersion = new long[mine];
        Arrays.fill(lastVersion, -1);
        long[] latencies = new long[mine * shape.appendsPerStream()];
        int n = 0;
        long attempt = 0;
        for (int round = 0; round < shape.appendsPerStream(); round++) {
            for (int k = 0; k < mine; k++) {
                if (failure.get() != null) return Arrays.copyOf(latencies, n);
                String stream = Workload.streamName(writer + k * writers);
                if (rollbacks && attempt % 10 == 9) {
                    out.appendRolledBack(stream, lastVersion[k], Workload.events(stream, round, shape.eventsPerAppend()));
                    attempt++;
                }
                List<BenchEvent> events = Workload.events(stream, round, shape.eventsPerAppend());
                long t0 = System.nanoTime();
                long version = out.append(stream, lastVersion[k], events);
                latencies[n++] = System.nanoTime() - t0;
                attempt++;
                long expected = lastVersion[k] + events.size();
                if (version != expected) {
                    throw new IllegalStateException("append to " + stream + " returned version " + version + ", expected " + expected);
                }
                lastVersion[k] = version;
            }
        }
        return latencies;
    }

    /** The p-th percentile (nearest rank) of the latencies, in milliseconds; sorts the array. */
    static double percentileMillis(long[] nanos, double p) {
        if (nanos.length == 0) return 0;
        Arrays.sort(nanos);
        int rank = (int) Math.ceil(p / 100.0 * nanos.length);
        return nanos[Math.max(0, Math.min(nanos.length - 1, rank - 1))] / 1_000_000.0;
    }
}
