package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import static dev.mmsearch.store.lucene.Fixtures.DIM;
import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.VectorSimilarity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of one collection: writes, validation, vector and text search, fetch. Real indices on disk. */
class LuceneCollectionTest {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LuceneCollectionTest.class);
    @TempDir
    Path root;
    LuceneCollectionStore store;
    LuceneCollection collection;

    @BeforeEach
    void open() {
        store = new LuceneCollectionStore(root);
        collection = store.getOrCreate("docs", SCHEMA, STAMP_A);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void writesBecomeVisibleOnCommitAndSameIdReplaces() {
        collection.upsert(List.of(doc("d1", "First", "one"), doc("d2", "Second", "two"), doc("d3", "Third", "three")));
        assertThat(collection.count()).as("not visible before commit").isZero();
        collection.commit();
        assertThat(collection.count()).isEqualTo(3);

        collection.upsert(List.of(doc("d1", "First, revised", "uno", "news", vectorFor("d1-v2"))));
        collection.commit();

        assertThat(collection.count()).isEqualTo(3);
        Document d1 = collection.fetch(List.of("d1")).get("d1");
        assertThat(d1.fields()).containsExactly(Map.entry("title", "First, revised"), Map.entry("text", "uno"),
                Map.entry("category", "news"));
        assertThat(collection.search(TextQuery.of("one", 10))).extracting(ScoredId::id).doesNotContain("d1");
        assertThat(collection.search(TextQuery.of("uno", 10))).extracting(ScoredId::id).containsExactly("d1");
    }

    @Test
    void forEachDocumentWalksCommittedDocumentsWithTheirVectors() {
        collection.upsert(List.of(doc("d1", "First", "one"), doc("d2", "Second", "two"), doc("d3", "Third", "three")));
        collection.commit();
        collection.upsert(List.of(doc("d2", "Second again", "two"), doc("uncommitted", "x", "y")));
        collection.commit();
        collection.upsert(List.of(doc("later", "not", "committed")));
        java.util.Map<String, EmbeddedDocument> seen = new java.util.TreeMap<>();
        collection.forEachDocument(d -> seen.put(d.id(), d));
        assertThat(seen.keySet()).containsExactly("d1", "d2", "d3", "uncommitted");
        assertThat(seen.get("d2").document().text("title")).isEqualTo("Second again");
        assertThat(seen.get("d1").vector()).containsExactly(vectorFor("d1"));
    }

    @Test
    void optimizeMergesTheCommittedSegmentsIntoOneAndKeepsTheCheckpoint() {
        for (int c = 0; c < 5; c++) {
            collection.upsert(List.of(doc("a" + c, "Title " + c, "text " + c), doc("b" + c, "Other " + c, "more " + c)));
            collection.commit(Map.of("records", Integer.toString(2 * c + 2)));
        }
        assertThat(collection.segmentCount()).as("one segment per commit").isEqualTo(5);
        List<ScoredId> before = collection.search(VectorQuery.of(vectorFor("a3"), 10, 50));

        assertThat(collection.optimize()).isEqualTo(5);

        assertThat(collection.segmentCount()).isEqualTo(1);
        assertThat(collection.count()).isEqualTo(10);
        assertThat(collection.checkpoint()).containsExactly(Map.entry("records", "10"));
        assertThat(collection.search(VectorQuery.of(vectorFor("a3"), 10, 50))).isEqualTo(before);
        assertThat(collection.optimize()).as("already one segment: nothing to do").isEqualTo(1);
        store.close();
        store = new LuceneCollectionStore(root);
        LuceneCollection reopened = store.get("docs");
        assertThat(reopened.segmentCount()).isEqualTo(1);
        assertThat(reopened.checkpoint()).containsExactly(Map.entry("records", "10"));
        assertThat(reopened.count()).isEqualTo(10);

        reopened.delete(List.of("a0")); // a plain commit of a change drops the checkpoint (see commit())
        assertThat(reopened.optimize()).as("one segment with a deletion is rewritten").isEqualTo(1);
        assertThat(reopened.count()).isEqualTo(9);
        assertThat(reopened.segmentCount()).isEqualTo(1);
    }

    @Test
    void sameIdTwiceInOneBatchKeepsTheLast() {
        collection.upsert(List.of(doc("d1", "old", "old"), doc("d1", "new", "new")));
        collection.commit();
        assertThat(collection.count()).isEqualTo(1);
        assertThat(collection.fetch(List.of("d1")).get("d1").text("title")).isEqualTo("new");
    }

    @Test
    void wrongDimensionRejectsTheWholeBatch() {
        List<EmbeddedDocument> batch = List.of(doc("good", "fine", "fine"),
                doc("short-one", "bad", "bad", null, new float[DIM - 1]));
        assertThatThrownBy(() -> collection.upsert(batch))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("short-one", String.valueOf(DIM - 1), DIM + "-d",
                            "model-alpha");
                });
        collection.commit();
        assertThat(collection.count()).as("nothing of the rejected call is written").isZero();
        assertThat(collection.fetch(List.of("good"))).isEmpty();
    }

    @Test
    void nonFiniteAndZeroVectorsAreRejected() {
        float[] nan = vectorFor("x");
        nan[3] = Float.NaN;
        float[] inf = vectorFor("y");
        inf[0] = Float.POSITIVE_INFINITY;
        for (EmbeddedDocument bad : List.of(doc("nan-doc", "t", "t", null, nan), doc("inf-doc", "t", "t", null, inf),
                doc("zero-doc", "t", "t", null, new float[DIM]))) {
            assertThatThrownBy(() -> collection.upsert(List.of(doc("ok", "t", "t"), bad)))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.getMessage()).contains(bad.id());
                    });
        }
        collection.commit();
        assertThat(collection.count()).isZero();
    }

    @Test
    void oversizedKeywordIsRejectedBeforeAnythingIsWritten() {
        String huge = "k".repeat(40_000);
        assertThatThrownBy(() -> collection.upsert(List.of(doc("ok", "t", "t"),
                doc("big-keyword", "t", "t", huge, vectorFor("b")))))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("big-keyword", "category");
                });
        collection.commit();
        assertThat(collection.count()).isZero();
    }

    @Test
    void vectorSearchRecallOnClusteredVectorsAndScoresAreCosines() {
        int dimension = 64;
        int clusters = 50;
        int documents = 5_000;
        ModelStamp stamp = new ModelStamp("clustered", "c".repeat(64), dimension, VectorSimilarity.COSINE);
        LuceneCollection vectors = (LuceneCollection) store.getOrCreate("clustered", SCHEMA, stamp);
        Random random = new Random(42);
        float[][] centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = Fixtures.unitGaussian(random, dimension);
        }
        float[][] stored = new float[documents][];
        List<EmbeddedDocument> batch = new ArrayList<>();
        for (int i = 0; i < documents; i++) {
            stored[i] = around(centres[i % clusters], random, 0.1);
            batch.add(new EmbeddedDocument(new Document("v" + i, Map.of("title", "doc " + i)), stored[i]));
            if (batch.size() == 1_000) {
                vectors.upsert(batch);
                batch.clear();
            }
        }
        vectors.commit();
        assertThat(vectors.count()).isEqualTo(documents);

        int queries = 50;
        int k = 10;
        double recallSum = 0;
        for (int q = 0; q < queries; q++) {
            float[] query = around(centres[random.nextInt(clusters)], random, 0.1);
            List<ScoredId> hits = vectors.search(VectorQuery.of(query, k, 100));
            assertThat(hits).hasSize(k);
            Set<String> exact = new HashSet<>(IntStream.range(0, documents).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -Fixtures.cosine(query, stored[i])))
                    .limit(k).map(i -> "v" + i).toList());
            recallSum += hits.stream().filter(h -> exact.contains(h.id())).count() / (double) k;
            for (ScoredId hit : hits) {
                int index = Integer.parseInt(hit.id().substring(1));
                assertThat((double) hit.score()).as("score is the cosine of " + hit.id())
                        .isCloseTo(Fixtures.cosine(query, stored[index]), within(1e-4));
            }
            assertThat(hits).extracting(ScoredId::score).isSortedAccordingTo(Comparator.reverseOrder());
        }
        double recall = recallSum / queries;
        log.info("hnsw recall@10={} docs={} dim={} clusters={} queries={} numCandidates=100", recall, documents,
                dimension, clusters, queries);
        assertThat(recall).as("HNSW recall@10 vs brute force").isGreaterThanOrEqualTo(0.95);

        List<ScoredId> self = vectors.search(VectorQuery.of(stored[1234], 3, 50));
        assertThat(self.get(0).id()).isEqualTo("v1234");
        assertThat(self.get(0).score()).isCloseTo(1.0f, within(1e-5f));
    }

    @Test
    void oppositeVectorsScoreMinusOne() {
        float[] v = vectorFor("only");
        float[] opposite = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            opposite[i] = -v[i];
        }
        collection.upsert(List.of(doc("only", "t", "t", null, v)));
        collection.commit();
        assertThat(collection.search(VectorQuery.of(v, 1, 10)).get(0).score()).isCloseTo(1.0f, within(1e-5f));
        assertThat(collection.search(VectorQuery.of(opposite, 1, 10)).get(0).score()).as("cosines can be negative")
                .isCloseTo(-1.0f, within(1e-5f));
    }

    @Test
    void vectorSearchRejectsBadArguments() {
        collection.upsert(List.of(doc("d1", "t", "t")));
        collection.commit();
        assertInvalidArgument(() -> collection.search(VectorQuery.of(new float[DIM + 1], 5, 10)), DIM + 1 + " dimensions");
        float[] nan = vectorFor("q");
        nan[0] = Float.NaN;
        assertInvalidArgument(() -> collection.search(VectorQuery.of(nan, 5, 10)), "non-finite");
        assertInvalidArgument(() -> collection.search(VectorQuery.of(new float[DIM], 5, 10)), "zeros");
        assertInvalidArgument(() -> collection.search(VectorQuery.of(vectorFor("q"), 0, 10)), "k must be");
        assertInvalidArgument(() -> collection.search(VectorQuery.of(vectorFor("q"), 5, -1)), "numCandidates");
        assertThat(collection.search(VectorQuery.of(vectorFor("q"), 5, 0))).extracting(ScoredId::id).containsExactly("d1");
    }

    @Test
    void searchesOnAnEmptyCollectionReturnNothing() {
        assertThat(collection.search(VectorQuery.of(vectorFor("q"), 5, 10))).isEmpty();
        assertThat(collection.search(TextQuery.of("anything", 5))).isEmpty();
        assertThat(collection.fetch(List.of("a"))).isEmpty();
    }

    @Test
    void textSearchStemsAndIgnoresSyntax() {
        collection.upsert(List.of(
                doc("marathon", "Marathon training", "She runs every morning before work."),
                doc("pasta", "Cooking pasta", "Boil the water, add salt and cook for ten minutes."),
                doc("garden", "Gardening", "Plant tomatoes in spring; water them every morning."),
                doc("cars", "Engines", "The engine is running hot.")));
        collection.commit();

        List<ScoredId> running = collection.search(TextQuery.of("running", 10));
        assertThat(running).extracting(ScoredId::id).containsExactlyInAnyOrder("marathon", "cars");
        assertThat(collection.search(TextQuery.of("runner training", 10)).get(0).id()).isEqualTo("marathon");
        assertThat(collection.search(TextQuery.of("tomato", 10))).extracting(ScoredId::id).containsExactly("garden");
        assertThat(collection.search(TextQuery.of("Marathon", 10))).as("title is searchable").extracting(ScoredId::id)
                .containsExactly("marathon");
        assertThat(collection.search(TextQuery.of("water", 1))).hasSize(1);
        assertThat(running).allSatisfy(hit -> assertThat(hit.score()).isPositive());

        assertThat(collection.search(TextQuery.of("a:b (", 10))).isEmpty();
        assertThat(collection.search(TextQuery.of("title:pasta AND (\"boil* [x TO y] ~2 ^3 \\ /re/", 10)))
                .extracting(ScoredId::id).first().isEqualTo("pasta");
        assertThat(collection.search(TextQuery.of("", 10))).isEmpty();
        assertThat(collection.search(TextQuery.of("   !!! ... ???", 10))).isEmpty();
        assertThat(collection.search(TextQuery.of("the and of", 10))).as("only stop words").isEmpty();
    }

    @Test
    void textSearchRejectsBadArguments() {
        assertInvalidArgument(() -> collection.search(TextQuery.of(null, 10)), "missing");
        assertInvalidArgument(() -> collection.search(TextQuery.of("x", 0)), "k must be");
    }

    @Test
    void aVeryLongTextQueryIsTruncatedToTheFirstDistinctTermsNotRefused() {
        collection.upsert(List.of(doc("early", "Early", "zzearly appears first"), doc("late", "Late", "zzlate appears last")));
        collection.commit();
        List<String> words = new java.util.ArrayList<>(IntStream.range(0, 2_000).mapToObj(i -> "filler" + i).toList());
        words.add(5, "zzearly");
        words.add("zzlate"); // distinct term number 2,002: beyond the 1,024 kept
        List<ScoredId> hits = collection.search(TextQuery.of(String.join(" ", words), 10));
        assertThat(hits).extracting(ScoredId::id).containsExactly("early");
        // Repeating a term is the same as boosting it: the score grows with the repeats.
        float once = collection.search(TextQuery.of("zzearly", 1)).getFirst().score();
        float thrice = collection.search(TextQuery.of("zzearly zzearly zzearly", 1)).getFirst().score();
        assertThat(thrice).isCloseTo(3 * once, org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void fetchKeepsTheOrderOfIdsAndSkipsMissingOnes() {
        collection.upsert(List.of(doc("a", "A", "alpha"), doc("b", "B", "beta"),
                new EmbeddedDocument(new Document("c", Map.of("title", "C", "tags", List.of("x", "y"), "year", 2024,
                        "score", 0.5, "draft", false)), vectorFor("c"))));
        collection.commit();

        Map<String, Document> fetched = collection.fetch(List.of("c", "missing", "a", "c"));
        assertThat(fetched.keySet()).containsExactly("c", "a");
        assertThat(fetched.get("c").fields()).containsEntry("tags", List.of("x", "y")).containsEntry("year", 2024)
                .containsEntry("score", 0.5).containsEntry("draft", false);
        assertThat(fetched.get("a").id()).isEqualTo("a");
        assertThat(collection.fetch(List.of())).isEmpty();
    }

    @Test
    void keywordFieldsAreIndexedAsExactTerms() throws Exception {
        collection.upsert(List.of(doc("a", "t", "t", "Sports News", vectorFor("a")),
                doc("b", "t", "t", "sports", vectorFor("b")),
                new EmbeddedDocument(new Document("c", Map.of("category", List.of("sports", "tech"))), vectorFor("c"))));
        collection.commit();

        try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(root.resolve("docs")))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            String field = IndexLayout.keywordField("category");
            assertThat(searcher.count(new TermQuery(new Term(field, "sports")))).isEqualTo(2);
            assertThat(searcher.count(new TermQuery(new Term(field, "Sports News")))).isEqualTo(1);
            assertThat(searcher.count(new TermQuery(new Term(field, "tech")))).isEqualTo(1);
            assertThat(searcher.count(new TermQuery(new Term(field, "news")))).as("not analysed").isZero();
        }
    }

    @Test
    void searchesRunConcurrentlyWithWritesAndCommits() throws Exception {
        int writers = 2;
        int batches = 20;
        int perBatch = 25;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    for (int b = 0; b < batches; b++) {
                        List<EmbeddedDocument> batch = new ArrayList<>();
                        for (int i = 0; i < perBatch; i++) {
                            String id = "w" + writer + "-" + b + "-" + i;
                            batch.add(doc(id, "title " + id, "common text " + id));
                        }
                        collection.upsert(batch);
                        collection.commit();
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                futures.add(pool.submit(() -> {
                    long last = 0;
                    for (int i = 0; i < 200; i++) {
                        long count = collection.count();
                        assertThat(count).as("commits only add documents").isGreaterThanOrEqualTo(last);
                        last = count;
                        collection.search(VectorQuery.of(vectorFor("q" + i), 5, 20));
                        collection.search(TextQuery.of("common text", 5));
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(collection.count()).isEqualTo((long) writers * batches * perBatch);
    }

    @Test
    void jvmHasTheVectorIncubatorModule() {
        // Lucene uses SIMD vector scoring only with --add-modules jdk.incubator.vector (set by the parent pom).
        assertThat(ModuleLayer.boot().findModule("jdk.incubator.vector")).isPresent();
    }

    private static float[] around(float[] centre, Random random, double noise) {
        float[] v = new float[centre.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (centre[i] + noise * random.nextGaussian());
        }
        return Fixtures.normalize(v);
    }

    private static void assertInvalidArgument(org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
                                              String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MmsearchException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(messagePart);
        });
    }
}
