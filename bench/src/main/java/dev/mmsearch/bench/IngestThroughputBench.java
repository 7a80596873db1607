package dev.mmsearch.bench;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.DocumentSource;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.IndexSummary;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.ingest.JsonlSource;
import dev.mmsearch.ingest.SourceDocument;
import dev.mmsearch.ingest.SourceRecord;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Ingest throughput: the whole pipeline ({@link Indexer}) against the raw model on the same texts, in one run.
 *
 * <ol>
 *   <li><b>raw model</b>: {@link TextEncoder#encodeDocuments} over the embed texts ({@link CollectionSchema#BEIR}),
 *       sorted by token count over the whole input and cut into batches of {@code batch-size}: the least padding
 *       any batching can give, no reading, no writing (the model's best case);</li>
 *   <li><b>pipeline, length-bucketed</b>: {@link Indexer#index} from the corpus file into a fresh Lucene collection
 *       with the default window (windows of {@code 16 x batch-size} documents sorted by token count);</li>
 *   <li><b>pipeline, arrival order</b>: the same with window factor 1 (a window is one batch, so sorting inside it
 *       cannot change which texts share a batch: batches are in arrival order).</li>
 * </ol>
 * The padding ratio of each is computed here from the batches each one forms: sum over batches of
 * (longest token count x batch size) / sum of token counts ({@link TextEncoder#countTokens}); the Indexer's own
 * log line gives the same ratio.
 *
 * <p>Usage: {@code bench/run.sh ingest [--corpus ../shared/data/scifact/corpus.jsonl] [--model bge-small-en-v1.5]
 * [--limit N] [--batch-size 32] [--threads 0] [--order raw,bucketed,arrival[,control] | control] [--data-dir DIR]}.
 * {@code control} times the raw model on exactly the batches of (b), which separates batching from pipeline cost. {@code DIR/models} is the model cache; the
 * collections are written to a temporary folder under {@code DIR} that is deleted at the end.
 */
public final class IngestThroughputBench {

    private IngestThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        Path corpus = Path.of(opts.getOrDefault("--corpus", "../shared/data/scifact/corpus.jsonl"));
        String modelId = opts.getOrDefault("--model", ModelRegistry.DEFAULT_MODEL);
        long limit = Long.parseLong(opts.getOrDefault("--limit", String.valueOf(Long.MAX_VALUE)));
        int batchSize = Integer.parseInt(opts.getOrDefault("--batch-size", "32"));
        int threads = Integer.parseInt(opts.getOrDefault("--threads", "0"));
        int effectiveThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        DataDirectory dataDir = new DataDirectory(Path.of(opts.getOrDefault("--data-dir",
                DataDirectory.defaultLocation().root().toString())));
        CollectionSchema schema = CollectionSchema.BEIR;
        IndexOptions bucketed = IndexOptions.defaults().withBatchSize(batchSize);
        IndexOptions arrival = bucketed.withWindowFactor(1);
        List<String> order = List.of(opts.getOrDefault("--order", "raw,bucketed,arrival").split(","));
        // "control" (optional) = the raw model on exactly the batches the bucketed pipeline forms: it separates the
        // cost of batching from the cost of the pipeline around the encoder.
        boolean full = new java.util.TreeSet<>(order).containsAll(List.of("raw", "bucketed", "arrival"));
        if (new java.util.HashSet<>(order).size() != order.size()
                || (!full && !order.equals(List.of("control")) && !order.equals(List.of("padding")))) {
            throw new IllegalArgumentException("--order must name raw, bucketed and arrival once each (and may add "
                    + "control), or be just control, or just padding; got " + order);
        }

        Files.createDirectories(dataDir.root());
        Path work = Files.createTempDirectory(dataDir.root(), "ingest-bench-");
        try (ModelRegistry models = new ModelRegistry(dataDir.models(), new EncoderOptions(effectiveThreads, batchSize));
             LuceneCollectionStore store = new LuceneCollectionStore(work.resolve("collections"))) {
            TextEncoder encoder = models.textEncoder(modelId);
            List<String> texts = embedTexts(corpus, limit, schema);
            int[] tokens = texts.stream().mapToInt(encoder::countTokens).toArray();
            if (order.equals(List.of("padding"))) {
                printPaddingTable(texts, tokens, batchSize);
                return;
            }
            double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

            // Warm-up (not measured): ONNX Runtime allocates and plans on its first calls.
            encoder.encodeDocuments(texts.subList(0, Math.min(texts.size(), batchSize)));

            // (a) raw model, batches of texts sorted by token count over the whole input; (b) and (c) the whole
            // pipeline into fresh collections. --order changes the sequence, to expose drift of a loaded machine.
            List<List<Integer>> rawBatches = Indexer.lengthSortedBatches(indexes(0, texts.size()), i -> tokens[i], batchSize);
            double rawSeconds = 0;
            double controlSeconds = 0;
            IndexSummary bucketedRun = null;
            IndexSummary arrivalRun = null;
            for (String step : order) {
                switch (step) {
                    case "raw" -> {
                        long r0 = System.nanoTime();
                        for (List<Integer> batch : rawBatches) {
                            encoder.encodeDocuments(batch.stream().map(texts::get).toList());
                        }
                        rawSeconds = (System.nanoTime() - r0) / 1e9;
                    }
                    case "bucketed" -> bucketedRun = index(corpus, limit, store, "bench-bucketed", encoder, schema,
                            bucketed, work);
                    case "arrival" -> arrivalRun = index(corpus, limit, store, "bench-arrival", encoder, schema,
                            arrival, work);
                    case "control" -> {
                        List<List<Integer>> pipelineBatches = indexerBatches(tokens, bucketed);
                        long c0 = System.nanoTime();
                        for (List<Integer> batch : pipelineBatches) {
                            encoder.encodeDocuments(batch.stream().map(texts::get).toList());
                        }
                        controlSeconds = (System.nanoTime() - c0) / 1e9;
                    }
                    default -> throw new IllegalArgumentException("--order names raw, bucketed, arrival, control, not " + step);
                }
            }
            if (controlSeconds > 0) {
                System.out.println(String.format(Locale.ROOT,
                        "| control: raw model on the bucketed pipeline's batches | %.1f | %.2f | %.3f |",
                        controlSeconds, texts.size() / controlSeconds,
                        paddingRatio(indexerBatches(tokens, bucketed), tokens)));
            }
            if (!full) {
                return;
            }
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

            int n = texts.size();
            double raw = n / rawSeconds;
            double bucketedRate = bucketedRun.docsPerSecond();
            double arrivalRate = arrivalRun.docsPerSecond();
            double rawPadding = paddingRatio(rawBatches, tokens);
            double bucketedPadding = paddingRatio(indexerBatches(tokens, bucketed), tokens);
            double arrivalPadding = paddingRatio(indexerBatches(tokens, arrival), tokens);

            StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                    "| run (%s, %d docs, batch %d, %d threads) | seconds | docs/s | padding ratio (tokens) |%n|---|---|---|---|%n",
                    modelId, n, batchSize, effectiveThreads));
            table.append(row("(a) raw model, batches sorted by token count over the whole input", rawSeconds, raw, rawPadding));
            table.append(row("(b) pipeline, length-bucketed (window " + bucketed.windowSize() + ")",
                    seconds(bucketedRun), bucketedRate, bucketedPadding));
            table.append(row("(c) pipeline, arrival order (window " + arrival.windowSize() + ")",
                    seconds(arrivalRun), arrivalRate, arrivalPadding));
            table.append(String.format(Locale.ROOT, "| ratio pipeline (b) / raw (a) | | **%.3f** | |%n", bucketedRate / raw));
            table.append(String.format(Locale.ROOT, "| ratio bucketed (b) / arrival (c) | | **%.3f** | %.3f / %.3f |%n",
                    bucketedRate / arrivalRate, bucketedPadding, arrivalPadding));

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", modelId);
            result.put("corpus", corpus.toString());
            result.put("docs", n);
            result.put("tokens", java.util.Arrays.stream(tokens).asLongStream().sum());
            result.put("batchSize", batchSize);
            result.put("threads", effectiveThreads);
            result.put("order", order);
            result.put("cores", Runtime.getRuntime().availableProcessors());
            result.put("loadAverageBefore", loadBefore);
            result.put("loadAverageAfter", loadAfter);
            result.put("raw", Map.of("seconds", rawSeconds, "docsPerSecond", raw, "paddingRatio", rawPadding));
            result.put("pipelineBucketed", Map.of("seconds", seconds(bucketedRun), "docsPerSecond", bucketedRate,
                    "paddingRatio", bucketedPadding, "indexed", bucketedRun.indexed()));
            result.put("pipelineArrival", Map.of("seconds", seconds(arrivalRun), "docsPerSecond", arrivalRate,
                    "paddingRatio", arrivalPadding, "indexed", arrivalRun.indexed()));
            result.put("pipelineOverRaw", bucketedRate / raw);
            result.put("bucketedOverArrival", bucketedRate / arrivalRate);
            // A benchmark's report is its output: stdout is the right place for it.
            System.out.println(table);
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } finally {
            deleteTree(work);
        }
    }

    private static IndexSummary index(Path corpus, long limit, LuceneCollectionStore store, String name,
                                      TextEncoder encoder, CollectionSchema schema, IndexOptions options, Path work) {
        SearchCollection collection = store.getOrCreate(name, schema, encoder.stamp());
        try (DocumentSource source = new LimitedSource(JsonlSource.open(corpus, BeirDataset.IGNORED_FIELDS), limit)) {
            IndexSummary summary = Indexer.index(source, collection, encoder, schema, options, IndexProgress.NONE,
                    work.resolve("reports"));
            if (summary.failed() > 0 || summary.duplicates() > 0) {
                throw new IllegalStateException("corpus has bad or duplicate records, the runs would not compare: "
                        + summary.toLine());
            }
            return summary;
        }
    }

    /** The embed texts of the first {@code limit} records, as the Indexer forms them (empty texts are left out, as it does). */
    private static List<String> embedTexts(Path corpus, long limit, CollectionSchema schema) {
        List<String> texts = new ArrayList<>();
        try (DocumentSource source = new LimitedSource(JsonlSource.open(corpus, BeirDataset.IGNORED_FIELDS), limit)) {
            while (source.hasNext()) {
                if (source.next() instanceof SourceDocument doc) {
                    String text = schema.embedText(doc.document());
                    if (!text.isEmpty()) {
                        texts.add(text);
                    }
                }
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no text to embed in the first " + limit + " records of " + corpus);
        }
        return texts;
    }

    /**
     * The batches the Indexer forms, in index order: consecutive windows of {@code windowSize} texts, each sorted
     * by token count (stable) and cut into batches. Mirrors {@code Indexer.flushWindow} for an input without bad or
     * duplicate records (checked after each run).
     */
    private static List<List<Integer>> indexerBatches(int[] tokens, IndexOptions options) {
        return windowBatches(tokens.length, options, i -> tokens[i]);
    }

    /**
     * {@code --order padding}: no encoding, only the padding ratio (tokens) that windows of several sizes give when
     * sorted by characters and when sorted by token count; the raw model's global sort is the floor.
     */
    private static void printPaddingTable(List<String> texts, int[] tokens, int batchSize) {
        System.out.println(String.format(Locale.ROOT, "| window factor (x %d) | sorted by characters | sorted by tokens |%n|---|---|---|", batchSize));
        for (int factor : new int[] {1, 4, 8, 16, 32, 64, 128}) {
            IndexOptions options = IndexOptions.defaults().withBatchSize(batchSize).withWindowFactor(factor);
            System.out.println(String.format(Locale.ROOT, "| %d (%d docs) | %.3f | %.3f |", factor, options.windowSize(),
                    paddingRatio(windowBatches(texts.size(), options, i -> texts.get(i).length()), tokens),
                    paddingRatio(windowBatches(texts.size(), options, i -> tokens[i]), tokens)));
        }
        System.out.println(String.format(Locale.ROOT, "| whole input, by tokens | | %.3f |",
                paddingRatio(Indexer.lengthSortedBatches(indexes(0, texts.size()), i -> tokens[i], batchSize), tokens)));
    }

    /**
     * Consecutive windows of the input, as the Indexer reads them, each cut by the Indexer's own
     * {@link Indexer#lengthSortedBatches}.
     */
    private static List<List<Integer>> windowBatches(int count, IndexOptions options, java.util.function.IntUnaryOperator key) {
        List<List<Integer>> batches = new ArrayList<>();
        for (int from = 0; from < count; from += options.windowSize()) {
            List<Integer> window = indexes(from, Math.min(count, from + options.windowSize()));
            batches.addAll(Indexer.lengthSortedBatches(window, key::applyAsInt, options.batchSize()));
        }
        return batches;
    }

    /** The input positions {@code from} (inclusive) to {@code to} (exclusive). */
    private static List<Integer> indexes(int from, int to) {
        return java.util.stream.IntStream.range(from, to).boxed().toList();
    }

    /** Tokens the model computes on (each batch padded to its longest member) over the tokens of the texts. */
    static double paddingRatio(List<List<Integer>> batches, int[] tokens) {
        long padded = 0;
        long actual = 0;
        for (List<Integer> batch : batches) {
            int longest = 0;
            for (int i : batch) {
                longest = Math.max(longest, tokens[i]);
                actual += tokens[i];
            }
            padded += (long) longest * batch.size();
        }
        return actual == 0 ? 0 : (double) padded / actual;
    }

    private static double seconds(IndexSummary summary) {
        return summary.elapsed().toNanos() / 1e9;
    }

    private static String row(String label, double seconds, double rate, double padding) {
        return String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.3f |%n", label, seconds, rate, padding);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The first {@code limit} records of a source (the benchmark's {@code --limit}). */
    private static final class LimitedSource implements DocumentSource {
        private final DocumentSource delegate;
        private final long limit;
        private long returned;

        LimitedSource(DocumentSource delegate, long limit) {
            this.delegate = delegate;
            this.limit = limit;
        }

        @Override
        public Path file() {
            return delegate.file();
        }

        @Override
        public long estimatedRecords() {
            long all = delegate.estimatedRecords();
            return all < 0 ? (limit == Long.MAX_VALUE ? -1 : limit) : Math.min(all, limit);
        }

        @Override
        public boolean hasNext() {
            return returned < limit && delegate.hasNext();
        }

        @Override
        public SourceRecord next() {
            returned++;
            return delegate.next();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
