package dev.facta.cli;

import dev.facta.FactaException;
import dev.facta.InvalidInputException;
import dev.facta.store.AllSlice;
import dev.facta.store.AppendResult;
import dev.facta.store.EventData;
import dev.facta.store.EventFilter;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.Metadata;
import dev.facta.store.ReadDirection;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.StreamInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

@Command(name = "stream",
        description = "List, show, append to and export event streams.",
        subcommands = {StreamCommand.ListStreams.class, StreamCommand.Show.class, StreamCommand.Append.class,
                StreamCommand.Export.class})
final class StreamCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: list, show, append or export");
    }

    @Command(name = "list", description = "List the streams in name order with their last version.")
    static final class ListStreams implements Callable<Integer> {
        private static final int PAGE = 1000;

        @Mixin
        StoreOption store;

        @Option(names = "--limit", paramLabel = "N", description = "List at most N streams (default: all).")
        Integer limit;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit != null && limit < 1) {
                throw new InvalidInputException("limit", "--limit must be at least 1, got " + limit);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (EventStore es = Stores.openForRead(store.url)) {
                String after = null;
                long shown = 0;
                boolean header = false;
                while (limit == null || shown < limit) {
                    int want = limit == null ? PAGE : (int) Math.min(PAGE, limit - shown);
                    List<StreamInfo> page = es.listStreams(after, want);
                    for (StreamInfo info : page) {
                        if (!header) {
                            out.printf("%-40s %12s  %s%n", "STREAM", "LAST VERSION", "DELETED");
                            header = true;
                        }
                        out.printf("%-40s %12s  %s%n", info.stream().value(),
                                info.hasEvents() ? Long.toString(info.lastVersion()) : "-", info.deleted() ? "yes" : "no");
                        shown++;
                    }
                    if (page.size() < want) break;
                    after = page.getLast().stream().value();
                }
                if (shown == 0) out.println("no streams in " + es.describe());
            }
            return Main.OK;
        }
    }

    @Command(name = "show", description = "Print a stream's events: version, position, type, time, data, metadata.")
    static final class Show implements Callable<Integer> {
        @Mixin
        StoreOption store;

        @Parameters(index = "0", paramLabel = "STREAM", description = "The stream, e.g. order-123.")
        String stream;

        @Option(names = "--from", paramLabel = "VERSION",
                description = "First version to show (default: 0, or the last version with --backward).")
        Long from;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Show at most N events (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--backward", description = "Newest first.")
        boolean backward;

        @Option(names = "--json", description = "One JSON object per event, as 'stream export' writes them.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            StreamId id = StreamId.of(stream);
            if (limit < 1 || limit > EventStore.MAX_READ) {
                throw new InvalidInputException("limit", "--limit must be 1.." + EventStore.MAX_READ + ", got " + limit);
            }
            if (from != null && from < 0) {
                throw new InvalidInputException("from", "--from must be a version >= 0, got " + from);
            }
            long start = from != null ? from : backward ? Long.MAX_VALUE : 0;
            PrintWriter out = spec.commandLine().getOut();
            try (EventStore es = Stores.openForRead(store.url)) {
                List<RecordedEvent> events = es.readStream(id, start, limit,
                        backward ? ReadDirection.BACKWARD : ReadDirection.FORWARD);
                if (json) {
                    for (RecordedEvent e : events) out.println(EventJson.line(e));
                    return Main.OK;
                }
                long last = es.streamInfo(id).map(StreamInfo::lastVersion).orElse(-1L);
                out.printf("%s: %d event%s shown, last version %d%n", id, events.size(), events.size() == 1 ? "" : "s", last);
                for (RecordedEvent e : events) {
                    out.printf("%n  version %d  position %d  %s  %s%n", e.version(), e.position(), e.type(), e.recordedAt());
                    out.println("    data:     " + EventJson.data(e));
                    out.println("    metadata: " + EventJson.metadata(e.metadata()));
                }
            }
            return Main.OK;
        }
    }

    @Command(name = "append", description = "Append one event to a stream and print the next expected version and its position.")
    static final class Append implements Callable<Integer> {
        @Mixin
        StoreOption store;

        @Parameters(index = "0", paramLabel = "STREAM", description = "The stream, e.g. order-123.")
        String stream;

        @Option(names = "--type", required = true, paramLabel = "TYPE", description = "Event type, e.g. OrderPlaced.")
        String type;

        @Option(names = "--data", required = true, paramLabel = "JSON", description = "Event data as JSON.")
        String data;

        @Option(names = "--metadata", paramLabel = "JSON",
                description = "Metadata as a flat JSON object, e.g. '{\"correlationId\":\"c-1\",\"causationId\":\"m-7\"}'.")
        String metadata;

        @Option(names = "--expected-version", paramLabel = "V", defaultValue = "any",
                description = "any, no_stream, stream_exists or the stream's current last version (default: ${DEFAULT-VALUE}).")
        String expectedVersion;

        @Option(names = "--id", paramLabel = "UUID", description = "Event id, for idempotent retries (default: a new UUIDv7).")
        UUID id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            // Everything is checked before the store is opened, so bad input never creates or touches it.
            StreamId streamId = StreamId.of(stream);
            ExpectedVersion expected = ExpectedVersion.parse(expectedVersion);
            if (type.isBlank()) throw new InvalidInputException("type", "--type must not be blank");
            EventJson.parse(data, "--data");
            String json = data.strip();
            Metadata meta = metadata == null ? Metadata.empty() : EventJson.metadata(metadata, "--metadata");
            try (EventStore es = Stores.openForWrite(store.url)) {
                AppendResult r = es.append(streamId, expected, List.of(EventData.of(id, type, json, meta)));
                spec.commandLine().getOut().printf("%s: nextExpectedVersion=%d position=%d%n",
                        streamId, r.nextExpectedVersion(), r.position());
            }
            return Main.OK;
        }
    }

    @Command(name = "export", description = "Write events as JSON lines: one stream, or the whole global log in position order.")
    static final class Export implements Callable<Integer> {
        private static final int PAGE = 1000;

        @Mixin
        StoreOption store;

        @Parameters(index = "0", arity = "0..1", paramLabel = "STREAM", description = "The stream (default: the whole global log).")
        String stream;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
        Path output;

        @Option(names = "--category", paramLabel = "NAME", split = ",",
                description = "Global log only: just these stream categories (e.g. order).")
        Set<String> categories;

        @Option(names = "--event-type", paramLabel = "TYPE", split = ",", description = "Global log only: just these event types.")
        Set<String> types;

        @Mixin
        ProgressOption progress;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            StreamId id = stream == null ? null : StreamId.of(stream);
            if (id != null && (categories != null || types != null)) {
                throw new InvalidInputException("category", "--category and --event-type filter the global log; leave out the stream");
            }
            EventFilter filter = new EventFilter(categories, types);
            boolean bar = progress.enabled(output == null);
            try (EventStore es = Stores.openForRead(store.url)) {
                if (output == null) {
                    PrintWriter out = spec.commandLine().getOut();
                    try (Progress p = progress(es, id, filter, bar)) {
                        export(es, id, filter, out, p);
                    }
                    out.flush();
                    return Main.OK;
                }
                // Written beside the target and moved into place, so a failed export leaves no half file.
                Path target = output.toAbsolutePath();
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
                try {
                    long n;
                    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                         Progress p = progress(es, id, filter, bar)) {
                        n = export(es, id, filter, w, p);
                    }
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    spec.commandLine().getErr().printf("exported %d event%s to %s%n", n, n == 1 ? "" : "s", output);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return Main.OK;
        }

        /**
         * The bar of an export: one stream's versions against its last version, or the global log's
         * positions against its head when the export started (events appended later are exported too;
         * the bar then ends at 100%).
         */
        private Progress progress(EventStore es, StreamId id, EventFilter filter, boolean enabled) {
            PrintWriter err = spec.commandLine().getErr();
            if (!enabled) return new Progress(err, false, "export", 0, "events");
            if (id != null) {
                long total = es.streamInfo(id).filter(StreamInfo::hasEvents).map(i -> i.lastVersion() + 1).orElse(0L);
                return new Progress(err, true, "export " + id, total, "events");
            }
            boolean filtered = !filter.isAll();
            return new Progress(err, true, "export", es.headPosition(), filtered ? "positions" : "events");
        }

        private static long export(EventStore es, StreamId id, EventFilter filter, Writer out, Progress progress) throws IOException {
            long n = 0;
            if (id != null) {
                long from = 0;
                while (true) {
                    List<RecordedEvent> page = es.readStream(id, from, PAGE, ReadDirection.FORWARD);
                    for (RecordedEvent e : page) {
                        out.write(EventJson.line(e));
                        out.write('\n');
                        n++;
                    }
                    if (!page.isEmpty()) progress.update(page.getLast().version() + 1);
                    if (page.size() < PAGE) return n;
                    from = page.getLast().version() + 1;
                }
            }
            boolean filtered = !filter.isAll();
            long from = 1;
            while (true) {
                AllSlice slice = es.readAll(from, PAGE, filter);
                for (RecordedEvent e : slice.events()) {
                    out.write(EventJson.line(e));
                    out.write('\n');
                    n++;
                }
                if (filtered) progress.detail(Progress.count(n) + " events written");
                if (slice.next() - 1 > progress.done()) progress.update(slice.next() - 1);
                if (slice.endOfLog()) return n;
                if (slice.next() <= from) {
                    throw new FactaException("the store's global log did not move past position " + from);
                }
                from = slice.next();
            }
        }
    }
}
