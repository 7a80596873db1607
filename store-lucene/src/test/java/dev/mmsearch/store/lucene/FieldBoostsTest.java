package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextQuery;
import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BM25 with per-field boosts over the {@code txt.<field>} fields, and its refusal on collections indexed before them. */
class FieldBoostsTest {
    @TempDir
    Path root;

    private static SearchCollection fill(LuceneCollectionStore store) {
        SearchCollection docs = store.getOrCreate("docs", SCHEMA, STAMP_A);
        docs.upsert(List.of(
                doc("in-title", "Apple orchards", "Rows of trees on a hill in the north of the valley", "farm",
                        vectorFor("1")),
                doc("in-text", "Orchards on a hill", "Rows of apple trees in the north of the valley", "farm",
                        vectorFor("2")),
                doc("elsewhere", "Pear orchards", "Rows of pear trees in the south of the valley", "city",
                        vectorFor("3"))));
        docs.commit();
        return docs;
    }

    private static List<String> ids(List<ScoredId> hits) {
        return hits.stream().map(ScoredId::id).toList();
    }

    @Test
    void boostsWeighTheFieldsAndLeaveOutFieldsNotNamed() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection docs = fill(store);
            assertThat(ids(docs.search(TextQuery.of("apple", 10)))).containsExactlyInAnyOrder("in-title", "in-text");
            assertThat(ids(docs.search(TextQuery.of("apple", 10, null, Map.of("title", 5f, "text", 1f)))))
                    .containsExactly("in-title", "in-text");
            assertThat(ids(docs.search(TextQuery.of("apple", 10, null, Map.of("title", 1f, "text", 5f)))))
                    .containsExactly("in-text", "in-title");
            List<ScoredId> titleOnce = docs.search(TextQuery.of("apple", 10, null, Map.of("title", 1f)));
            assertThat(ids(titleOnce)).containsExactly("in-title");
            // A boost multiplies that field's BM25 score.
            List<ScoredId> titleTwice = docs.search(TextQuery.of("apple", 10, null, Map.of("title", 2f)));
            assertThat(titleTwice.getFirst().score()).isCloseTo(2 * titleOnce.getFirst().score(), Offset.offset(1e-4f));
            assertThat(ids(docs.search(TextQuery.of("apple", 10, null, Map.of("text", 1f))))).containsExactly("in-text");
            // Filters still apply; empty or null boosts are the catch-all search; no terms, no hits.
            assertThat(ids(docs.search(TextQuery.of("rows", 10, new Filter.Term("category", "city"), Map.of("text", 1f)))))
                    .containsExactly("elsewhere");
            assertThat(docs.search(TextQuery.of("apple", 10, null, Map.of()))).isEqualTo(docs.search(TextQuery.of("apple", 10)));
            assertThat(docs.search(TextQuery.of("apple", 10, null, null))).isEqualTo(docs.search(TextQuery.of("apple", 10)));
            assertThat(docs.search(TextQuery.of("the of", 10, null, Map.of("title", 1f)))).isEmpty();
            // A very long query is truncated per field, never refused for too many clauses.
            StringBuilder longQuery = new StringBuilder("apple");
            for (int i = 0; i < 3_000; i++) {
                longQuery.append(" w").append(i);
            }
            assertThat(ids(docs.search(TextQuery.of(longQuery.toString(), 10, null, Map.of("title", 1f, "text", 1f)))))
                    .containsExactly("in-title", "in-text");
        }
    }

    @Test
    void refusesFieldsThatAreNotTextFieldsAndBadBoosts() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection docs = fill(store);
            Map<String, Float> nullBoost = new HashMap<>();
            nullBoost.put("title", null);
            for (Map<String, Float> bad : List.of(Map.of("category", 1f), Map.of("body", 1f), Map.of("title", 0f),
                    Map.of("title", -1f), Map.of("title", Float.NaN), Map.of("text", Float.POSITIVE_INFINITY), nullBoost)) {
                assertThatThrownBy(() -> docs.search(TextQuery.of("apple", 10, null, bad))).as(bad.toString())
                        .isInstanceOfSatisfying(MmsearchException.class,
                                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                        .hasMessageMatching("(?s).*(not a text field of collection 'docs'; text fields: \\[title, text]"
                                + "|must be a positive finite number).*");
            }
            assertThatThrownBy(() -> docs.search(TextQuery.of("apple", 0, null, Map.of("title", 1f))))
                    .isInstanceOf(MmsearchException.class);
            assertThatThrownBy(() -> docs.search(TextQuery.of(null, 10, null, Map.of("title", 1f))))
                    .isInstanceOf(MmsearchException.class).hasMessageContaining("text query is missing");
            // Empty boosts are the search over all text fields together.
            assertThat(docs.search(TextQuery.of("apple", 10, null, Map.of())))
                    .isEqualTo(docs.search(TextQuery.of("apple", 10)));
        }
    }

    /** A collection in the layout before {@code txt.*} fields: written with Lucene directly, as the old code did. */
    @Test
    void aCollectionIndexedBeforePerFieldTextAsksForAReindex() throws Exception {
        Path path = root.resolve("legacy");
        try (FSDirectory directory = FSDirectory.open(path);
             IndexWriter writer = new IndexWriter(directory, new IndexWriterConfig(new EnglishAnalyzer())
                     .setCodec(VectorIndexing.codec(VectorEncoding.FLOAT32, dev.mmsearch.core.HnswOptions.DEFAULT)))) {
            org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
            doc.add(new StringField(IndexLayout.ID_FIELD, "old", Field.Store.YES));
            doc.add(new SortedDocValuesField(IndexLayout.ID_FIELD, new BytesRef("old")));
            Map<String, Object> fields = new LinkedHashMap<>(Map.of("title", "Apple", "text", "old apple text"));
            doc.add(new StoredField(IndexLayout.SOURCE_FIELD, dev.mmsearch.core.Json.MAPPER.writeValueAsBytes(fields)));
            doc.add(new TextField(IndexLayout.TEXT_FIELD, "Apple\nold apple text", Field.Store.NO));
            doc.add(new KnnFloatVectorField(IndexLayout.VECTOR_FIELD, vectorFor("old"), VectorSimilarityFunction.COSINE));
            writer.addDocument(doc);
            Instant now = Instant.now();
            writer.setLiveCommitData(new CommitMetadata(STAMP_A, SCHEMA, now, now, null, null).toUserData().entrySet());
            writer.commit();
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection legacy = store.get("legacy");
            assertThat(legacy.vectorEncoding()).isEqualTo(VectorEncoding.FLOAT32);
            assertThat(ids(legacy.search(TextQuery.of("apple", 10)))).containsExactly("old");
            assertThatThrownBy(() -> legacy.search(TextQuery.of("apple", 10, null, Map.of("title", 2f))))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining("re-index to use field boosts");
            // New documents get per-field text, but the old segment still lacks it: still refused.
            legacy.upsert(List.of(doc("new", "Apple", "new apple text")));
            legacy.commit();
            assertThatThrownBy(() -> legacy.search(TextQuery.of("apple", 10, null, Map.of("title", 2f))))
                    .hasMessageContaining("re-index to use field boosts");
            // Once the old document is re-indexed, boosts work.
            legacy.upsert(List.of(doc("old", "Apple", "old apple text")));
            legacy.commit();
            assertThat(ids(legacy.search(TextQuery.of("apple", 10, null, Map.of("title", 2f)))))
                    .containsExactlyInAnyOrder("old", "new");
        }
    }
}
