package dev.mmsearch.ingest;

import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retrieval quality floors on BEIR SciFact (5,183 documents, 300 test queries) of the model and of BM25:
 * {@link Indexer} into a Lucene collection, queries as plain store searches ({@link StoreSearches}; the product's
 * pipeline is measured by {@code mmsearch eval} and retrieval's {@code ScifactHybridIT}). Encoding the corpus
 * with bge-small-en-v1.5 takes 10-15 minutes on 2 cores; the encoded corpus is cached as a collection
 * under {@code mmsearch.testCache/beir-collections}, so later runs of the same build take seconds.
 * Published figures: dense 0.713 (bge-small-en-v1.5), BM25 0.665.
 */
class ScifactQualityIT {
    private static final Logger log = LoggerFactory.getLogger(ScifactQualityIT.class);
    static final String MODEL = "bge-small-en-v1.5";

    static ModelRegistry registry;
    static LuceneCollectionStore store;

    @BeforeAll
    static void open() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"),
                EncoderOptions.defaults().withIntraOpThreads(Runtime.getRuntime().availableProcessors()));
        store = new LuceneCollectionStore(TestPaths.testCache().resolve("beir-collections"));
    }

    @AfterAll
    static void close() {
        store.close();
        registry.close();
    }

    @Test
    void denseBgeSmallReachesNdcgAt10OfAtLeast070() {
        EvalResult result = BeirEvaluation.run(TestPaths.sharedData().resolve("scifact"), null, MODEL, "dense",
                StoreSearches.dense(store, registry, MODEL), store, registry, new LoggingIndexProgress(Duration.ofSeconds(30)));
        log.info("scifact dense {}", result.toJson());
        assertThat(result.queries()).isEqualTo(300);
        assertThat(store.get(result.collection()).count()).isEqualTo(5183);
        assertThat(result.ndcgAt10()).isGreaterThanOrEqualTo(0.70);
        assertThat(result.recallAt100()).isGreaterThan(0.9);
    }

    @Test
    void bm25ReachesNdcgAt10OfAtLeast064() {
        EvalResult result = BeirEvaluation.run(TestPaths.sharedData().resolve("scifact"), null, MODEL, "bm25",
                StoreSearches.bm25(store), store, registry, new LoggingIndexProgress(Duration.ofSeconds(30)));
        log.info("scifact bm25 {}", result.toJson());
        assertThat(result.queries()).isEqualTo(300);
        assertThat(result.ndcgAt10()).isGreaterThanOrEqualTo(0.64);
    }
}
