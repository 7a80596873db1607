package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.HighlightFragment.Run;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorSimilarity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The behaviour every {@link CollectionStore} must show, run against each implementation by a subclass that says
 * how to open the store ({@link #openStore()}: each call a new store object over the same data, so closing and
 * opening again is a reopen). Each test works in its own collection.
 *
 * <p>Data: {@value #DOCS} documents with deterministic random unit vectors ({@value #DIM}-d, seed 42), a title and
 * text for BM25, keyword fields {@code category} (a/b/c/d by id modulo 4) and {@code tags}, numeric field
 * {@code year} (2000 + i). Expected dense results come from a brute-force cosine over the same vectors.
 */
abstract class CollectionStoreContract {
    static final int DIM = 16;
    static final int DOCS = 40;
    static final ModelStamp STAMP = new ModelStamp("contract-model", "c0ffee".repeat(10) + "abcd", DIM,
            VectorSimilarity.COSINE);
    static final CollectionSchema SCHEMA = new CollectionSchema("{title} {text}", List.of("title", "text"),
            List.of("category", "tags"), List.of("year"), null);
    private static final AtomicInteger COLLECTIONS = new AtomicInteger();
    private static final String[] CATEGORIES = {"a", "b", "c", "d"};

    /** A new store object over this implementation's (shared) backing data. */
    protected abstract CollectionStore openStore();

    protected CollectionStore store;
    protected String name;
    protected List<EmbeddedDocument> docs;

    @BeforeEach
    void openStoreAndName(TestInfo info) {
        store = openStore();
        String method = info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        name = "ct" + COLLECTIONS.incrementAndGet() + "-" + method.substring(0, Math.min(40, method.length()));
        docs = documents();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static float[] unitVector(Random random) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) (v[i] / Math.sqrt(norm));
        }
        return v;
    }

    static List<EmbeddedDocument> documents() {
        Random random = new Random(42);
        List<EmbeddedDocument> out = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", "Document " + i);
            fields.put("text", switch (i) {
                case 5 -> "Marathon runners train by running long distances every week";
                case 6 -> "A quiet library full of old books & <maps>";
                case 7 -> "Runners need shoes; the marathon is long";
                default -> "Plain filler text about topic " + CATEGORIES[i % 4] + " number " + i;
            });
            fields.put("category", CATEGORIES[i % 4]);
            fields.put("tags", List.of("t" + (i % 3), "all"));
            fields.put("year", 2000 + i);
            out.add(new EmbeddedDocument(new Document("d" + i, fields), unitVector(random)));
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Brute-force top k ids by cosine among documents matching {@code keep}. */
    List<String> bruteForce(float[] query, int k, Predicate<EmbeddedDocument> keep) {
        return docs.stream().filter(keep)
                .sorted(Comparator.comparingDouble((EmbeddedDocument d) -> -cosine(query, d.vector())))
                .limit(k).map(EmbeddedDocument::id).toList();
    }

    SearchCollection ingested() {
        SearchCollection collection = store.getOrCreate(name, SCHEMA, STAMP);
        collection.upsert(docs);
        collection.commit();
        return collection;
    }

    static void assertError(ErrorCode code, String messagePart, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(code))
                .hasMessageContaining(messagePart);
    }

    static List<String> ids(List<ScoredId> hits) {
        return hits.stream().map(ScoredId::id).toList();
    }

    // ---- the contract

    @Test
    void ingestMakesDocumentsVisibleOnCommitWithExactFieldsAndVectors() {
        SearchCollection collection = store.getOrCreate(name, SCHEMA, STAMP);
        assertThat(collection.count()).isZero();
        collection.upsert(docs);
        assertThat(collection.count()).as("writes are visible only after commit").isZero();
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS);

        Map<String, Document> fetched = collection.fetch(List.of("d3", "missing", "d1"));
        assertThat(fetched.keySet()).containsExactly("d3", "d1");
        assertThat(fetched.get("d3").fields()).isEqualTo(docs.get(3).document().fields());
        assertThat(fetched.get("d3").fields().get("year")).isEqualTo(2003);

        Map<String, float[]> vectors = collection.vectors(List.of("d7", "d2", "nope"));
        assertThat(vectors.keySet()).containsExactly("d7", "d2");
        assertThat(vectors.get("d7")).containsExactly(docs.get(7).vector());

        Map<String, float[]> walked = new HashMap<>();
        collection.forEachDocument(d -> walked.put(d.id(), d.vector()));
        assertThat(walked).hasSize(DOCS);
        for (EmbeddedDocument doc : docs) {
            assertThat(walked.get(doc.id())).as(doc.id()).containsExactly(doc.vector());
        }
        CollectionInfo info = collection.info();
        assertThat(info.name()).isEqualTo(name);
        assertThat(info.documentCount()).isEqualTo(DOCS);
        assertThat(info.stamp()).isEqualTo(STAMP);
        assertThat(info.schema()).isEqualTo(SCHEMA);
        assertThat(info.sizeBytes()).isPositive();
    }

    @Test
    void upsertReplacesTheDocumentWithTheSameId() {
        SearchCollection collection = ingested();
        float[] replacement = unitVector(new Random(7));
        Map<String, Object> fields = new HashMap<>(docs.get(1).document().fields());
        fields.put("title", "Replaced title");
        collection.upsert(List.of(new EmbeddedDocument(new Document("d1", fields), replacement)));
        collection.commit();

        assertThat(collection.count()).isEqualTo(DOCS);
        assertThat(collection.fetch(List.of("d1")).get("d1").fields().get("title")).isEqualTo("Replaced title");
        List<ScoredId> hits = collection.search(VectorQuery.of(replacement, 1, 20));
        assertThat(hits.getFirst().id()).isEqualTo("d1");
        assertThat(hits.getFirst().score()).isCloseTo(1.0f, within(1e-4f));
        assertThat(collection.search(TextQuery.of("replaced", 5))).extracting(ScoredId::id).containsExactly("d1");
    }

    @Test
    void deleteByIdsAndByFilter() {
        SearchCollection collection = ingested();
        collection.delete(List.of("d0", "does-not-exist"));
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS - 1);
        assertThat(collection.fetch(List.of("d0"))).isEmpty();

        long matched = collection.deleteMatching(new Filter.Term("category", "b"));
        assertThat(matched).isEqualTo(10);
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS - 11);
        assertThat(collection.search(VectorQuery.of(docs.get(1).vector(), 40, 40, new Filter.Term("category", "b")))).isEmpty();

        long ranged = collection.deleteMatching(new Filter.Range("year", 2030.0, null, null, null));
        assertThat(ranged).as("d30..d39 minus the b ones (d33, d37)").isEqualTo(8);
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS - 19);

        assertError(ErrorCode.INVALID_ARGUMENT, "blank", () -> collection.delete(List.of("d2", " ")));
        assertError(ErrorCode.INVALID_ARGUMENT, "nope", () -> collection.deleteMatching(new Filter.Term("nope", "x")));
        collection.commit();
        assertThat(collection.count()).as("rejected deletes delete nothing").isEqualTo(DOCS - 19);
    }

    @Test
    void denseSearchMatchesBruteForceWithCosineScores() {
        SearchCollection collection = ingested();
        for (int q : new int[] {0, 13, 27}) {
            float[] query = docs.get(q).vector();
            List<ScoredId> hits = collection.search(VectorQuery.of(query, 5, 40));
            assertThat(ids(hits)).as("query d" + q).isEqualTo(bruteForce(query, 5, d -> true));
            assertThat(hits.getFirst().score()).isCloseTo(1.0f, within(1e-4f));
            for (ScoredId hit : hits) {
                float[] vector = docs.get(Integer.parseInt(hit.id().substring(1))).vector();
                assertThat((double) hit.score()).as(hit.id()).isCloseTo(cosine(query, vector), within(1e-4));
            }
        }
        float[] opposite = docs.get(4).vector().clone();
        for (int i = 0; i < opposite.length; i++) {
            opposite[i] = -opposite[i];
        }
        List<ScoredId> all = collection.search(VectorQuery.of(opposite, DOCS, DOCS));
        assertThat(all).hasSize(DOCS);
        assertThat(all.getLast().id()).isEqualTo("d4");
        assertThat(all.getLast().score()).isCloseTo(-1.0f, within(1e-4f));
    }

    @Test
    void bm25TextSearchWithStemmingStopWordsAndFilters() {
        SearchCollection collection = ingested();
        List<ScoredId> hits = collection.search(TextQuery.of("marathon running", 10));
        assertThat(ids(hits)).containsExactlyInAnyOrder("d5", "d7");
        assertThat(hits.getFirst().id()).as("'running' stems to 'run': only d5 has both query terms")
                .isEqualTo("d5");
        assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score()).isPositive();
        assertThat(collection.search(TextQuery.of("the and of", 10))).as("only stop words").isEmpty();
        assertThat(collection.search(TextQuery.of("library", 10, new Filter.Term("category", "c"))))
                .extracting(ScoredId::id).containsExactly("d6");
        assertThat(collection.search(TextQuery.of("library", 10, new Filter.Term("category", "a")))).isEmpty();
        assertThat(ids(collection.search(TextQuery.of("filler topic", 100, new Filter.Terms("tags", List.of("t1"))))))
                .allMatch(id -> Integer.parseInt(id.substring(1)) % 3 == 1).hasSize(12);
    }

    @Test
    void perFieldBoostsSearchOnlyTheNamedFieldsAndScaleTheirScores() {
        SearchCollection collection = ingested();
        assertThat(collection.search(TextQuery.of("library", 10, null, Map.of("title", 1f)))).isEmpty();
        List<ScoredId> once = collection.search(TextQuery.of("library", 10, null, Map.of("text", 1f)));
        List<ScoredId> twice = collection.search(TextQuery.of("library", 10, null, Map.of("text", 2f)));
        assertThat(ids(once)).containsExactly("d6");
        assertThat(twice.getFirst().score()).isCloseTo(2 * once.getFirst().score(), within(1e-3f));
        assertThat(ids(collection.search(TextQuery.of("document 12", 3, new Filter.Term("category", "a"),
                Map.of("title", 1f))))).first().isEqualTo("d12");
        assertError(ErrorCode.INVALID_ARGUMENT, "not a text field",
                () -> collection.search(TextQuery.of("library", 10, null, Map.of("colour", 1f))));
        assertError(ErrorCode.INVALID_ARGUMENT, "positive finite",
                () -> collection.search(TextQuery.of("library", 10, null, Map.of("text", 0f))));
    }

    @Test
    void highlightMarksStemmedMatchesInRunsOfRawText() {
        SearchCollection collection = ingested();
        Map<String, List<HighlightFragment>> marked = collection.highlight("d5", "marathon running",
                List.of("text", "title"));
        assertThat(marked.keySet()).containsExactly("text");
        assertThat(marked.get("text")).singleElement().satisfies(fragment -> {
            assertThat(fragment.runs()).containsExactly(new Run("Marathon", true), new Run(" runners train by ", false),
                    new Run("running", true), new Run(" long distances every week", false));
            assertThat(fragment.matches()).doesNotContain("runners");
        });
        assertThat(collection.highlight("d6", "library maps", List.of("text")).get("text")).singleElement()
                .satisfies(fragment -> assertThat(fragment.runs()).as("markup and & stay raw text").containsExactly(
                        new Run("A quiet ", false), new Run("library", true), new Run(" full of old books & <", false),
                        new Run("maps", true), new Run(">", false)));
        assertThat(collection.highlight("d6", "marathon", List.of("text"))).isEmpty();
        assertThat(collection.highlight("missing", "marathon", List.of("text"))).isEmpty();
        assertError(ErrorCode.INVALID_ARGUMENT, "highlight needs", () -> collection.highlight(null, "x", List.of()));
    }

    /** Highlights a page on a view of its own, as the summary stage does on the request's view. */
    private static Map<String, Map<String, List<HighlightFragment>>> highlightPage(SearchCollection collection,
                                                                        List<Document> page, String query,
                                                                        List<String> fields) {
        try (dev.mmsearch.core.CollectionView view = collection.openView()) {
            return view.highlight(page, query, fields);
        }
    }

    @Test
    void highlightingAPageGivesWhatEachDocumentGivesAloneInPageOrder() {
        SearchCollection collection = ingested();
        // d6 before d5 (not index order), d1 has no match and is left out, as the single-document calls say.
        Map<String, Document> page = collection.fetch(List.of("d6", "d1", "d5"));
        List<String> fields = List.of("text", "title");
        Map<String, Map<String, List<HighlightFragment>>> marked = highlightPage(collection,
                List.copyOf(page.values()), "marathon running library", fields);
        assertThat(marked.keySet()).containsExactly("d6", "d5");
        for (String id : List.of("d6", "d1", "d5")) {
            assertThat(marked.getOrDefault(id, Map.of())).as(id)
                    .isEqualTo(collection.highlight(id, "marathon running library", fields));
        }
        assertThat(marked.get("d5").get("text")).singleElement()
                .satisfies(fragment -> assertThat(fragment.matches()).containsExactly("Marathon", "running"));
        assertThat(highlightPage(collection, List.of(), "marathon", fields)).isEmpty();
        assertThat(highlightPage(collection, List.copyOf(page.values()), "the and of", fields)).isEmpty();
        assertError(ErrorCode.INVALID_ARGUMENT, "highlight needs",
                () -> highlightPage(collection, null, "x", fields));
    }

    @Test
    void filtersApplyInsideDenseSearch() {
        SearchCollection collection = ingested();
        float[] query = docs.get(0).vector();
        List<ScoredId> inC = collection.search(VectorQuery.of(query, 5, 10, new Filter.Term("category", "c")));
        assertThat(ids(inC)).isEqualTo(bruteForce(query, 5, d -> d.document().fields().get("category").equals("c")));

        List<ScoredId> years = collection.search(VectorQuery.of(query, 10, 10,
                new Filter.Range("year", 2030.0, null, null, 2035.0)));
        assertThat(ids(years)).as("a selective filter still yields every match").containsExactlyInAnyOrder(
                "d30", "d31", "d32", "d33", "d34");

        Filter notA = new Filter.Not(new Filter.Term("category", "a"));
        assertThat(ids(collection.search(VectorQuery.of(query, DOCS, DOCS, notA)))).hasSize(30)
                .noneMatch(id -> Integer.parseInt(id.substring(1)) % 4 == 0);

        Filter combined = new Filter.And(List.of(
                new Filter.Or(List.of(new Filter.Term("category", "a"), new Filter.Term("category", "b"))),
                new Filter.Range("year", null, 2010.0, null, null),
                new Filter.Terms("tags", List.of("t0"))));
        List<String> expected = bruteForce(query, DOCS, d -> {
            int i = Integer.parseInt(d.id().substring(1));
            return (i % 4 == 0 || i % 4 == 1) && 2000 + i > 2010 && i % 3 == 0;
        });
        assertThat(ids(collection.search(VectorQuery.of(query, DOCS, DOCS, combined))))
                .containsExactlyInAnyOrderElementsOf(expected).hasSize(expected.size());
        assertThat(expected).hasSize(5);
    }

    @Test
    void kBoundsTheResultsAndIsValidated() {
        SearchCollection collection = ingested();
        float[] query = docs.get(9).vector();
        assertThat(collection.search(VectorQuery.of(query, 1, 0))).hasSize(1);
        assertThat(ids(collection.search(VectorQuery.of(query, 3, 40)))).isEqualTo(bruteForce(query, 3, d -> true));
        assertThat(collection.search(VectorQuery.of(query, 100, 100))).hasSize(DOCS);
        assertThat(collection.search(TextQuery.of("filler", 7))).hasSize(7);
        assertThat(collection.search(TextQuery.of("filler", 100))).hasSize(DOCS - 3);
        assertError(ErrorCode.INVALID_ARGUMENT, "k must be", () -> collection.search(VectorQuery.of(query, 0, 10)));
        assertError(ErrorCode.INVALID_ARGUMENT, "k must be", () -> collection.search(VectorQuery.of(query, 10_001, 10)));
        assertError(ErrorCode.INVALID_ARGUMENT, "k must be", () -> collection.search(TextQuery.of("filler", 0)));
    }

    @Test
    void aDifferentModelStampIsRefusedWithTheCoreMessage() {
        ingested();
        ModelStamp other = new ModelStamp("other-model", "feed".repeat(16), DIM, VectorSimilarity.COSINE);
        String expected;
        try {
            ModelStamp.requireCompatible(name, STAMP, other);
            throw new AssertionError("stamps should differ");
        } catch (MmsearchException e) {
            expected = e.getMessage();
        }
        assertThatThrownBy(() -> store.getOrCreate(name, SCHEMA, other)).isInstanceOf(MmsearchException.class)
                .hasMessage(expected)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_MISMATCH));
        ModelStamp otherDimension = new ModelStamp(STAMP.modelId(), STAMP.checksum(), DIM + 1, STAMP.metric());
        assertError(ErrorCode.MODEL_MISMATCH, "17-d", () -> store.getOrCreate(name, SCHEMA, otherDimension));
        assertThat(store.getOrCreate(name, SCHEMA, STAMP).count()).isEqualTo(DOCS);
    }

    @Test
    void badInputIsRefusedAndWritesNothing() {
        SearchCollection collection = ingested();
        Map<String, Object> fields = Map.of("title", "x", "year", 1);
        EmbeddedDocument good = new EmbeddedDocument(new Document("new-good", fields), unitVector(new Random(1)));
        EmbeddedDocument shortVector = new EmbeddedDocument(new Document("bad-dim", fields), new float[DIM - 1]);
        float[] nan = unitVector(new Random(2));
        nan[3] = Float.NaN;
        EmbeddedDocument nanVector = new EmbeddedDocument(new Document("bad-nan", fields), nan);
        EmbeddedDocument zero = new EmbeddedDocument(new Document("bad-zero", fields), new float[DIM]);
        EmbeddedDocument textYear = new EmbeddedDocument(new Document("bad-year",
                Map.of("title", "x", "year", "nineteen")), unitVector(new Random(3)));

        assertError(ErrorCode.INVALID_INPUT, "15 dimensions", () -> collection.upsert(List.of(good, shortVector)));
        assertError(ErrorCode.INVALID_INPUT, "NaN", () -> collection.upsert(List.of(good, nanVector)));
        assertError(ErrorCode.INVALID_INPUT, "all zeros", () -> collection.upsert(List.of(good, zero)));
        assertError(ErrorCode.INVALID_INPUT, "numeric field 'year'", () -> collection.upsert(List.of(good, textYear)));
        collection.commit();
        assertThat(collection.count()).as("a rejected batch writes nothing").isEqualTo(DOCS);
        assertThat(collection.fetch(List.of("new-good"))).isEmpty();

        assertError(ErrorCode.INVALID_ARGUMENT, "15 dimensions", () -> collection.search(VectorQuery.of(new float[DIM - 1], 5, 5)));
        assertError(ErrorCode.INVALID_ARGUMENT, "non-finite", () -> collection.search(VectorQuery.of(nan, 5, 5)));
        assertError(ErrorCode.INVALID_ARGUMENT, "missing", () -> collection.search(VectorQuery.of(null, 5, 5)));
        assertError(ErrorCode.INVALID_ARGUMENT, "missing", () -> collection.search(TextQuery.of(null, 5)));
        assertError(ErrorCode.INVALID_ARGUMENT, "filter field 'colour'",
                () -> collection.search(VectorQuery.of(docs.get(0).vector(), 5, 5,
                        new Filter.Term("colour", "red"))));
        assertError(ErrorCode.INVALID_ARGUMENT, "is a keyword field",
                () -> collection.search(TextQuery.of("filler", 5, new Filter.Range("category", 1.0, null, null, null))));
        assertError(ErrorCode.INVALID_ARGUMENT, "is a numeric field",
                () -> collection.search(TextQuery.of("filler", 5, new Filter.Term("year", "2001"))));
        assertError(ErrorCode.INVALID_ARGUMENT, "blank", () -> collection.delete(List.of("")));
        assertError(ErrorCode.INVALID_ARGUMENT, "invalid collection name",
                () -> store.getOrCreate("Bad Name", SCHEMA, STAMP));
        assertError(ErrorCode.COLLECTION_NOT_FOUND, "does not exist", () -> store.get(name + "-absent"));
    }

    @Test
    void optimizeKeepsEveryDocumentResultAndCheckpointAndPendingWrites() {
        SearchCollection collection = store.getOrCreate(name, SCHEMA, STAMP);
        for (int from = 0; from < DOCS; from += 10) { // four commits: four segments in Lucene
            collection.upsert(docs.subList(from, from + 10));
            collection.commit(Map.of("records", Integer.toString(from + 10)));
        }
        collection.delete(List.of("d3")); // pending when optimize starts: optimize commits it
        float[] query = docs.get(13).vector();
        collection.optimize();
        assertThat(collection.count()).isEqualTo(DOCS - 1);
        assertThat(ids(collection.search(VectorQuery.of(query, 5, 40))))
                .isEqualTo(bruteForce(query, 5, d -> !d.document().id().equals("d3")));
        assertThat(ids(collection.search(TextQuery.of(docs.get(7).document().text("title"), 1)))).containsExactly("d7");
        store.close();
        store = openStore();
        SearchCollection reopened = store.get(name);
        assertThat(reopened.count()).isEqualTo(DOCS - 1);
        assertThat(ids(reopened.search(VectorQuery.of(query, 5, 40))))
                .isEqualTo(bruteForce(query, 5, d -> !d.document().id().equals("d3")));
    }

    @Test
    void reopenedStoreServesTheCommittedCollectionAndDeleteRemovesIt() {
        ingested();
        store.close();
        store = openStore();
        assertThat(store.exists(name)).isTrue();
        SearchCollection reopened = store.get(name);
        assertThat(reopened.stamp()).isEqualTo(STAMP);
        assertThat(reopened.schema()).isEqualTo(SCHEMA);
        assertThat(reopened.count()).isEqualTo(DOCS);
        assertThat(reopened.search(VectorQuery.of(docs.get(11).vector(), 1, 10)).getFirst().id()).isEqualTo("d11");
        assertThat(store.list()).extracting(CollectionInfo::name).contains(name);
        assertThat(store.list()).filteredOn(i -> i.name().equals(name)).singleElement()
                .satisfies(i -> assertThat(i.documentCount()).isEqualTo(DOCS));

        store.delete(name);
        assertThat(store.exists(name)).isFalse();
        assertError(ErrorCode.COLLECTION_NOT_FOUND, "does not exist", () -> store.get(name));
        assertThat(store.list()).extracting(CollectionInfo::name).doesNotContain(name);
    }

    @Test
    void aPublishedVersionReplacesTheCollectionAtomically() {
        ingested();
        ModelStamp next = new ModelStamp("next-model", "beef".repeat(16), DIM, VectorSimilarity.COSINE);
        SearchCollection version = store.createVersion(name, SCHEMA, next, dev.mmsearch.core.VectorEncoding.FLOAT32);
        version.upsert(docs.subList(0, 10));
        version.commit();
        assertThat(store.get(name).stamp()).as("unpublished").isEqualTo(STAMP);
        assertThat(store.get(name).count()).isEqualTo(DOCS);
        store.publishVersion(name, version);
        SearchCollection published = store.get(name);
        assertThat(published.stamp()).isEqualTo(next);
        assertThat(published.count()).isEqualTo(10);
        assertThat(store.list()).filteredOn(i -> i.name().equals(name)).singleElement()
                .satisfies(i -> assertThat(i.stamp()).isEqualTo(next));

        SearchCollection abandoned = store.createVersion(name, SCHEMA, STAMP, dev.mmsearch.core.VectorEncoding.FLOAT32);
        store.discardVersion(name, abandoned);
        assertThat(store.get(name).stamp()).isEqualTo(next);
        assertError(ErrorCode.COLLECTION_NOT_FOUND, "does not exist",
                () -> store.createVersion(name + "-absent", SCHEMA, STAMP, dev.mmsearch.core.VectorEncoding.FLOAT32));
    }

    // ---- named vector fields

    static final ModelStamp TITLE_STAMP = new ModelStamp("title-model", "7e".repeat(32), 8, VectorSimilarity.COSINE);
    static final ModelStamp BODY_STAMP = new ModelStamp("body-model", "b0".repeat(32), 12, VectorSimilarity.COSINE);
    static final CollectionSchema NAMED = SCHEMA.withVectors(List.of(
            dev.mmsearch.core.VectorField.text("title_emb", "{title}", TITLE_STAMP),
            dev.mmsearch.core.VectorField.text("body_emb", "{text}", BODY_STAMP)));

    /** The contract documents with a title vector (all but every fifth) and a body vector each, not unit length. */
    static List<EmbeddedDocument> namedDocuments() {
        Random random = new Random(4242);
        List<EmbeddedDocument> out = new ArrayList<>();
        for (EmbeddedDocument doc : documents()) {
            Map<String, float[]> named = new HashMap<>();
            int n = Integer.parseInt(doc.id().substring(1));
            float[] title = scaled(gaussian(random, 8), 3f);
            if (n % 5 != 0) {
                named.put("title_emb", title);
            }
            named.put("body_emb", scaled(gaussian(random, 12), 0.5f));
            out.add(doc.withNamed(named));
        }
        return out;
    }

    private static float[] gaussian(Random random, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static float[] scaled(float[] v, float by) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= by;
        }
        return out;
    }

    /** Brute-force top k ids by cosine on named field {@code field} among documents that have a vector there. */
    static List<String> bruteForce(List<EmbeddedDocument> documents, String field, float[] query, int k,
                                   Predicate<EmbeddedDocument> keep) {
        return documents.stream().filter(d -> d.named().containsKey(field)).filter(keep)
                .sorted(Comparator.comparingDouble((EmbeddedDocument d) -> -cosine(query, d.named().get(field))))
                .limit(k).map(EmbeddedDocument::id).toList();
    }

    @Test
    void namedVectorFieldsAreSearchedEachWithItsOwnModelAndKeptAsWritten() {
        List<EmbeddedDocument> named = namedDocuments();
        SearchCollection collection = store.getOrCreate(name, NAMED, STAMP);
        collection.upsert(named);
        collection.commit();
        assertThat(collection.schema()).isEqualTo(NAMED);

        float[] titleQuery = gaussian(new Random(1), 8);
        List<ScoredId> byTitle = collection.search(VectorQuery.of(titleQuery, 10, 40).onField("title_emb"));
        assertThat(ids(byTitle)).isEqualTo(bruteForce(named, "title_emb", titleQuery, 10, d -> true));
        for (ScoredId hit : byTitle) {
            EmbeddedDocument doc = named.stream().filter(d -> d.id().equals(hit.id())).findFirst().orElseThrow();
            assertThat((double) hit.score()).isCloseTo(cosine(titleQuery, doc.named().get("title_emb")), within(1e-4));
        }
        assertThat(ids(collection.search(VectorQuery.of(titleQuery, DOCS, DOCS).onField("title_emb"))))
                .as("documents without a title vector are not in that field").hasSize(DOCS - DOCS / 5)
                .doesNotContain("d0", "d5", "d10");
        float[] bodyQuery = gaussian(new Random(2), 12);
        Filter onlyA = new Filter.Term("category", "a");
        assertThat(ids(collection.search(VectorQuery.of(bodyQuery, 5, 40, onlyA).onField("body_emb"))))
                .isEqualTo(bruteForce(named, "body_emb", bodyQuery, 5, d -> d.document().text("category").equals("a")));
        float[] mainQuery = named.get(11).vector();
        assertThat(ids(collection.search(VectorQuery.of(mainQuery, 5, 40)))).isEqualTo(bruteForce(mainQuery, 5, d -> true));

        // Every vector comes back as written (not unit length), after a reopen too.
        store.close();
        store = openStore();
        SearchCollection reopened = store.get(name);
        assertThat(reopened.schema()).isEqualTo(NAMED);
        Map<String, EmbeddedDocument> walked = new HashMap<>();
        reopened.forEachDocument(d -> walked.put(d.id(), d));
        assertThat(walked).hasSize(DOCS);
        for (EmbeddedDocument doc : named) {
            EmbeddedDocument back = walked.get(doc.id());
            assertThat(back.named().keySet()).as(doc.id()).isEqualTo(doc.named().keySet());
            doc.named().forEach((field, vector) -> assertThat(back.named().get(field)).containsExactly(vector));
            assertThat(back.vector()).containsExactly(doc.vector());
        }
    }

    @Test
    void badNamedVectorsAndQueriesAreRefusedAndWriteNothing() {
        SearchCollection collection = store.getOrCreate(name, NAMED, STAMP);
        collection.upsert(namedDocuments().subList(0, 3));
        collection.commit();
        EmbeddedDocument unknown = docs.get(5).withNamed(Map.of("image_emb", new float[8]));
        assertError(ErrorCode.INVALID_INPUT, "'image_emb', which is not a vector field",
                () -> collection.upsert(List.of(docs.get(4).withNamed(Map.of()), unknown)));
        EmbeddedDocument shortTitle = docs.get(6).withNamed(Map.of("title_emb", new float[] {1, 2, 3}));
        assertError(ErrorCode.INVALID_INPUT, "vector field 'title_emb' has 3 dimensions",
                () -> collection.upsert(List.of(shortTitle)));
        collection.commit();
        assertThat(collection.count()).as("nothing of a refused batch").isEqualTo(3);

        assertError(ErrorCode.INVALID_ARGUMENT, "there is no vector field 'nope'",
                () -> collection.search(VectorQuery.of(new float[8], 3, 10).onField("nope")));
        assertError(ErrorCode.INVALID_ARGUMENT, "has 16 dimensions but collection",
                () -> collection.search(VectorQuery.of(docs.get(0).vector(), 3, 10).onField("title_emb")));
        SearchCollection plain = store.getOrCreate(name + "-plain", SCHEMA, STAMP);
        assertError(ErrorCode.INVALID_ARGUMENT, "has only its main vector",
                () -> plain.search(VectorQuery.of(new float[8], 3, 10).onField("title_emb")));
    }

    // ---- passages

    static final CollectionSchema PASSAGED = SCHEMA.withPassages(dev.mmsearch.core.PassageOptions.of("text"));

    /** The contract documents split into 1 to 4 passages each, with their own unit vectors and offsets. */
    static List<EmbeddedDocument> passageDocuments(long seed) {
        Random random = new Random(seed);
        List<EmbeddedDocument> out = new ArrayList<>();
        for (EmbeddedDocument doc : documents()) {
            int n = Integer.parseInt(doc.id().substring(1));
            StringBuilder text = new StringBuilder();
            List<dev.mmsearch.core.Passage> passages = new ArrayList<>();
            for (int p = 0; p < 1 + n % 4; p++) {
                int start = text.length();
                text.append("Passage ").append(p).append(" of document ").append(n).append(".");
                passages.add(new dev.mmsearch.core.Passage(start, text.length(), unitVector(random)));
                text.append(' ');
            }
            Map<String, Object> fields = new LinkedHashMap<>(doc.document().fields());
            fields.put("text", text.toString().strip());
            out.add(EmbeddedDocument.withPassages(new Document(doc.id(), fields), passages));
        }
        return out;
    }

    @Test
    void passagesAreSearchedAsDocumentsEachScoredByItsBestPassage() {
        List<EmbeddedDocument> split = passageDocuments(99);
        SearchCollection collection = store.getOrCreate(name, PASSAGED, STAMP);
        collection.upsert(split);
        collection.commit();
        assertThat(collection.count()).as("documents, not passages").isEqualTo(DOCS);
        assertThat(collection.schema()).isEqualTo(PASSAGED);

        EmbeddedDocument target = split.get(23); // 4 passages
        dev.mmsearch.core.Passage third = target.passages().get(2);
        List<ScoredId> hits = collection.search(VectorQuery.of(third.vector(), 10, 40));
        assertThat(hits).hasSize(10);
        assertThat(ids(hits)).doesNotHaveDuplicates();
        assertThat(hits.getFirst().id()).isEqualTo("d23");
        assertThat(hits.getFirst().score()).isCloseTo(1f, within(1e-4f));
        assertThat(hits.getFirst().passage()).isEqualTo(new dev.mmsearch.core.PassageMatch("text", 2, third.start(),
                third.end()));
        // Each document's score is its best passage's cosine: the brute-force order over documents.
        float[] query = unitVector(new Random(5));
        List<String> expected = split.stream()
                .sorted(Comparator.comparingDouble((EmbeddedDocument d) -> -d.passages().stream()
                        .mapToDouble(p -> cosine(query, p.vector())).max().orElseThrow()))
                .limit(5).map(EmbeddedDocument::id).toList();
        assertThat(ids(collection.search(VectorQuery.of(query, 5, 40)))).isEqualTo(expected);
        // The filter applies inside the search: k hits, all in the category.
        List<ScoredId> onlyB = collection.search(VectorQuery.of(query, 8, 40, new Filter.Term("category", "b")));
        assertThat(onlyB).hasSize(8).allSatisfy(h -> assertThat(Integer.parseInt(h.id().substring(1)) % 4).isEqualTo(1));

        // A replaced document takes all its passages with it; a deleted one too; the walk gives them as written.
        EmbeddedDocument shorter = EmbeddedDocument.withPassages(target.document(), target.passages().subList(0, 1));
        collection.upsert(List.of(shorter));
        collection.delete(List.of("d22"));
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS - 1);
        ScoredId after = collection.search(VectorQuery.of(third.vector(), 40, 40)).stream()
                .filter(h -> h.id().equals("d23")).findFirst().orElseThrow();
        assertThat(after.passage().index()).isZero();
        Map<String, EmbeddedDocument> walked = new HashMap<>();
        collection.forEachDocument(d -> walked.put(d.id(), d));
        assertThat(walked).hasSize(DOCS - 1).doesNotContainKey("d22");
        assertThat(walked.get("d23").passages()).hasSize(1);
        EmbeddedDocument d21 = split.get(21);
        assertThat(walked.get("d21").passages()).hasSameSizeAs(d21.passages());
        for (int p = 0; p < d21.passages().size(); p++) {
            assertThat(walked.get("d21").passages().get(p).vector()).containsExactly(d21.passages().get(p).vector());
            assertThat(walked.get("d21").passages().get(p).start()).isEqualTo(d21.passages().get(p).start());
        }
        assertThat(walked.get("d21").vector()).as("the document's vector: its first passage's")
                .containsExactly(d21.passages().getFirst().vector());

        // A document without passages is refused, and nothing of its batch is written.
        assertError(ErrorCode.INVALID_INPUT, "splits field 'text' into passages, but the document has none",
                () -> collection.upsert(List.of(split.get(22), docs.get(1))));
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS - 1);
    }
}
