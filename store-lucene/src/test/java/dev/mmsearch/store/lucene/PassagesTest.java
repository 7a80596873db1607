package dev.mmsearch.store.lucene;

import static dev.mmsearch.store.lucene.Fixtures.DIM;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.unitGaussian;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.Passage;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collection with passages (documents as Lucene blocks: passages, then the document): vector search returns
 * distinct documents with the passage that matched, filters apply inside the search, and writes, deletes, merges,
 * reopens and the full walk keep every document's passages together.
 */
class PassagesTest {
    static final CollectionSchema SCHEMA = new CollectionSchema("{title} {text}", List.of("title", "text"),
            List.of("bucket")).withPassages(PassageOptions.of("text"));
    static final int DOCS = 30;
    static final int PASSAGES = 5;

    @TempDir
    Path tmp;

    private final Map<String, List<float[]>> vectors = new LinkedHashMap<>();
    private final List<LuceneCollection> open = new ArrayList<>();

    private LuceneCollection opened(LuceneCollection collection) {
        open.add(collection);
        return collection;
    }

    @org.junit.jupiter.api.AfterEach
    void closeAll() {
        open.forEach(LuceneCollection::close);
    }

    private EmbeddedDocument document(int n, int passages, long seed) {
        Random random = new Random(seed);
        String id = "doc" + n;
        StringBuilder text = new StringBuilder();
        List<Passage> own = new ArrayList<>();
        List<float[]> mine = new ArrayList<>();
        for (int p = 0; p < passages; p++) {
            int start = text.length();
            text.append("Passage ").append(p).append(" of document ").append(n).append(". ");
            float[] v = unitGaussian(random, DIM);
            own.add(new Passage(start, text.length() - 1, v));
            mine.add(v);
        }
        vectors.put(id, mine);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "Title " + n);
        fields.put("text", text.toString().strip());
        fields.put("bucket", n % 3 == 0 ? "b" : "a");
        return EmbeddedDocument.withPassages(new Document(id, fields), own);
    }

    private LuceneCollection filled(Path path) {
        LuceneCollection collection = LuceneCollection.create("passages", path, SCHEMA, STAMP_A, VectorEncoding.FLOAT32);
        List<EmbeddedDocument> docs = new ArrayList<>();
        for (int n = 0; n < DOCS; n++) {
            docs.add(document(n, PASSAGES, 1000 + n));
        }
        collection.upsert(docs);
        collection.commit();
        return collection;
    }

    private static List<ScoredId> search(LuceneCollection collection, float[] vector, int k, Filter filter) {
        try (LuceneView view = collection.openView()) {
            return view.search(VectorQuery.of(vector, k, 100, filter));
        }
    }

    @Test
    void hitsAreDistinctDocumentsWithTheirBestPassage() {
        LuceneCollection collection = opened(filled(tmp.resolve("c")));
        assertThat(collection.count()).isEqualTo(DOCS);
        List<ScoredId> hits = search(collection, vectors.get("doc7").get(3), 20, null);
        assertThat(hits).hasSize(20);
        assertThat(hits.stream().map(ScoredId::id).distinct()).hasSize(20);
        ScoredId top = hits.getFirst();
        assertThat(top.id()).isEqualTo("doc7");
        assertThat(top.score()).isGreaterThan(0.999f);
        assertThat(top.passage().index()).isEqualTo(3);
        assertThat(top.passage().field()).isEqualTo("text");
        try (LuceneView view = collection.openView()) {
            String text = (String) view.fetch(List.of(top.ref())).get("doc7").fields().get("text");
            assertThat(text.substring(top.passage().start(), top.passage().end()))
                    .isEqualTo("Passage 3 of document 7.");
            // A document's vector is its first passage's.
            assertThat(view.vectors(List.of(top.ref())).get("doc7")).containsExactly(vectors.get("doc7").get(0));
        }
        // Every hit's score is its best passage's cosine, and hits are ordered by it.
        for (ScoredId hit : hits) {
            double best = vectors.get(hit.id()).stream()
                    .mapToDouble(v -> Fixtures.cosine(v, vectors.get("doc7").get(3))).max().orElseThrow();
            assertThat((double) hit.score()).isCloseTo(best, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = VectorEncoding.class, names = {"FLOAT32", "INT4"})
    void aTopTwoMeanScoresEachDocumentByItsBestTwoPassagesExactly(VectorEncoding encoding) {
        LuceneCollection collection = opened(LuceneCollection.create("mean", tmp.resolve("m"), SCHEMA, STAMP_A,
                encoding));
        // Two segments, and documents of 1 to 5 passages (one passage: its mean is its only similarity).
        for (int batch = 0; batch < 2; batch++) {
            List<EmbeddedDocument> docs = new ArrayList<>();
            for (int n = batch * DOCS / 2; n < (batch + 1) * DOCS / 2; n++) {
                docs.add(document(n, 1 + n % PASSAGES, 5000 + n));
            }
            collection.upsert(docs);
            collection.commit();
        }
        float[] query = unitGaussian(new Random(77), DIM);
        Map<String, Double> expected = new LinkedHashMap<>();
        vectors.forEach((id, passages) -> expected.put(id, passages.stream()
                .map(v -> (double) org.apache.lucene.util.VectorUtil.dotProduct(query, v))
                .sorted(java.util.Comparator.reverseOrder()).limit(2).mapToDouble(Double::doubleValue).average()
                .orElseThrow()));
        List<String> byMean = expected.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).map(Map.Entry::getKey).toList();
        List<ScoredId> hits;
        List<ScoredId> byMax;
        try (LuceneView view = collection.openView()) {
            // numCandidates 100 explores all 30 documents, so the mean ranks every one of them.
            hits = view.search(new VectorQuery(query, 10, 100, null, dev.mmsearch.core.PassageScore.parse("top2-mean")));
            byMax = view.search(VectorQuery.of(query, 10, 100));
        }
        assertThat(hits).extracting(ScoredId::id).containsExactlyElementsOf(byMean.subList(0, 10));
        for (ScoredId hit : hits) {
            assertThat((double) hit.score()).isCloseTo(expected.get(hit.id()), org.assertj.core.data.Offset.offset(1e-4));
            assertThat(hit.passage()).as("the matched passage is still the best one").isNotNull();
        }
        assertThat(hits).extracting(ScoredId::id).as("the mean changes the order on these vectors")
                .isNotEqualTo(byMax.stream().map(ScoredId::id).toList());
        assertThatThrownBy(() -> dev.mmsearch.core.PassageScore.parse("top1-mean"))
                .hasMessageContaining("'max' or 'topN-mean' with N from 2 to 16");
    }

    @Test
    void filtersApplyInsideThePassageSearch() {
        LuceneCollection collection = opened(filled(tmp.resolve("c")));
        List<ScoredId> onlyB = search(collection, vectors.get("doc7").get(3), 8, new Filter.Term("bucket", "b"));
        assertThat(onlyB).hasSize(8); // 10 documents are in bucket b
        assertThat(onlyB).allMatch(h -> Integer.parseInt(h.id().substring(3)) % 3 == 0);
        List<ScoredId> notB = search(collection, vectors.get("doc7").get(3), 20,
                new Filter.Not(new Filter.Term("bucket", "b")));
        assertThat(notB).hasSize(20).noneMatch(h -> Integer.parseInt(h.id().substring(3)) % 3 == 0);
        assertThat(notB.getFirst().id()).isEqualTo("doc7");
    }

    @Test
    void updatesAndDeletesTakeEveryPassageOfADocument() {
        LuceneCollection collection = opened(filled(tmp.resolve("c")));
        float[] old = vectors.get("doc7").get(3);
        collection.upsert(List.of(document(7, 2, 77)));
        collection.delete(List.of("doc8"));
        long matched = collection.deleteMatching(new Filter.Term("bucket", "b"));
        collection.commit();
        assertThat(matched).isEqualTo(10);
        assertThat(collection.count()).isEqualTo(DOCS - 1 - 10);
        List<ScoredId> hits = search(collection, old, 100, null);
        assertThat(hits).hasSize(DOCS - 11);
        assertThat(hits).extracting(ScoredId::id).doesNotContain("doc8", "doc9", "doc0");
        ScoredId seven = hits.stream().filter(h -> h.id().equals("doc7")).findFirst().orElseThrow();
        assertThat(seven.passage().index()).isLessThan(2); // the new version has two passages
        assertThat(walk(collection)).containsEntry("doc7", 2).hasSize(DOCS - 11)
                .allSatisfy((id, n) -> assertThat(n).isEqualTo(id.equals("doc7") ? 2 : PASSAGES));
    }

    @Test
    void blocksSurviveAMergeAndAReopen() {
        Path path = tmp.resolve("c");
        LuceneCollection collection = filled(path);
        collection.upsert(List.of(document(3, 4, 33)));
        collection.commit();
        collection.optimize();
        collection.close();
        LuceneCollection reopened = opened(LuceneCollection.open("passages", path));
        assertThat(reopened.schema().passages()).isEqualTo(PassageOptions.of("text"));
        assertThat(reopened.count()).isEqualTo(DOCS);
        assertThat(LuceneCollection.readInfo("passages", path).documentCount()).isEqualTo(DOCS);
        ScoredId top = search(reopened, vectors.get("doc3").get(2), 5, null).getFirst();
        assertThat(top.id()).isEqualTo("doc3");
        assertThat(top.passage().index()).isEqualTo(2);
        Map<String, EmbeddedDocument> all = new LinkedHashMap<>();
        try (LuceneView view = reopened.openView()) {
            view.forEachDocument(d -> all.put(d.id(), d));
            // A document found by id (not by its position) is the document, not one of its passages.
            assertThat(view.fetch(List.of(new DocRef("doc12", DocRef.UNKNOWN)))).containsKey("doc12");
        }
        assertThat(all).hasSize(DOCS);
        List<Passage> three = all.get("doc3").passages();
        assertThat(three).hasSize(4);
        for (int p = 0; p < three.size(); p++) {
            assertThat(three.get(p).vector()).containsExactly(vectors.get("doc3").get(p));
        }
    }

    @Test
    void documentsWithoutPassagesAreRefusedAndNothingIsWritten() {
        LuceneCollection collection = opened(filled(tmp.resolve("c")));
        EmbeddedDocument flat = new EmbeddedDocument(new Document("flat", Map.of("text", "x")),
                unitGaussian(new Random(1), DIM));
        assertThatThrownBy(() -> collection.upsert(List.of(document(40, 2, 4), flat)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("flat", "splits field 'text' into passages");
                });
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCS);
        LuceneCollection plain = opened(LuceneCollection.create("plain", tmp.resolve("p"), Fixtures.SCHEMA, STAMP_A,
            VectorEncoding.FLOAT32));
        assertThatThrownBy(() -> plain.upsert(List.of(document(1, 2, 5))))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage())
                        .contains("has no passages, but the document has 2"));
    }

    private static Map<String, Integer> walk(LuceneCollection collection) {
        Map<String, Integer> passages = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        try (LuceneView view = collection.openView()) {
            view.forEachDocument(d -> {
                assertThat(seen.add(d.id())).as("each document once").isTrue();
                passages.put(d.id(), d.passages().size());
            });
        }
        return passages;
    }
}
