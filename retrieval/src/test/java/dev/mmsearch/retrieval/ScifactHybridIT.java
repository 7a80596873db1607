package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.experiment.Arm;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.BeirEvaluation;
import dev.mmsearch.ingest.LoggingIndexProgress;
import dev.mmsearch.ingest.RetrievalMetrics;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hybrid retrieval quality on BEIR SciFact (5,183 documents, 300 test queries) with bge-small-en-v1.5
 * and BM25, through this module's stages on the SciFact collection that ingest's quality tests cache
 * (used read-only; encoded here, 10-15 minutes, only when the cache is missing).
 *
 * <p>Protocol (fixed before looking at any number): the 300 queries are split by the parity of
 * CRC32(query id) into half A (even) and half B (odd). The fusion (normalisation x vector weight,
 * bm25 weight = 1 - vector weight) is chosen on half A only, by nDCG@10; half B and all 300 are
 * reported for it and for two untuned defaults (RRF k = 60; weighted 0.5/0.5 min-max). The recall
 * is the same for every row: multi(vector k=100, bm25 k=100).
 */
class ScifactHybridIT {
    private static final Logger log = LoggerFactory.getLogger(ScifactHybridIT.class);
    static final String MODEL = "bge-small-en-v1.5";
    static final Map<String, Object> HYBRID = Map.of("type", "multi", "recalls",
            List.of(Map.of("type", "vector", "k", 100), Map.of("type", "bm25", "k", 100)));

    static LuceneCollectionStore store;
    static ModelRegistry models;
    static SearchCollection collection;
    static BeirDataset dataset;
    static List<String> queryIds;
    static List<String> halfA = new ArrayList<>();
    static List<String> halfB = new ArrayList<>();
    /** Query id → its request context and the hybrid recall's merged candidates. */
    static Map<String, RequestContext> contexts = new LinkedHashMap<>();
    static Map<String, List<Candidate>> recalled = new LinkedHashMap<>();

    @BeforeAll
    static void recallOnce() {
        dataset = BeirDataset.load(TestPaths.sharedData().resolve("scifact"), null);
        java.nio.file.Path collections = TestPaths.testCache().resolve("beir-collections");
        String name = BeirEvaluation.collectionName(dataset.name(), MODEL);
        store = new LuceneCollectionStore(collections);
        models = new ModelRegistry(TestPaths.testCache().resolve("models"),
                EncoderOptions.defaults().withIntraOpThreads(Runtime.getRuntime().availableProcessors()));
        if (!Files.isDirectory(collections.resolve(name))) {
            // Normally built by ingest's ScifactQualityIT earlier in the same build; building it takes 10-15 minutes.
            log.warn("cached SciFact collection missing, encoding the corpus collection={}", name);
            BeirEvaluation.prepare(dataset, MODEL, store, models, new LoggingIndexProgress(java.time.Duration.ofSeconds(30)),
                    java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "mmsearch-reports"),
                    dev.mmsearch.ingest.IndexOptions.defaults());
        }
        collection = store.get(name);
        queryIds = dataset.evaluatedQueryIds();
        for (String id : queryIds) {
            CRC32 crc = new CRC32();
            crc.update(id.getBytes(StandardCharsets.UTF_8));
            (crc.getValue() % 2 == 0 ? halfA : halfB).add(id);
        }
        RecallStage recall = BuiltinStages.registry().create(StageKind.RECALL, "arm 'hybrid'", HYBRID, RecallStage.class);
        long start = System.nanoTime();
        for (String id : queryIds) {
            RequestContext context = new RequestContext(SearchQuery.of(name, dataset.queries().get(id), 10), collection, new QueryEncoders(models));
            contexts.put(id, context);
            recalled.put(id, recall.recall(context));
        }
        log.info("scifact hybrid recall queries={} halfA={} halfB={} ms={}", queryIds.size(), halfA.size(), halfB.size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    @AfterAll
    static void close() {
        if (store != null) {
            store.close();
        }
        if (models != null) {
            models.close();
        }
    }

    static double ndcg(List<String> ids, Function<String, List<String>> ranking) {
        return ids.stream().mapToDouble(id -> RetrievalMetrics.ndcgAtK(ranking.apply(id), dataset.qrels().get(id), 10))
                .average().orElseThrow();
    }

    static Function<String, List<String>> ranker(Map<String, Object> rankParams) {
        RankStage rank = BuiltinStages.registry().create(StageKind.RANK, "arm 'eval'", rankParams, RankStage.class)
                .forRecalls(List.of("vector", "bm25"));
        Map<String, List<String>> cache = new LinkedHashMap<>();
        return id -> cache.computeIfAbsent(id, q -> rank.rank(contexts.get(q), recalled.get(q)).stream()
                .limit(10).map(Candidate::id).toList());
    }

    /** One recall's own ranking, read from the merged candidates (its scores, ties by id). */
    static Function<String, List<String>> single(String recall) {
        return id -> recalled.get(id).stream().filter(c -> c.score(recall) != null)
                .sorted((a, b) -> {
                    int s = Float.compare(b.score(recall), a.score(recall));
                    return s != 0 ? s : a.id().compareTo(b.id());
                }).limit(10).map(Candidate::id).toList();
    }

    static Map<String, Object> weighted(double vector, String normalize) {
        return Map.of("type", "weighted", "weights", Map.of("vector", vector, "bm25", Math.round((1 - vector) * 100) / 100.0),
                "normalize", normalize);
    }

    record Row(String setting, double a, double b, double all) {
    }

    static Row row(String setting, Function<String, List<String>> ranking) {
        return new Row(setting, ndcg(halfA, ranking), ndcg(halfB, ranking), ndcg(queryIds, ranking));
    }

    @Test
    void hybridChosenOnHalfAHoldsOnHalfBAndReachesTheFloorThroughTheConfiguredArm() {
        // 1. Choose on half A only.
        Map<String, Object> chosen = null;
        double bestA = -1;
        StringBuilder grid = new StringBuilder();
        for (String normalize : List.of("minmax", "zscore")) {
            for (int w = 1; w <= 9; w++) {
                Map<String, Object> params = weighted(w / 10.0, normalize);
                double a = ndcg(halfA, ranker(params));
                grid.append(String.format(Locale.ROOT, "%n  %-6s vector=%.1f halfA=%.4f", normalize, w / 10.0, a));
                if (a > bestA) {
                    bestA = a;
                    chosen = params;
                }
            }
        }
        log.info("fusion grid on half A (nDCG@10):{}", grid);

        // 2. Report A, B and all for the chosen setting, the defaults and the single recalls.
        List<Row> rows = List.of(
                row("dense only (bge-small, k=100)", single("vector")),
                row("bm25 only", single("bm25")),
                row("rrf k=60 (default)", ranker(Map.of("type", "rrf", "k", 60))),
                row("weighted 0.5/0.5 minmax (default)", ranker(weighted(0.5, "minmax"))),
                row("chosen on A: " + describe(chosen), ranker(chosen)));
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%n| %-44s | half A (n=%d) | half B (n=%d) | all (n=%d) |",
                "setting (recall: multi(vector k=100, bm25 k=100))", halfA.size(), halfB.size(), queryIds.size()));
        table.append("\n|---|---|---|---|");
        for (Row r : rows) {
            table.append(String.format(Locale.ROOT, "%n| %-44s | %.4f | %.4f | %.4f |", r.setting(), r.a(), r.b(), r.all()));
        }
        log.info("scifact nDCG@10 hybrid fusion:{}", table);

        Row dense = rows.get(0);
        Row best = rows.get(4);
        assertThat(dense.all()).as("dense baseline").isBetween(0.70, 0.73);
        assertThat(best.all()).as("chosen setting on all 300").isGreaterThanOrEqualTo(0.73);
        assertThat(best.b()).as("chosen setting on half B (not tuned on)").isGreaterThanOrEqualTo(0.73);
        assertThat(best.all()).isGreaterThan(dense.all());

        // 3. The same setting as a configured arm, end to end (qp, recall, rank, summary) through CompiledExperiments.
        CompiledExperiments experiments = CompiledExperiments.compile(ExperimentConfig.of("scifact-it", List.of(
                new Scene("qa", List.of(
                        new Layer("recall", StageKind.RECALL, "salt-r", List.of(new Arm("dense", 1, Map.of("type", "vector")),
                                new Arm("hybrid", 1, HYBRID))),
                        new Layer("rank", StageKind.RANK, "salt-k", List.of(new Arm("none", 1, Map.of("type", "none")),
                                new Arm("chosen", 1, chosen))))))), BuiltinStages.registry());
        Map<String, Double> endToEnd = new LinkedHashMap<>();
        Map<String, Double> meanMs = new LinkedHashMap<>();
        for (String arms : List.of("hybrid/chosen", "dense/none")) {
            String[] pair = arms.split("/");
            Map<String, List<String>> results = new LinkedHashMap<>();
            long start = System.nanoTime();
            for (String id : queryIds) {
                SearchResult response = experiments.execute(SearchQuery.of(collection.name(), dataset.queries().get(id), 10)
                        .withForcedArms(Map.of("recall", pair[0], "rank", pair[1])), collection, new QueryEncoders(models));
                assertThat(response.arms()).containsEntry("recall", pair[0]).containsEntry("rank", pair[1]);
                assertThat(response.configVersion()).isEqualTo("scifact-it");
                results.put(id, response.hits().stream().map(Hit::id).toList());
            }
            meanMs.put(arms, (System.nanoTime() - start) / 1e6 / queryIds.size());
            endToEnd.put(arms, ndcg(queryIds, results::get));
        }
        log.info("scifact end-to-end nDCG@10={} meanMsPerQuery={}", endToEnd, meanMs);
        assertThat(endToEnd.get("hybrid/chosen")).isCloseTo(best.all(), org.assertj.core.api.Assertions.within(1e-9));
        assertThat(endToEnd.get("dense/none")).isCloseTo(dense.all(), org.assertj.core.api.Assertions.within(1e-9));
    }

    @SuppressWarnings("unchecked")
    static String describe(Map<String, Object> weightedParams) {
        Map<String, Double> w = (Map<String, Double>) weightedParams.get("weights");
        return String.format(Locale.ROOT, "weighted %.1f/%.1f %s", w.get("vector"), w.get("bm25"), weightedParams.get("normalize"));
    }
}
