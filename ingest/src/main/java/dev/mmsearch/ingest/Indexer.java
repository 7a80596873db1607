package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The offline pipeline: read -> validate -> batch by length -> encode -> upsert -> commit.
 *
 * <ul>
 *   <li>A record is bad when the source says so ({@link SourceError}) or when the schema's embed text
 *       is empty ({@code "empty text to embed"}). Bad records go to the {@link ErrorReport} and are
 *       skipped or stop the run, by {@link ErrorPolicy}.</li>
 *   <li>Documents are read in windows of {@code windowFactor x batchSize}; a window is sorted by the
 *       tokens the model will see ({@link DocumentEmbedder#lengths}) and cut into batches, so each encoder
 *       call pads little. The order of documents in the index does not matter.</li>
 *   <li>A later record with an id seen earlier in the same input replaces it (upsert) and is counted
 *       as a duplicate; within one window only the later record is written.</li>
 *   <li>The collection is committed at the end of the first window after {@code commitEvery} batches, and at
 *       the end; the last partial batch is always written. Commits happen only at window boundaries, so all
 *       records before the commit's position are written. With {@link ErrorPolicy#FAIL} the run commits what
 *       was written before the window holding the bad record, writes nothing of that window, and throws
 *       {@link ErrorCode#INVALID_INPUT} {@code "file:line: reason"}.</li>
 *   <li>When indexing a file, every commit carries an {@link InputCheckpoint} (the file's identity and the
 *       number of records processed; the last one marked complete). With {@link IndexOptions#resume()} a run
 *       skips the records the checkpoint covers when it is for the same file ({@link ResumePlan}), and
 *       encodes only missing or changed documents of the rest. Records skipped this way are counted as read and
 *       skipped; duplicates of ids among them are not detected (the later record still wins).</li>
 *   <li>A run that wrote at least half of the collection's documents (a bulk load: a first ingest, a re-index)
 *       ends by merging the index ({@link SearchCollection#optimize()}), so vector search walks one HNSW graph
 *       instead of one per segment. Smaller runs leave the segments to the store's merge policy.</li>
 * </ul>
 * Reading and encoding run on the calling thread, one after the other: encoding takes well over 95%
 * of the time (see the timings logged at the end), so a reader thread would not make it faster.
 */
public final class Indexer {
    private static final Logger log = LoggerFactory.getLogger(Indexer.class);

    private Indexer() {
    }

    /**
     * Indexes a file into {@code target}; its name picks the source: {@code .jsonl} / {@code .jsonl.gz}
     * ({@link JsonlSource}), {@code .csv} / {@code .tsv}, optionally {@code .gz} ({@link CsvSource}, with the
     * schema's numeric fields read as numbers).
     *
     * @param schema    the collection's schema (must equal {@code target.schema()}); {@code null} = the target's
     * @param progress  receives progress; {@link IndexProgress#NONE} for none
     * @param reportDir where the error report goes when there are bad records
     * @throws MmsearchException NOT_FOUND (no such input), MODEL_MISMATCH (encoder and collection differ),
     *                           INVALID_INPUT (a bad record under {@link ErrorPolicy#FAIL}),
     *                           INVALID_ARGUMENT (a file name with an unsupported extension)
     */
    public static IndexSummary index(Path input, SearchCollection target, TextEncoder encoder, CollectionSchema schema,
                                     IndexOptions options, IndexProgress progress, Path reportDir) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(encoder, "encoder");
        return index(input, target, DocumentEmbedder.text(encoder, schema == null ? target.schema() : schema), schema,
                options, progress, reportDir);
    }

    /** As {@link #index(Path, SearchCollection, TextEncoder, CollectionSchema, IndexOptions, IndexProgress, Path)} with any embedder (e.g. images). */
    public static IndexSummary index(Path input, SearchCollection target, DocumentEmbedder embedder,
                                     CollectionSchema schema, IndexOptions options, IndexProgress progress,
                                     Path reportDir) {
        Objects.requireNonNull(target, "target");
        CollectionSchema numbers = schema == null ? target.schema() : schema;
        // Identified before reading, so a file that changes during the run does not get a checkpoint it never had.
        InputCheckpoint identity = InputCheckpoint.identify(input);
        try (DocumentSource source = openSource(input, Set.copyOf(numbers.numericFields()))) {
            return index(source, identity, target, embedder, schema, options, progress, reportDir);
        }
    }

    /**
     * Opens the source for a file by its name: {@code .jsonl}, {@code .jsonl.gz} as JSON Lines;
     * {@code .csv}, {@code .tsv}, {@code .csv.gz}, {@code .tsv.gz} as CSV/TSV with {@code numericColumns} read as numbers.
     *
     * @throws MmsearchException INVALID_ARGUMENT for any other name (the message lists the supported ones), NOT_FOUND
     */
    public static DocumentSource openSource(Path input, Set<String> numericColumns) {
        Objects.requireNonNull(input, "input");
        String name = input.getFileName() == null ? "" : input.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".jsonl") || name.endsWith(".jsonl.gz")) {
            return JsonlSource.open(input);
        }
        if (CsvSource.supports(input)) {
            return CsvSource.open(input, numericColumns);
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot index '" + input + "': unsupported file type;"
                + " supported are .jsonl, .jsonl.gz, .csv, .csv.gz, .tsv, .tsv.gz");
    }

    /** Indexes records from any source (the caller closes it). See {@link #index(Path, SearchCollection, TextEncoder, CollectionSchema, IndexOptions, IndexProgress, Path)}. */
    public static IndexSummary index(DocumentSource source, SearchCollection target, TextEncoder encoder,
                                     CollectionSchema schema, IndexOptions options, IndexProgress progress, Path reportDir) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(encoder, "encoder");
        return index(source, null, target, DocumentEmbedder.text(encoder, schema == null ? target.schema() : schema),
                schema, options, progress, reportDir);
    }

    /** Indexes records from any source with any embedder (the caller closes the source). */
    public static IndexSummary index(DocumentSource source, SearchCollection target, DocumentEmbedder embedder,
                                     CollectionSchema schema, IndexOptions options, IndexProgress progress, Path reportDir) {
        return index(source, null, target, embedder, schema, options, progress, reportDir);
    }

    /** {@code identity}: the input file, for checkpoints and resume; null = no checkpoints (plain commits). */
    private static IndexSummary index(DocumentSource source, InputCheckpoint identity, SearchCollection target,
                                      DocumentEmbedder encoder, CollectionSchema schema, IndexOptions options,
                                      IndexProgress progress, Path reportDir) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(reportDir, "reportDir");
        ModelStamp.requireCompatible(target.name(), target.stamp(), encoder.stamp());
        if (schema == null) {
            schema = target.schema();
        } else if (!schema.equals(target.schema())) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + target.name()
                    + "' was created with schema " + target.schema() + " but " + schema
                    + " was given; index with the collection's schema or into a new collection");
        }
        IndexProgress shown = progress == null ? IndexProgress.NONE : progress;
        try (ErrorReport report = new ErrorReport(reportDir, target.name())) {
            return new Run(source, identity, target, encoder, schema, options, shown, report).execute();
        }
    }

    /**
     * Sorts items by length (stable, shortest first) and cuts them into batches of at most
     * {@code batchSize}; every item lands in exactly one batch. This is how each window of
     * {@link IndexOptions#windowSize()} documents is cut (public for the ingest benchmark's padding figures).
     */
    public static <T> List<List<T>> lengthSortedBatches(List<T> items, ToIntFunction<T> length, int batchSize) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt(length));
        List<List<T>> batches = new ArrayList<>((sorted.size() + batchSize - 1) / batchSize);
        for (int from = 0; from < sorted.size(); from += batchSize) {
            batches.add(List.copyOf(sorted.subList(from, Math.min(sorted.size(), from + batchSize))));
        }
        return batches;
    }

    /**
     * A valid document waiting in the current window. {@code newId}: first time this id is seen in the input;
     * {@code length}: its sort key, set when the window is flushed (0 before).
     */
    private record Pending(Document document, String text, long line, boolean newId, int length) {
        Pending(Document document, String text, long line, boolean newId) {
            this(document, text, line, newId, 0);
        }

        Pending withLength(int value) {
            return new Pending(document, text, line, newId, value);
        }
    }

    /** State of one indexing run (single-threaded). */
    private static final class Run {
        private final DocumentSource source;
        private final InputCheckpoint identity;
        private final SearchCollection target;
        private final DocumentEmbedder encoder;
        private final CollectionSchema schema;
        private final IndexOptions options;
        private final IndexProgress progress;
        private final ErrorReport report;
        // Ids seen so far, to count duplicates; the one structure that grows with the input (ids only).
        private final Set<String> seenIds = new HashSet<>();
        private final Map<String, Pending> window = new LinkedHashMap<>();
        private long read;
        private long indexed;
        private long skipped;
        private long failed;
        private long duplicates;
        private long batchesSinceCommit;
        // Records read when the last window was written: all records before it are processed.
        private long flushedRecords;
        private boolean skipUnchanged;
        private long encodeNanos;
        private long writeNanos;
        private long commitNanos;
        private long tokenizeNanos;
        private long paddedTokens;
        private long textTokens;

        Run(DocumentSource source, InputCheckpoint identity, SearchCollection target, DocumentEmbedder encoder,
            CollectionSchema schema, IndexOptions options, IndexProgress progress, ErrorReport report) {
            this.source = source;
            this.identity = identity;
            this.skipUnchanged = options.skipUnchanged() || options.resume();
            this.target = target;
            this.encoder = encoder;
            this.schema = schema;
            this.options = options;
            this.progress = progress;
            this.report = report;
        }

        IndexSummary execute() {
            long start = System.nanoTime();
            PassageStats passagesAtStart = encoder.passageStats();
            log.info("indexing collection={} input={} model={} batchSize={} window={} policy={} skipUnchanged={}",
                    target.name(), source.file(), target.stamp().modelId(), options.batchSize(), options.windowSize(),
                    options.errorPolicy(), skipUnchanged);
            progress.start("index " + target.name(), source.estimatedRecords());
            try {
                if (options.resume()) {
                    skipCheckpointedRecords();
                }
                while (source.hasNext()) {
                    SourceRecord record = source.next();
                    read++;
                    switch (record) {
                        case SourceError error -> fail(error);
                        case SourceDocument doc -> accept(doc);
                    }
                    if (window.size() >= options.windowSize()) {
                        flushWindow();
                    }
                }
                flushWindow();
                flushedRecords = read;
                commit(true);
                mergeAfterBulkLoad(target, indexed);
            } finally {
                progress.finish();
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            double seconds = elapsed.toNanos() / 1e9;
            PassageStats passages = encoder.passageStats().since(passagesAtStart);
            IndexSummary summary = new IndexSummary(read, indexed, skipped, failed, duplicates, elapsed,
                    seconds > 0 ? indexed / seconds : 0, report.path(), passages);
            if (passages.documents() > 0) {
                log.info("passages collection={} documents={} split={} passages={} perDocument={} truncated={}",
                        target.name(), passages.documents(), passages.split(), passages.passages(),
                        round(passages.passagesPerDocument()), passages.truncated());
                if (passages.truncated() > 0) {
                    log.warn("passages truncated collection={} documents={}: text past the passage cap or the model's"
                            + " limit was not embedded", target.name(), passages.truncated());
                }
            }
            log.info("indexed collection={} read={} indexed={} skipped={} failed={} duplicates={} seconds={} "
                            + "tokenizeSeconds={} encodeSeconds={} writeSeconds={} commitSeconds={} paddingRatio={}",
                    target.name(), read, indexed, skipped, failed, duplicates, round(seconds),
                    round(tokenizeNanos / 1e9), round(encodeNanos / 1e9), round(writeNanos / 1e9),
                    round(commitNanos / 1e9), textTokens == 0 ? 0 : round((double) paddedTokens / textTokens));
            if (failed > 0) {
                log.warn("bad records collection={} count={} report={}", target.name(), failed, report.path());
            }
            return summary;
        }

        /** Resume: skips the records the collection's checkpoint covers, when it is for this very file. */
        private void skipCheckpointedRecords() {
            if (identity == null) {
                log.info("resume collection={} input={}: not a file, reading all records", target.name(), source.file());
                return;
            }
            ResumePlan plan = ResumePlan.of(identity, target);
            log.info("{}", plan.message());
            long t0 = System.nanoTime();
            // Records are parsed to be skipped (a source cannot seek to a record); that is cheap next to encoding.
            while (read < plan.skipRecords() && source.hasNext()) {
                source.next();
                read++;
                skipped++;
            }
            flushedRecords = read;
            progress.advance(read);
            log.info("resumed collection={} input={} skippedRecords={} seconds={}", target.name(), identity.path(),
                    read, round((System.nanoTime() - t0) / 1e9));
        }

        private void accept(SourceDocument record) {
            Document document = record.document();
            String text = encoder.input(document);
            if (text.isEmpty()) {
                fail(new SourceError(source.file(), record.line(), document.id(), encoder.emptyReason(), ""));
                return;
            }
            boolean newId = seenIds.add(document.id());
            if (!newId) {
                duplicates++;
                progress.advance(1); // counted here; the write below is the replacement of an earlier record
            }
            Pending previous = window.put(document.id(), new Pending(document, text, record.line(), newId));
            if (previous != null) {
                // Same id twice in one window: only the later record is written (later wins), and it keeps
                // the earlier record's place in the counts.
                window.put(document.id(), new Pending(document, text, record.line(), previous.newId()));
            }
        }

        private void fail(SourceError error) {
            failed++;
            report.add(error);
            log.debug("bad record file={} line={} id={} reason={}", error.file(), error.line(), error.id(), error.reason());
            progress.advance(1);
            if (options.errorPolicy() == ErrorPolicy.FAIL) {
                window.clear(); // the window holding the bad record is not written
                commit(false);
                throw new MmsearchException(ErrorCode.INVALID_INPUT, error.message());
            }
        }

        private void flushWindow() {
            if (window.isEmpty()) {
                return;
            }
            List<Pending> pending = new ArrayList<>(window.values());
            window.clear();
            if (skipUnchanged) {
                pending = dropUnchanged(pending);
            }
            for (List<Pending> batch : lengthSortedBatches(measured(pending), Pending::length, options.batchSize())) {
                writeBatch(batch);
            }
            flushedRecords = read;
            if (batchesSinceCommit >= options.commitEvery()) {
                commit(false);
            }
        }

        /** The window's documents with their sort keys, counted in one call for the whole window. */
        private List<Pending> measured(List<Pending> pending) {
            if (pending.isEmpty()) {
                return pending;
            }
            long t0 = System.nanoTime();
            int[] lengths;
            try {
                lengths = encoder.lengths(pending.stream().map(Pending::text).toList());
            } catch (MmsearchException e) {
                if (!DocumentEmbedder.isInputProblem(e)) {
                    throw e;
                }
                // Some input cannot be measured: keep arrival order; the encoder call reports the bad one.
                lengths = new int[pending.size()];
            }
            if (lengths.length != pending.size()) {
                throw new MmsearchException(ErrorCode.INTERNAL, "embedder " + encoder.stamp().modelId() + " returned "
                        + lengths.length + " lengths for " + pending.size() + " inputs");
            }
            List<Pending> measured = new ArrayList<>(pending.size());
            for (int i = 0; i < lengths.length; i++) {
                measured.add(pending.get(i).withLength(lengths[i]));
            }
            tokenizeNanos += System.nanoTime() - t0;
            return measured;
        }

        /** Resume mode: leaves out documents the collection already holds with the same fields. */
        private List<Pending> dropUnchanged(List<Pending> pending) {
            List<String> ids = pending.stream().filter(Pending::newId).map(p -> p.document().id()).toList();
            if (ids.isEmpty()) {
                return pending;
            }
            Map<String, Document> stored = target.fetch(ids);
            List<Pending> changed = new ArrayList<>(pending.size());
            for (Pending p : pending) {
                Document existing = p.newId() ? stored.get(p.document().id()) : null;
                if (existing != null && sameFields(existing, p.document())) {
                    skipped++;
                    progress.advance(1);
                } else {
                    changed.add(p);
                }
            }
            return changed;
        }

        private void writeBatch(List<Pending> batch) {
            List<String> texts = batch.stream().map(Pending::text).toList();
            int longest = 0;
            for (Pending p : batch) {
                longest = Math.max(longest, p.length());
                textTokens += p.length();
            }
            paddedTokens += (long) longest * texts.size();
            long t0 = System.nanoTime();
            List<EmbeddedDocument> embedded;
            try {
                embedded = encoder.embedDocuments(batch.stream().map(Pending::document).toList(), texts);
            } catch (MmsearchException e) {
                if (!DocumentEmbedder.isInputProblem(e)) {
                    throw e;
                }
                encodeNanos += System.nanoTime() - t0;
                writeIsolating(batch);
                return;
            }
            long t1 = System.nanoTime();
            encodeNanos += t1 - t0;
            target.upsert(embedded);
            writeNanos += System.nanoTime() - t1;
            long fresh = batch.stream().filter(Pending::newId).count();
            indexed += fresh;
            progress.advance(fresh);
            batchesSinceCommit++;
        }

        /**
         * A batch the model refused because of some input (a corrupt image, a missing file): embeds its documents one
         * by one, reports the bad ones with their line and reason, and writes the rest.
         */
        private void writeIsolating(List<Pending> batch) {
            List<Pending> good = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                try {
                    encoder.embed(List.of(p.text()));
                    good.add(p);
                } catch (MmsearchException e) {
                    if (!DocumentEmbedder.isInputProblem(e)) {
                        throw e;
                    }
                    if (!p.newId()) {
                        duplicates--; // counted as a failure instead
                    }
                    fail(new SourceError(source.file(), p.line(), p.document().id(), e.getMessage(), p.text()));
                }
            }
            if (!good.isEmpty()) {
                writeBatch(good);
            }
        }

        /** Commits; when indexing a file, with the checkpoint "records before {@code flushedRecords} written". */
        private void commit(boolean finished) {
            long t0 = System.nanoTime();
            if (identity == null) {
                target.commit();
            } else {
                target.commit(identity.at(flushedRecords, finished).toMap());
            }
            commitNanos += System.nanoTime() - t0;
            batchesSinceCommit = 0;
        }
    }

    /**
     * Merges {@code target} when {@code written} documents are at least half of it (a bulk load); a small
     * incremental run would pay to rewrite the whole index for little gain, so it does not.
     *
     * @return whether it merged
     */
    static boolean mergeAfterBulkLoad(SearchCollection target, long written) {
        long documents = target.count();
        if (written <= 0 || written * 2 < documents) {
            return false;
        }
        long t0 = System.nanoTime();
        int segmentsBefore = target.optimize();
        log.info("merged after bulk load collection={} written={} docs={} segmentsBefore={} seconds={}", target.name(),
                written, documents, segmentsBefore, round((System.nanoTime() - t0) / 1e9));
        return true;
    }

    /** Field-by-field equality by text form, so number types that a store normalises (int/long) still match. */
    static boolean sameFields(Document stored, Document incoming) {
        return textForm(stored.fields()).equals(textForm(incoming.fields()));
    }

    private static Map<String, String> textForm(Map<String, Object> fields) {
        Map<String, String> form = new TreeMap<>();
        fields.forEach((name, value) -> {
            if (value != null) {
                form.put(name, value.toString());
            }
        });
        return form;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
