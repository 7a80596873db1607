package dev.mmsearch.ingest;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code reindex} with real models (all-MiniLM-L6-v2 int8 -> bge-small-en-v1.5 int8) and a real Lucene store,
 * while three threads search the collection the way the server does (get the collection by name, encode the
 * query with the model its stamp names, kNN + BM25): no search fails, each returns the right topic first, and
 * searches run on both models, before and after the atomic switch.
 */
class ReindexTest {
    private static final String[] TOPICS = {"protein folding", "ocean currents", "jazz harmony", "medieval castles",
            "volcanic soil", "neural networks", "coffee roasting", "glacier retreat", "chess openings", "bee colonies"};
    static ModelRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModels() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
    }

    @AfterAll
    static void closeModels() {
        registry.close();
    }

    private static List<Document> documents(int n) {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String topic = TOPICS[i % TOPICS.length];
            docs.add(new Document("d" + i, Map.of("title", "Notes on " + topic + " " + i,
                    "text", "A short study of " + topic + ", part " + i + ", with observations about " + topic + ".")));
        }
        return docs;
    }

    private static Path writeJsonl(Path file, List<Document> docs) throws Exception {
        List<String> lines = new ArrayList<>();
        for (Document d : docs) {
            lines.add(dev.mmsearch.core.Json.MAPPER.writeValueAsString(Map.of("id", d.id(), "title",
                    d.fields().get("title"), "text", d.fields().get("text"))));
        }
        Files.createDirectories(file.getParent());
        return Files.write(file, lines);
    }

    @Test
    void reindexToAnotherModelUnderSearchLoadHasNoFailedSearchAndSwitchesAtomically() throws Exception {
        TextEncoder minilm = registry.textEncoder("all-MiniLM-L6-v2-q");
        TextEncoder bge = registry.textEncoder("bge-small-en-v1.5-q");
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir.resolve("collections"), Duration.ofSeconds(2))) {
            SearchCollection original = store.getOrCreate("docs", CollectionSchema.BEIR, minilm.stamp());
            Path input = writeJsonl(dir.resolve("in/docs.jsonl"), documents(300));
            Indexer.index(input, original, minilm, CollectionSchema.BEIR, IndexOptions.defaults(), IndexProgress.NONE,
                    dir.resolve("reports"));
            assertThat(original.count()).isEqualTo(300);

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong searches = new AtomicLong();
            Map<String, AtomicInteger> byModel = new ConcurrentHashMap<>();
            List<String> failures = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    int i = seed;
                    while (running.get() || searches.get() < 30) {
                        String topic = TOPICS[i++ % TOPICS.length];
                        try {
                            SearchCollection c = store.get("docs");
                            ModelStamp stamp = c.stamp();
                            TextEncoder encoder = registry.textEncoder(stamp.modelId());
                            ModelStamp.requireCompatible("docs", stamp, encoder.stamp());
                            List<ScoredId> dense = c.search(VectorQuery.of(encoder.encodeQuery(topic), 5, 50));
                            List<ScoredId> bm25 = c.search(TextQuery.of(topic, 5));
                            for (List<ScoredId> hits : List.of(dense, bm25)) {
                                String top = hits.isEmpty() ? null : hits.getFirst().id();
                                Document doc = top == null ? null : c.fetch(List.of(top)).get(top);
                                if (doc == null || !String.valueOf(doc.fields().get("title")).contains(topic)) {
                                    failures.add("query '" + topic + "' on " + stamp.modelId() + " got " + doc);
                                }
                            }
                            byModel.computeIfAbsent(stamp.modelId(), k -> new AtomicInteger()).incrementAndGet();
                            searches.incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.add("query '" + topic + "': " + e);
                        }
                    }
                }));
            }
            Reindexer.ReindexSummary summary = Reindexer.reindex(store, "docs", bge, VectorEncoding.INT8,
                    IndexOptions.defaults(), IndexProgress.NONE, dir.resolve("reports"));
            long afterSwitch = searches.get();
            while (searches.get() < afterSwitch + 30) {
                Thread.sleep(10);
            }
            running.set(false);
            for (Thread thread : threads) {
                thread.join();
            }

            assertThat(failures).as("failed or wrong searches during the re-index").isEmpty();
            assertThat(byModel).as("searches ran on both models").containsKeys("all-MiniLM-L6-v2-q", "bge-small-en-v1.5-q");
            assertThat(summary.documents()).isEqualTo(300);
            assertThat(summary.run().indexed()).isEqualTo(300);
            SearchCollection now = store.get("docs");
            assertThat(now.stamp()).isEqualTo(bge.stamp());
            assertThat(now.vectorEncoding()).isEqualTo(VectorEncoding.INT8);
            assertThat(now.count()).isEqualTo(300);
            assertThat(now.fetch(List.of("d7")).get("d7").fields()).isEqualTo(original.fetch(List.of("d7")).get("d7")
                    .fields());
        }
        // The switch is durable.
        try (LuceneCollectionStore reopened = new LuceneCollectionStore(dir.resolve("collections"))) {
            assertThat(reopened.get("docs").stamp().modelId()).isEqualTo("bge-small-en-v1.5-q");
            assertThat(reopened.get("docs").count()).isEqualTo(300);
        }
    }

    @Test
    void reindexOfAMissingCollectionIsNotFoundAndAFailedOneKeepsTheOldVersion() throws Exception {
        TextEncoder minilm = registry.textEncoder("all-MiniLM-L6-v2-q");
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir.resolve("collections"))) {
            assertThatThrownBy(() -> Reindexer.reindex(store, "missing", minilm, null, IndexOptions.defaults(),
                    IndexProgress.NONE, dir.resolve("reports")))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.COLLECTION_NOT_FOUND));

            SearchCollection original = store.getOrCreate("docs", CollectionSchema.BEIR, minilm.stamp());
            Indexer.index(writeJsonl(dir.resolve("in/docs.jsonl"), documents(20)), original, minilm,
                    CollectionSchema.BEIR, IndexOptions.defaults(), IndexProgress.NONE, dir.resolve("reports"));
            // An encoder that dies half-way: the new version is discarded, the old one keeps serving.
            TextEncoder dying = new FailingEncoder(minilm, 1);
            assertThatThrownBy(() -> Reindexer.reindex(store, "docs", dying, null,
                    IndexOptions.defaults().withBatchSize(4), IndexProgress.NONE, dir.resolve("reports")))
                    .hasMessageContaining("encoder gave up");
            assertThat(store.get("docs").stamp()).isEqualTo(minilm.stamp());
            assertThat(store.get("docs").count()).isEqualTo(20);
            try (var children = Files.list(dir.resolve("collections"))) {
                assertThat(children.map(p -> p.getFileName().toString()).filter(n -> n.contains("~")).toList())
                        .as("no version directory left behind").isEmpty();
            }
        }
    }

    /** A real encoder that throws after {@code okBatches} document batches (an OOM or a lost GPU, say). */
    private record FailingEncoder(TextEncoder delegate, int okBatches, AtomicInteger calls) implements TextEncoder {
        FailingEncoder(TextEncoder delegate, int okBatches) {
            this(delegate, okBatches, new AtomicInteger());
        }

        @Override
        public ModelStamp stamp() {
            return delegate.stamp();
        }

        @Override
        public int maxSequenceLength() {
            return delegate.maxSequenceLength();
        }

        @Override
        public float[][] encodeQueries(List<String> queries) {
            return delegate.encodeQueries(queries);
        }

        @Override
        public float[][] encodeDocuments(List<String> documents) {
            if (calls.incrementAndGet() > okBatches) {
                throw new IllegalStateException("encoder gave up");
            }
            return delegate.encodeDocuments(documents);
        }

        @Override
        public int countTokens(String text) {
            return delegate.countTokens(text);
        }

        @Override
        public void close() {
        }
    }
}
