package dev.mmsearch.it.scaleout;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.BeirEvaluation;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.LoggingIndexProgress;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import dev.mmsearch.retrieval.CompiledExperiments;
import dev.mmsearch.retrieval.QueryEncoders;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.retrieval.SearchResult;
import dev.mmsearch.retrieval.stages.VectorRecall;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import dev.mmsearch.store.opensearch.OpenSearchCollectionStore;
import dev.mmsearch.store.opensearch.OpenSearchStoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SciFact (5,183 documents, 300 test queries) with bge-small-en-v1.5 through the OpenSearch store on a real
 * 2-node cluster (collection with 2 shards, 1 replica) against the embedded Lucene store on the same vectors.
 *
 * <p>The corpus is not encoded again: documents and vectors are copied from the encoded-corpus cache that the
 * ingest module's {@code ScifactQualityIT} keeps under {@code mmsearch.testCache/beir-collections} (same name,
 * {@link BeirEvaluation#collectionName}). When the cache is missing it is built with the same helper,
 * {@link BeirEvaluation#prepare} (10-15 minutes on 2 cores); an existing cache is only read, and held open for
 * as short a time as possible (one process at a time may open it). Queries are encoded once and both stores are
 * asked the same way the product's vector recall asks ({@code k = 100}, {@value VectorRecall#MIN_NUM_CANDIDATES}
 * HNSW candidates), so the only difference is the store.
 */
class ScifactOpenSearchIT {
    private static final Logger log = LoggerFactory.getLogger(ScifactOpenSearchIT.class);
    static final String MODEL = "bge-small-en-v1.5";
    static final int CORPUS = 5183;

    private record Corpus(String name, SearchCollection source, List<EmbeddedDocument> documents) {
    }

    @Test
    void denseNdcgAt10ThroughOpenSearchIsWithin001OfTheEmbeddedStore() throws Exception {
        Path scifact = TestPaths.sharedData().resolve("scifact");
        assumeTrue(Files.isDirectory(scifact), "SciFact is not at " + scifact + " (set -Dmmsearch.sharedData)");
        BeirDataset dataset = BeirDataset.load(scifact, null);
        Path cacheRoot = TestPaths.testCache().resolve("beir-collections");
        String name = BeirEvaluation.collectionName(dataset.name(), MODEL);

        try (ModelRegistry registry = new ModelRegistry(TestPaths.testCache().resolve("models"),
                EncoderOptions.defaults().withIntraOpThreads(Runtime.getRuntime().availableProcessors()))) {
            TextEncoder encoder = registry.textEncoder(MODEL);
            long t0 = System.nanoTime();
            Map<String, float[]> queryVectors = encodeQueries(dataset, encoder);
            log.info("encoded queries={} seconds={}", queryVectors.size(), secondsSince(t0));

            // The embedded side: read the cached collection, evaluate it, close it again.
            List<EmbeddedDocument> documents = new ArrayList<>(CORPUS);
            BeirEvaluation.Metrics embedded;
            BeirEvaluation.Metrics embeddedBm25;
            CollectionSchema schema;
            dev.mmsearch.core.ModelStamp stamp;
            try (LuceneCollectionStore lucene = new LuceneCollectionStore(cacheRoot)) {
                if (!lucene.exists(name)) {
                    log.warn("encoded SciFact cache collection={} missing under {}; building it (10-15 min)", name,
                            cacheRoot);
                    BeirEvaluation.prepare(dataset, MODEL, lucene, registry,
                            new LoggingIndexProgress(Duration.ofSeconds(30)),
                            Path.of(System.getProperty("java.io.tmpdir"), "mmsearch-reports"), IndexOptions.defaults());
                }
                SearchCollection cached = lucene.get(name);
                assumeTrue(cached.count() == CORPUS && cached.stamp().compatibleWith(encoder.stamp()),
                        "the cached collection " + name + " holds " + cached.count() + " documents with "
                                + cached.stamp().describe() + "; expected the whole corpus with " + MODEL
                                + " (run the ingest module's ScifactQualityIT to rebuild it)");
                cached.forEachDocument(documents::add);
                schema = cached.schema();
                stamp = cached.stamp();
                embedded = evaluateDense(dataset, "lucene", cached, queryVectors);
                embeddedBm25 = evaluateBm25(dataset, "lucene", cached);
            }
            assertThat(documents).hasSize(CORPUS);
            assertThat(schema).isEqualTo(CollectionSchema.BEIR);

            try (OpenSearchTestCluster cluster = OpenSearchTestCluster.start(2);
                 OpenSearchCollectionStore store = new OpenSearchCollectionStore(OpenSearchStoreOptions
                         .forHosts(cluster.httpHosts()).withShards(2).withReplicas(1))) {
                long i0 = System.nanoTime();
                SearchCollection collection = store.getOrCreate(name, schema, stamp);
                for (int from = 0; from < documents.size(); from += 1000) {
                    collection.upsert(documents.subList(from, Math.min(documents.size(), from + 1000)));
                }
                collection.commit();
                double ingestSeconds = secondsSince(i0);
                assertThat(collection.count()).isEqualTo(CORPUS);
                assertThat(collection.stamp()).isEqualTo(stamp);

                BeirEvaluation.Metrics distributed = evaluateDense(dataset, "opensearch", collection, queryVectors);
                BeirEvaluation.Metrics distributedBm25 = evaluateBm25(dataset, "opensearch", collection);

                // The product's pipeline over the cluster (built-in stages: vector recall, stored fields): it encodes
                // the query and fetches the page's stored fields.
                SearchResult response = BuiltinStages.defaults().execute(SearchQuery.of(name,
                        "ALDH1 expression is associated with poorer prognosis for breast cancer primary tumors.", 10),
                        collection, new QueryEncoders(registry));
                assertThat(response.hits()).hasSize(10);
                assertThat(response.hits().stream().map(Hit::fields)).allMatch(f -> f.containsKey("title"));

                log.info(String.format(Locale.ROOT, "scifact %s dense ndcg@10 lucene=%.4f opensearch=%.4f diff=%.4f"
                                + " recall@100 lucene=%.4f opensearch=%.4f | bm25 ndcg@10 lucene=%.4f opensearch=%.4f"
                                + " | opensearch ingest %d docs in %.1f s (%.0f docs/s, 2 shards x 2 copies)",
                        MODEL, embedded.ndcgAt10(), distributed.ndcgAt10(),
                        distributed.ndcgAt10() - embedded.ndcgAt10(), embedded.recallAt100(),
                        distributed.recallAt100(), embeddedBm25.ndcgAt10(), distributedBm25.ndcgAt10(), CORPUS,
                        ingestSeconds, CORPUS / ingestSeconds));

                assertThat(embedded.queries()).isEqualTo(300);
                assertThat(distributed.queries()).isEqualTo(300);
                assertThat(embedded.ndcgAt10()).as("embedded dense nDCG@10").isGreaterThanOrEqualTo(0.70);
                assertThat(distributed.ndcgAt10()).as("OpenSearch dense nDCG@10").isGreaterThanOrEqualTo(0.70);
                assertThat(Math.abs(distributed.ndcgAt10() - embedded.ndcgAt10()))
                        .as("|OpenSearch - embedded| dense nDCG@10").isLessThanOrEqualTo(0.01);
                assertThat(Math.abs(distributed.recallAt100() - embedded.recallAt100()))
                        .as("|OpenSearch - embedded| dense Recall@100").isLessThanOrEqualTo(0.01);
                // BM25 is computed by two different engines (Lucene 10 here, Lucene 9 inside OpenSearch, the
                // english analyzer on both; dfs_query_then_fetch gives global term statistics over the shards).
                assertThat(Math.abs(distributedBm25.ndcgAt10() - embeddedBm25.ndcgAt10()))
                        .as("|OpenSearch - embedded| BM25 nDCG@10").isLessThanOrEqualTo(0.02);
            }
        }
    }

    private static Map<String, float[]> encodeQueries(BeirDataset dataset, TextEncoder encoder) {
        List<String> texts = dataset.evaluatedQueryIds().stream().map(id -> dataset.queries().get(id))
                .filter(t -> !t.isBlank()).distinct().toList();
        Map<String, float[]> vectors = new HashMap<>();
        for (int from = 0; from < texts.size(); from += 32) {
            List<String> batch = texts.subList(from, Math.min(texts.size(), from + 32));
            float[][] encoded = encoder.encodeQueries(batch);
            for (int i = 0; i < batch.size(); i++) {
                vectors.put(batch.get(i), encoded[i]);
            }
        }
        return vectors;
    }

    private static BeirEvaluation.Metrics evaluateDense(BeirDataset dataset, String label, SearchCollection collection,
                                                        Map<String, float[]> queryVectors) {
        return BeirEvaluation.evaluate(dataset, label + " dense", text -> ids(collection.search(VectorQuery.of(
                queryVectors.get(text), BeirEvaluation.DEPTH, Math.max(VectorRecall.MIN_NUM_CANDIDATES,
                        BeirEvaluation.DEPTH)))), null);
    }

    private static BeirEvaluation.Metrics evaluateBm25(BeirDataset dataset, String label, SearchCollection collection) {
        return BeirEvaluation.evaluate(dataset, label + " bm25",
                text -> ids(collection.search(TextQuery.of(text, BeirEvaluation.DEPTH))), null);
    }

    private static List<String> ids(List<ScoredId> hits) {
        return hits.stream().map(ScoredId::id).toList();
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
