package dev.mmsearch.server.remote;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.ingest.DocumentSource;
import dev.mmsearch.ingest.ErrorPolicy;
import dev.mmsearch.ingest.ErrorReport;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.IndexSummary;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.ingest.InputCheckpoint;
import dev.mmsearch.ingest.SourceDocument;
import dev.mmsearch.ingest.SourceError;
import dev.mmsearch.ingest.SourceRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * {@code mmsearch index --server}: reads a JSONL or CSV/TSV file with the local sources and pushes its documents
 * through a running server's bulk documents API, which embeds them with the collection's model.
 *
 * <ul>
 *   <li>Records go in chunks of at most {@link Options#chunkDocuments} documents and {@link Options#chunkBytes} bytes
 *       (under the server's body limit), a few chunks in flight at once ({@link Options#inFlight}); answers are
 *       handled in input order.</li>
 *   <li>Counts, progress, summary and error report are a local run's: a record the source cannot read (bad JSON, no
 *       id) is reported with its line as locally; a record the server refuses (its per-item answer) is reported
 *       with the line its position maps back to, and the server's message as the reason. A later record with an id
 *       seen before replaces it (it is never sent while a chunk holding that id is in flight, so the later one
 *       lands last) and counts as a duplicate.</li>
 *   <li>After every acknowledged chunk (all before it acknowledged too) a checkpoint file records the file's identity
 *       ({@link InputCheckpoint}) and the records covered; {@link Options#resume} skips them when the file is the
 *       same. Re-sending is safe anyway: documents are upserted by id.</li>
 *   <li>Under {@link ErrorPolicy#FAIL} the run stops at the first bad record, local or refused: the chunk holding a
 *       local bad record is not sent, and the checkpoint stays before the chunk holding the bad record.</li>
 * </ul>
 */
public final class RemoteIndexer {
    private static final Logger log = LoggerFactory.getLogger(RemoteIndexer.class);

    /**
     * @param chunkDocuments most documents per request
     * @param chunkBytes     most bytes per request body
     * @param inFlight       most requests in flight at once
     * @param errorPolicy    skip bad records or stop at the first
     * @param resume         skip the records a checkpoint of this same file covers
     */
    public record Options(int chunkDocuments, int chunkBytes, int inFlight, ErrorPolicy errorPolicy, boolean resume) {
        public static final int DEFAULT_CHUNK_DOCUMENTS = 256;
        public static final int DEFAULT_IN_FLIGHT = 3;

        public Options {
            if (chunkDocuments < 1 || chunkBytes < 1 || inFlight < 1) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "chunk size, chunk bytes and requests in"
                        + " flight must be positive, got " + chunkDocuments + ", " + chunkBytes + ", " + inFlight);
            }
            Objects.requireNonNull(errorPolicy, "errorPolicy");
        }

        public static Options defaults(ErrorPolicy policy, boolean resume) {
            return new Options(DEFAULT_CHUNK_DOCUMENTS, BulkSender.MAX_CHUNK_BYTES, DEFAULT_IN_FLIGHT, policy, resume);
        }

        public Options withChunkDocuments(int documents) {
            return new Options(documents, chunkBytes, inFlight, errorPolicy, resume);
        }
    }

    private RemoteIndexer() {
    }

    /**
     * The checkpoint file of pushes of any input into {@code collection} on {@code server}:
     * {@code DIR/push-checkpoints/HOST_PORT-COLLECTION.json}.
     */
    public static Path checkpointFile(Path dataDir, RemoteServer server, String collection) {
        java.net.URI uri = java.net.URI.create(server.url());
        String host = (uri.getHost() + "_" + (uri.getPort() < 0 ? uri.getScheme() : uri.getPort()))
                .replaceAll("[^A-Za-z0-9._-]", "_");
        return dataDir.resolve("push-checkpoints").resolve(host + "-" + collection + ".json");
    }

    /**
     * Pushes {@code input} into {@code collection} on {@code server} (which must exist: {@link RemoteCollections}).
     *
     * @param numericFields the collection's numeric fields (a CSV source reads those columns as numbers)
     * @param reportDir     where the error report goes when there are bad records
     * @param checkpoint    the checkpoint file ({@link #checkpointFile})
     * @param notes         receives one line saying what {@code --resume} does
     * @throws MmsearchException INVALID_INPUT (a bad record under FAIL), or what the server answered; the message
     *                           says how far the checkpoint got
     */
    public static IndexSummary push(RemoteServer server, String collection, Path input, Set<String> numericFields,
                                    Options options, IndexProgress progress, Path reportDir, Path checkpoint,
                                    Consumer<String> notes) {
        InputCheckpoint identity = InputCheckpoint.identify(input);
        try (DocumentSource source = Indexer.openSource(input, numericFields);
             ErrorReport report = new ErrorReport(reportDir, collection);
             BulkSender sender = new BulkSender(server, collection, options.inFlight())) {
            return new Run(server, collection, source, identity, options, progress == null ? IndexProgress.NONE
                    : progress, report, sender, checkpoint, notes).execute();
        }
    }

    /** Documents read since the last chunk was cut, and the records (bad ones too) they cover. */
    private static final class Chunk {
        final List<SourceDocument> documents = new ArrayList<>();
        final List<byte[]> lines = new ArrayList<>();
        final List<SourceError> errors = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
        int bytes;
        /** Records read up to and including this chunk's last one. */
        long endRecord;

        boolean isEmpty() {
            return documents.isEmpty() && errors.isEmpty();
        }
    }

    private record InFlight(Chunk chunk, Future<List<BulkSender.Outcome>> answer) {
    }

    private static final class Run {
        private final RemoteServer server;
        private final String collection;
        private final DocumentSource source;
        private final InputCheckpoint identity;
        private final Options options;
        private final IndexProgress progress;
        private final ErrorReport report;
        private final BulkSender sender;
        private final Path checkpointFile;
        private final Consumer<String> notes;
        private final Deque<InFlight> inFlight = new ArrayDeque<>();
        private final Set<String> seenIds = new HashSet<>();
        private long read;
        private long indexed;
        private long skipped;
        private long failed;
        private long duplicates;
        /** Records before this one are acknowledged (or reported). */
        private long acknowledged;
        /** The first bad record under FAIL. */
        private SourceError stop;

        Run(RemoteServer server, String collection, DocumentSource source, InputCheckpoint identity, Options options,
            IndexProgress progress, ErrorReport report, BulkSender sender, Path checkpointFile,
            Consumer<String> notes) {
            this.server = server;
            this.collection = collection;
            this.source = source;
            this.identity = identity;
            this.options = options;
            this.progress = progress;
            this.report = report;
            this.sender = sender;
            this.checkpointFile = checkpointFile;
            this.notes = notes;
        }

        IndexSummary execute() {
            long start = System.nanoTime();
            log.info("pushing collection={} input={} server={} chunkDocuments={} inFlight={} policy={} resume={}",
                    collection, source.file(), server.url(), options.chunkDocuments(), options.inFlight(),
                    options.errorPolicy(), options.resume());
            progress.start("index " + collection, source.estimatedRecords());
            try {
                if (options.resume()) {
                    skipCheckpointed();
                }
                Chunk chunk = new Chunk();
                while (stop == null && source.hasNext()) {
                    SourceRecord record = source.next();
                    read++;
                    switch (record) {
                        case SourceError error -> {
                            if (options.errorPolicy() == ErrorPolicy.FAIL) {
                                stop = error; // the chunk holding it is not sent
                                chunk = new Chunk();
                                chunk.errors.add(error);
                                break;
                            }
                            chunk.errors.add(error);
                            chunk.endRecord = read;
                        }
                        case SourceDocument document -> {
                            byte[] line = line(document.document());
                            if (!chunk.documents.isEmpty() && chunk.bytes + line.length + 1 > options.chunkBytes()) {
                                send(chunk);
                                chunk = new Chunk();
                            }
                            chunk.documents.add(document);
                            chunk.lines.add(line);
                            chunk.ids.add(document.document().id());
                            chunk.bytes += line.length + 1;
                            chunk.endRecord = read;
                            if (chunk.documents.size() >= options.chunkDocuments()) {
                                send(chunk);
                                chunk = new Chunk();
                            }
                        }
                    }
                }
                if (stop == null) {
                    send(chunk);
                }
                while (!inFlight.isEmpty()) {
                    complete(inFlight.poll());
                }
                if (stop != null) {
                    if (!chunk.errors.isEmpty() && chunk.errors.getFirst() == stop) {
                        report(chunk.errors);
                        progress.advance(1);
                    }
                    throw new MmsearchException(ErrorCode.INVALID_INPUT, stop.message() + "; " + resumeHint());
                }
                acknowledged = read;
                saveCheckpoint(true);
            } catch (MmsearchException e) {
                if (e.code() == ErrorCode.INVALID_INPUT && stop != null) {
                    throw e;
                }
                throw new MmsearchException(e.code(), e.getMessage() + "; " + resumeHint(), e);
            } finally {
                progress.finish();
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            double seconds = elapsed.toNanos() / 1e9;
            IndexSummary summary = new IndexSummary(read, indexed, skipped, failed, duplicates, elapsed,
                    seconds > 0 ? indexed / seconds : 0, report.path());
            log.info("pushed collection={} server={} read={} indexed={} skipped={} failed={} duplicates={} seconds={}",
                    collection, server.url(), read, indexed, skipped, failed, duplicates,
                    Math.round(seconds * 100) / 100.0);
            return summary;
        }

        private String resumeHint() {
            return acknowledged == 0 && !options.resume()
                    ? "the server acknowledged no record of this run; run the same command again (with --resume it"
                    + " continues from the checkpoint " + checkpointFile + ")"
                    : "the server acknowledged the first " + acknowledged + " records (checkpoint " + checkpointFile
                    + "); run the same command with --resume to continue after them";
        }

        private static byte[] line(Document document) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", document.id());
            json.putAll(document.fields());
            return Json.MAPPER.writeValueAsBytes(json);
        }

        /** Queues a chunk: waits for in-flight chunks sharing an id (the later record must land last) or over the bound. */
        private void send(Chunk chunk) {
            if (chunk.isEmpty()) {
                return;
            }
            if (inFlight.stream().anyMatch(f -> !Collections.disjoint(f.chunk().ids, chunk.ids))) {
                while (!inFlight.isEmpty()) {
                    complete(inFlight.poll());
                }
            }
            while (inFlight.size() >= options.inFlight()) {
                complete(inFlight.poll());
            }
            if (stop != null) {
                return; // a bad record under FAIL was found in an earlier chunk's answer
            }
            Future<List<BulkSender.Outcome>> answer = chunk.documents.isEmpty()
                    ? java.util.concurrent.CompletableFuture.completedFuture(List.of()) : sender.submit(chunk.lines);
            inFlight.add(new InFlight(chunk, answer));
        }

        /** Handles the oldest chunk's answer: counts, error report (in line order), progress and checkpoint. */
        private void complete(InFlight done) {
            List<BulkSender.Outcome> outcomes = BulkSender.await(done.answer());
            Chunk chunk = done.chunk();
            List<SourceError> bad = new ArrayList<>(chunk.errors);
            SourceError refused = null;
            for (int i = 0; i < outcomes.size(); i++) {
                BulkSender.Outcome outcome = outcomes.get(i);
                Document document = chunk.documents.get(i).document();
                if (outcome.failed()) {
                    SourceError error = new SourceError(source.file(), chunk.documents.get(i).line(), document.id(),
                            outcome.reason(), "");
                    bad.add(error);
                    refused = refused == null ? error : refused;
                } else if (seenIds.add(document.id())) {
                    indexed++;
                } else {
                    duplicates++;
                }
            }
            report(bad);
            progress.advance(chunk.documents.size() + chunk.errors.size());
            if (refused != null && options.errorPolicy() == ErrorPolicy.FAIL && stop == null) {
                stop = refused;
            }
            if (stop == null) {
                acknowledged = chunk.endRecord;
                saveCheckpoint(false);
            }
        }

        private void report(List<SourceError> errors) {
            List<SourceError> sorted = new ArrayList<>(errors);
            sorted.sort(Comparator.comparingLong(SourceError::line));
            for (SourceError error : sorted) {
                report.add(error);
                failed++;
            }
        }

        /** --resume: skips the records the checkpoint of this file covers. */
        private void skipCheckpointed() {
            Optional<InputCheckpoint> stored = readCheckpoint();
            long skip = 0;
            if (stored.isEmpty()) {
                notes.accept("resume: no checkpoint of a push into '" + collection + "' at " + server.url() + " in "
                        + checkpointFile + "; sending all of " + identity.path() + " (documents are upserted by id,"
                        + " so re-sending is safe)");
            } else if (!stored.get().sameInput(identity)) {
                notes.accept("resume: the checkpoint " + checkpointFile + " is for "
                        + (stored.get().path().equals(identity.path()) ? "an earlier version of this file"
                        : stored.get().path()) + " (" + stored.get().differencesTo(identity) + "); sending all of "
                        + identity.path());
            } else {
                skip = stored.get().records();
                notes.accept(stored.get().complete()
                        ? "resume: " + identity.path() + " was already pushed completely (" + skip
                        + " records); nothing to do"
                        : "resume: skipping the first " + skip + " records of " + identity.path()
                        + ", acknowledged by the server in an earlier run");
            }
            while (read < skip && source.hasNext()) {
                source.next();
                read++;
                skipped++;
            }
            acknowledged = read;
            progress.advance(read);
        }

        private Optional<InputCheckpoint> readCheckpoint() {
            if (!Files.isRegularFile(checkpointFile)) {
                return Optional.empty();
            }
            try {
                JsonNode json = Json.MAPPER.readTree(Files.readString(checkpointFile, StandardCharsets.UTF_8));
                if (!server.url().equals(json.path("server").asString())
                        || !collection.equals(json.path("collection").asString())) {
                    return Optional.empty();
                }
                Map<String, String> entries = new LinkedHashMap<>();
                json.properties().forEach(e -> entries.put(e.getKey(), e.getValue().asString()));
                return InputCheckpoint.fromMap(entries);
            } catch (IOException | RuntimeException e) {
                log.warn("unreadable push checkpoint path={} error={}", checkpointFile, e.toString());
                return Optional.empty();
            }
        }

        private void saveCheckpoint(boolean complete) {
            Map<String, String> json = new LinkedHashMap<>();
            json.put("server", server.url());
            json.put("collection", collection);
            json.putAll(identity.at(acknowledged, complete).toMap());
            try {
                Files.createDirectories(checkpointFile.getParent());
                Path temp = checkpointFile.resolveSibling(checkpointFile.getFileName() + ".tmp");
                Files.writeString(temp, Json.MAPPER.writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
                Files.move(temp, checkpointFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new MmsearchException(ErrorCode.isDiskFull(e) ? ErrorCode.STORAGE_FULL : ErrorCode.INTERNAL,
                        "cannot write the push checkpoint '" + checkpointFile + "': " + e.getMessage(), e);
            }
        }
    }
}
