package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.FieldsSummary;
import dev.mmsearch.store.lucene.LuceneCollection;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One request, one view: every stage of a search reads the same point-in-time view of a real Lucene collection, which
 * the request acquires once and releases when it is done; and while a writer changes and deletes documents, every hit
 * shows the fields of the very version of its document that was scored.
 */
class RequestViewTest {
    static final ModelStamp STAMP = new ModelStamp("words-4d", "1".repeat(64), 4, VectorSimilarity.COSINE);
    static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", List.of("title", "text"),
            List.of("category"), List.of("version"));
    static final StageRegistry REGISTRY = BuiltinStages.registry();

    @TempDir
    Path dir;

    /** A toy encoder for {@link #STAMP}: counts of a few words, so vector recall and rescore run with no model. */
    static float[] embed(String text) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        return new float[] {1 + count(t, "alpha"), 1 + count(t, "beta"), 1 + count(t, "cat"), 1};
    }

    private static int count(String text, String word) {
        int n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }

    static EncoderProvider wordEncoder() {
        TextEncoder encoder = new TextEncoder() {
            @Override
            public ModelStamp stamp() {
                return STAMP;
            }

            @Override
            public int maxSequenceLength() {
                return 512;
            }

            @Override
            public float[][] encodeQueries(List<String> queries) {
                return queries.stream().map(RequestViewTest::embed).toArray(float[][]::new);
            }

            @Override
            public float[][] encodeDocuments(List<String> documents) {
                return encodeQueries(documents);
            }

            @Override
            public int countTokens(String text) {
                return text.split("\\s+").length;
            }

            @Override
            public void close() {
            }
        };
        return new EncoderProvider() {
            @Override
            public TextEncoder textEncoder(String modelId) {
                return encoder;
            }

            @Override
            public List<String> modelIds() {
                return List.of(STAMP.modelId());
            }

            @Override
            public void close() {
            }
        };
    }

    static EmbeddedDocument doc(String id, int version) {
        String word = version % 2 == 0 ? "alpha" : "beta";
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "Note " + id + " " + word);
        fields.put("text", "A " + word + " note about a cat, version " + version + ".");
        fields.put("category", version % 3 == 0 ? "three" : "other");
        fields.put("version", version);
        return new EmbeddedDocument(new Document(id, fields), embed(fields.get("title") + " " + fields.get("text")));
    }

    static Pipeline pipeline(Map<String, Object> recall, Map<String, Object> rank) {
        return new Pipeline("test", "v1", Map.of("layer", "arm"),
                REGISTRY.create(StageKind.QP, "qp", Map.of("type", "normalize"), QueryStage.class),
                REGISTRY.create(StageKind.RECALL, "recall", recall, RecallStage.class),
                REGISTRY.create(StageKind.RANK, "rank", rank, RankStage.class),
                REGISTRY.create(StageKind.SUMMARY, "summary", Map.of("type", "fields", "highlight",
                        List.of("title", "text")), SummaryStage.class));
    }

    static SearchResult run(Pipeline pipeline, LuceneCollection collection, SearchQuery query) {
        try (RequestContext context = new RequestContext(query, collection, new QueryEncoders(wordEncoder()))) {
            return pipeline.execute(context);
        }
    }

    @Test
    void everyStageOfARequestReadsTheOneViewItAcquires() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            LuceneCollection collection = (LuceneCollection) store.getOrCreate("notes", SCHEMA, STAMP);
            List<EmbeddedDocument> docs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                docs.add(doc("n" + i, i));
            }
            collection.upsert(docs);
            collection.commit();
            Map<String, Object> vector = Map.of("type", "vector", "k", 20);
            Map<String, Object> bm25 = Map.of("type", "bm25", "k", 20);
            Map<String, Object> boosted = Map.of("type", "bm25", "k", 20, "fields", Map.of("title", 2.0, "text", 1.0));
            Map<String, Pipeline> pipelines = new LinkedHashMap<>();
            pipelines.put("dense", pipeline(vector, Map.of("type", "none")));
            pipelines.put("bm25 boosted + mmr", pipeline(boosted, Map.of("type", "mmr", "k", 10)));
            pipelines.put("hybrid rrf", pipeline(Map.of("type", "multi", "recalls", List.of(vector, bm25)),
                    Map.of("type", "rrf")));
            pipelines.put("dense + rescore", pipeline(vector, Map.of("type", "rescore", "k", 10)));
            SearchQuery query = SearchQuery.of("notes", "alpha cat", 5)
                    .withFilter(new dev.mmsearch.core.Filter.Term("category", "other"));
            for (Map.Entry<String, Pipeline> entry : pipelines.entrySet()) {
                long before = collection.searcherAcquisitions();
                SearchResult response = run(entry.getValue(), collection, query);
                assertThat(collection.searcherAcquisitions() - before).as(entry.getKey()).isEqualTo(1);
                assertThat(response.hits()).as(entry.getKey()).hasSize(5)
                        .allSatisfy(hit -> assertThat(hit.fields()).containsKeys("title", "text", "version"));
            }
            // "Find similar" reads the stored vector through the same view.
            long before = collection.searcherAcquisitions();
            SearchResult similar = run(pipelines.get("dense"), collection,
                    new SearchQuery("notes", "", 3, 0, null, null, false, Map.of(), null,
                            QueryImage.similarTo("n4"), null, null));
            assertThat(collection.searcherAcquisitions() - before).isEqualTo(1);
            // n4's own vector is the query: the best hit has it exactly (cosine 1; several notes share that vector).
            assertThat(similar.hits()).hasSize(3).first().satisfies(hit -> assertThat(hit.score())
                    .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f)));
        }
    }

    /**
     * A writer flips documents between an "alpha" and a "beta" version, deletes and re-adds others, and commits all the
     * time, while searches for "alpha" run. A hit whose fields came from a later state than its score would show "beta"
     * text or no fields at all (a document deleted after recall): neither may happen.
     */
    @Test
    void hitsShowTheVersionOfTheDocumentThatWasScoredWhileWritesLand() throws Exception {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            LuceneCollection collection = (LuceneCollection) store.getOrCreate("notes", SCHEMA, STAMP);
            int documents = 60;
            List<EmbeddedDocument> initial = new ArrayList<>();
            for (int i = 0; i < documents; i++) {
                initial.add(doc("n" + i, 0));
            }
            collection.upsert(initial);
            collection.commit();
            Pipeline bm25 = pipeline(Map.of("type", "bm25", "k", 100), Map.of("type", "none"));
            Pipeline hybrid = pipeline(Map.of("type", "multi", "recalls", List.of(Map.of("type", "vector", "k", 100),
                    Map.of("type", "bm25", "k", 100))), Map.of("type", "rrf"));
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger commits = new AtomicInteger();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                java.util.Random random = new java.util.Random(42);
                started.countDown();
                for (int round = 1; round <= 400 && writing.get(); round++) {
                    List<EmbeddedDocument> batch = new ArrayList<>();
                    for (int j = 0; j < 8; j++) {
                        batch.add(doc("n" + random.nextInt(documents), round));
                    }
                    collection.upsert(batch);
                    collection.delete(List.of("n" + random.nextInt(documents)));
                    collection.commit();
                    commits.incrementAndGet();
                }
            });
            writer.start();
            started.await();
            int searches = 0;
            int hitsSeen = 0;
            try {
                // Search until the writer has made all its commits (and at least 600 searches): how many commits land
                // during a fixed number of searches depends on the machine, the overlap must not.
                for (; searches < 600 || writer.isAlive(); searches++) {
                    Pipeline pipeline = searches % 2 == 0 ? bm25 : hybrid;
                    SearchQuery query = SearchQuery.of("notes", "alpha", 20);
                    for (Hit hit : run(pipeline, collection, query).hits()) {
                        hitsSeen++;
                        Object text = hit.fields().get("text");
                        Float bm25Score = hit.scores().get("bm25");
                        if (text == null) {
                            problems.add(hit.id() + " has no fields (deleted after it was scored)");
                        } else if (bm25Score != null && !text.toString().contains("alpha")) {
                            problems.add(hit.id() + " was scored for 'alpha' but shows '" + text + "'");
                        }
                    }
                }
            } finally {
                writing.set(false);
                writer.join(60_000);
            }
            assertThat(problems).as("hits out of step with their scores").isEmpty();
            assertThat(commits.get()).as("commits during the searches").isEqualTo(400);
            assertThat(hitsSeen).isGreaterThan(searches);
        }
    }
}
