package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Evaluates a search on a BEIR dataset: the corpus is indexed with {@link Indexer} into a collection of the given
 * store, and every evaluated query is answered by the caller's {@link Search} (top {@value #DEPTH}, nothing
 * excluded). This module does not search itself: the server's {@code mmsearch eval} hands in its one search path
 * ({@code Engine.search}, the pipeline the REST API runs), so the numbers are those of what users get.
 *
 * <p>The collection, {@code beir-<dataset>-<model>}, doubles as the encoded-corpus cache: it is
 * indexed in resume mode ({@link IndexOptions#skipUnchanged()}), so when it already holds the whole
 * corpus with this model's stamp nothing is encoded, an interrupted run continues where it stopped,
 * and a changed document is encoded again. A collection built with another model checksum, or holding
 * documents the corpus does not have, is deleted and rebuilt. Every search (dense, BM25, hybrid) uses the same
 * collection.
 */
public final class BeirEvaluation {
    private static final Logger log = LoggerFactory.getLogger(BeirEvaluation.class);

    /** Results fetched per query (the depth of Recall@100). */
    public static final int DEPTH = 100;

    private BeirEvaluation() {
    }

    /** Searches the prepared corpus collection: document ids, best first, {@code depth} deep where possible. */
    @FunctionalInterface
    public interface Search {
        List<String> search(String collection, String queryText, int depth);
    }

    /**
     * Runs the evaluation; error reports (if the corpus has bad lines) go to {@code <tmp>/mmsearch-reports}.
     *
     * @param qrelsOverride qrels file instead of {@code qrels/test.tsv}, or {@code null}
     * @param label         what {@code search} is (e.g. {@code dense}), reported as the result's retriever
     */
    public static EvalResult run(Path beirDir, Path qrelsOverride, String modelId, String label, Search search,
                                 CollectionStore store, EncoderProvider encoders, IndexProgress progress) {
        return run(beirDir, qrelsOverride, modelId, label, search, store, encoders, progress,
                Path.of(System.getProperty("java.io.tmpdir"), "mmsearch-reports"), IndexOptions.defaults());
    }

    /** As above, with the error report folder and indexing options (resume mode is always on). */
    public static EvalResult run(Path beirDir, Path qrelsOverride, String modelId, String label, Search search,
                                 CollectionStore store, EncoderProvider encoders, IndexProgress progress,
                                 Path reportDir, IndexOptions options) {
        return run(beirDir, qrelsOverride, modelId, TextAnalyzer.ENGLISH, label, search, store, encoders, progress,
                reportDir, options);
    }

    /**
     * As above, the corpus's text analysed with {@code analyzer} (its collection is named after the analyzer too,
     * when it is not English, so collections with different analyzers are cached side by side).
     */
    public static EvalResult run(Path beirDir, Path qrelsOverride, String modelId, TextAnalyzer analyzer, String label,
                                 Search search, CollectionStore store, EncoderProvider encoders, IndexProgress progress,
                                 Path reportDir, IndexOptions options) {
        return run(beirDir, qrelsOverride, modelId, CollectionSchema.BEIR.withAnalyzer(analyzer), label, search, store,
                encoders, progress, reportDir, options);
    }

    /**
     * As above, the corpus indexed with {@code schema} (the BEIR layout with another analyzer or with passages; the
     * collection is named after both, {@link #collectionName(String, String, CollectionSchema)}, so variants are
     * cached side by side).
     */
    public static EvalResult run(Path beirDir, Path qrelsOverride, String modelId, CollectionSchema schema,
                                 String label, Search search, CollectionStore store, EncoderProvider encoders,
                                 IndexProgress progress, Path reportDir, IndexOptions options) {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(search, "search");
        IndexProgress shown = progress == null ? IndexProgress.NONE : progress;
        long start = System.nanoTime();
        BeirDataset dataset = BeirDataset.load(beirDir, qrelsOverride);
        TextEncoder encoder = encoders.textEncoder(modelId);
        String name = collectionName(dataset.name(), modelId, schema);

        IndexSummary indexing = prepareCollection(dataset, name, schema, encoder, store, shown, reportDir, options);
        Metrics metrics = evaluate(dataset, name + " " + label, text -> search.search(name, text, DEPTH), shown);
        double seconds = (System.nanoTime() - start) / 1e9;
        EvalResult result = new EvalResult(metrics.ndcgAt10(), metrics.recallAt100(), metrics.mrrAt10(), metrics.queries(),
                label, modelId, seconds, name, indexing);
        log.info("evaluated dataset={} collection={} retriever={} queries={} ndcg@10={} recall@100={} mrr@10={} seconds={}",
                dataset.name(), name, label, metrics.queries(),
                String.format(Locale.ROOT, "%.4f", result.ndcgAt10()), String.format(Locale.ROOT, "%.4f", result.recallAt100()),
                String.format(Locale.ROOT, "%.4f", result.mrrAt10()), String.format(Locale.ROOT, "%.1f", seconds));
        return result;
    }

    /** Ranks the corpus for one query text: document ids, best first, at least {@value #DEPTH} deep where possible. */
    @FunctionalInterface
    public interface Ranker {
        List<String> rank(String queryText);
    }

    /** Mean metrics over the evaluated queries. */
    public record Metrics(double ndcgAt10, double recallAt100, double mrrAt10, int queries) {
    }

    /**
     * Makes sure the store holds the dataset's corpus embedded with {@code modelId} (reusing a
     * complete cached collection) and returns the collection's name.
     */
    public static String prepare(BeirDataset dataset, String modelId, CollectionStore store, EncoderProvider encoders,
                                 IndexProgress progress, Path reportDir, IndexOptions options) {
        return prepare(dataset, modelId, TextAnalyzer.ENGLISH, store, encoders, progress, reportDir, options);
    }

    /** As above, the corpus's text analysed with {@code analyzer}. */
    public static String prepare(BeirDataset dataset, String modelId, TextAnalyzer analyzer, CollectionStore store,
                                 EncoderProvider encoders, IndexProgress progress, Path reportDir,
                                 IndexOptions options) {
        return prepare(dataset, modelId, CollectionSchema.BEIR.withAnalyzer(analyzer), store, encoders, progress,
                reportDir, options);
    }

    /** As above, the corpus indexed with {@code schema}. */
    public static String prepare(BeirDataset dataset, String modelId, CollectionSchema schema, CollectionStore store,
                                 EncoderProvider encoders, IndexProgress progress, Path reportDir,
                                 IndexOptions options) {
        String name = collectionName(dataset.name(), modelId, schema);
        prepareCollection(dataset, name, schema, encoders.textEncoder(modelId),
                store, progress == null ? IndexProgress.NONE : progress, reportDir, options);
        return name;
    }

    /** Runs every evaluated query through {@code ranker} and averages nDCG@10, Recall@100 and MRR@10. */
    public static Metrics evaluate(BeirDataset dataset, String label, Ranker ranker, IndexProgress progress) {
        IndexProgress shown = progress == null ? IndexProgress.NONE : progress;
        List<String> queryIds = dataset.evaluatedQueryIds();
        double ndcg = 0;
        double recall = 0;
        double mrr = 0;
        shown.start("eval " + label, queryIds.size());
        try {
            for (String queryId : queryIds) {
                String text = dataset.queries().get(queryId);
                List<String> ranked = text.isBlank() ? List.of() : ranker.rank(text);
                Map<String, Integer> judged = dataset.qrels().get(queryId);
                ndcg += RetrievalMetrics.ndcgAtK(ranked, judged, 10);
                recall += RetrievalMetrics.recallAtK(ranked, judged, DEPTH);
                mrr += RetrievalMetrics.mrrAtK(ranked, judged, 10);
                shown.advance(1);
            }
        } finally {
            shown.finish();
        }
        int n = queryIds.size();
        return n == 0 ? new Metrics(0, 0, 0, 0) : new Metrics(ndcg / n, recall / n, mrr / n, n);
    }

    /** {@code beir-<dataset>-<model>} made a valid collection name: lower case, other characters as '-'. */
    public static String collectionName(String datasetName, String modelId) {
        return collectionName(datasetName, modelId, TextAnalyzer.ENGLISH);
    }

    /** As above, with {@code -<analyzer>} after the model for analyzers other than English. */
    public static String collectionName(String datasetName, String modelId, TextAnalyzer analyzer) {
        return collectionName(datasetName, modelId, CollectionSchema.BEIR.withAnalyzer(analyzer));
    }

    /**
     * As above, for a corpus indexed with {@code schema}: {@code -<analyzer>} for analyzers other than English, then
     * {@code -passages} (with {@code -w<window>-o<overlap>} when they are set) for a schema with passages.
     */
    public static String collectionName(String datasetName, String modelId, CollectionSchema schema) {
        TextAnalyzer analyzer = schema.analyzer();
        String suffix = analyzer == TextAnalyzer.ENGLISH ? "" : "-" + analyzer.label();
        if (schema.hasPassages()) {
            suffix += "-passages" + (schema.passages().window() == null ? "" : "-w" + schema.passages().window())
                    + (schema.passages().overlap() == null ? "" : "-o" + schema.passages().overlap());
        }
        String raw = ("beir-" + datasetName + "-" + modelId + suffix).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_-]+", "-").replaceAll("-{2,}", "-").replaceAll("-+$", "");
        return CollectionStore.validateName(raw.length() > 64 ? raw.substring(0, 64).replaceAll("-+$", "") : raw);
    }

    private static IndexSummary prepareCollection(BeirDataset dataset, String name, CollectionSchema schema,
                                                  TextEncoder encoder, CollectionStore store, IndexProgress progress,
                                                  Path reportDir, IndexOptions options) {
        if (store.exists(name)) {
            SearchCollection existing = store.get(name);
            if (!existing.stamp().compatibleWith(encoder.stamp()) || !existing.schema().equals(schema)) {
                log.info("rebuilding cached corpus collection={} was={} now={}", name, existing.stamp().describe(),
                        encoder.stamp().describe());
                store.delete(name);
            }
        }
        IndexSummary summary = indexCorpus(dataset, name, schema, encoder, store, progress, reportDir, options);
        long distinct = summary.indexed() + summary.skipped();
        long held = store.get(name).count();
        if (held != distinct) {
            log.info("rebuilding cached corpus collection={} holds={} corpus={}", name, held, distinct);
            store.delete(name);
            summary = indexCorpus(dataset, name, schema, encoder, store, progress, reportDir, options);
        } else if (summary.indexed() == 0) {
            log.info("reusing encoded corpus collection={} documents={}", name, held);
        }
        return summary;
    }

    private static IndexSummary indexCorpus(BeirDataset dataset, String name, CollectionSchema schema,
                                            TextEncoder encoder, CollectionStore store, IndexProgress progress,
                                            Path reportDir, IndexOptions options) {
        SearchCollection collection = store.getOrCreate(name, schema, encoder.stamp());
        try (JsonlSource source = JsonlSource.open(dataset.corpus(), BeirDataset.IGNORED_FIELDS)) {
            return Indexer.index(source, collection, encoder, schema, options.withSkipUnchanged(true),
                    progress, reportDir);
        }
    }
}
