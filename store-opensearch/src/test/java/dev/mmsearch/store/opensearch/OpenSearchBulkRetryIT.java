package dev.mmsearch.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bulk ingest against a real node whose write thread pool is one thread with a queue of one, so concurrent bulk
 * requests are rejected with 429 ({@code rejected_execution_exception}): the store must retry them with backoff
 * and end up with every document.
 */
class OpenSearchBulkRetryIT {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchBulkRetryIT.class);

    @Test
    void rejectedBulkWritesAreRetriedUntilEveryDocumentIsIn() throws Exception {
        try (OpenSearchTestCluster cluster = OpenSearchTestCluster.start(1,
                Map.of("thread_pool.write.size", "1", "thread_pool.write.queue_size", "1"));
             OpenSearchCollectionStore store = new OpenSearchCollectionStore(OpenSearchStoreOptions
                     .forHosts(cluster.httpHosts()).withShards(2).withReplicas(0).withBulkBatchSize(25)
                     .withRetries(20, Duration.ofMillis(20), Duration.ofMillis(2000)))) {
            int dim = 8;
            SearchCollection collection = store.getOrCreate("retry", new CollectionSchema("{text}",
                    List.of("text"), List.of()), new ModelStamp("m", "00", dim, VectorSimilarity.COSINE));
            int writers = 4; // with a write pool of 1 and a queue of 1, still far more than it takes at once
            int perWriter = 400;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<Future<?>> done = new ArrayList<>();
            long start = System.nanoTime();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    Random random = new Random(writer);
                    List<EmbeddedDocument> docs = new ArrayList<>();
                    for (int i = 0; i < perWriter; i++) {
                        float[] v = new float[dim];
                        for (int j = 0; j < dim; j++) {
                            v[j] = (float) random.nextGaussian();
                        }
                        docs.add(new EmbeddedDocument(new Document("w" + writer + "-" + i,
                                Map.of("text", "writer " + writer)), v));
                    }
                    collection.upsert(docs);
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            pool.shutdown();
            collection.commit();
            long retries = store.retries();
            log.info("bulk retry: docs={} retries={} took={}ms", writers * perWriter, retries,
                    (System.nanoTime() - start) / 1_000_000);
            assertThat(retries).as("the tiny write queue rejected some bulk work").isPositive();
            assertThat(collection.count()).isEqualTo((long) writers * perWriter);
        }
    }
}
