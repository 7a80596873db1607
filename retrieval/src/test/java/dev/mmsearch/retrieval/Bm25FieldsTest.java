package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.Bm25Recall;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** recall {@code bm25} with per-field weights ({@code fields}) on the real test collection. */
class Bm25FieldsTest {
    static final StageRegistry REGISTRY = BuiltinStages.registry();

    @TempDir
    static Path dir;
    static LuceneCollectionStore store;
    static SearchCollection collection;

    @BeforeAll
    static void open() {
        store = new LuceneCollectionStore(dir);
        collection = TestCollections.create(store);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    static List<Candidate> recall(Map<String, Object> params, String text) {
        RecallStage stage = REGISTRY.create(StageKind.RECALL, "arm 'b'", params, RecallStage.class);
        return stage.recall(TestCollections.context(collection, SearchQuery.of(TestCollections.NAME, text, 10)));
    }

    @Test
    void fieldsChooseAndWeighTheSearchedTextFields() {
        // "home" is in the titles of cat1/cat2 and ("homes", stemmed) in the text of sun1.
        assertThat(recall(Map.of("type", "bm25"), "home")).extracting(Candidate::id)
                .containsExactlyInAnyOrder("cat1", "cat2", "sun1");
        assertThat(recall(Map.of("type", "bm25", "fields", Map.of("title", 1.0)), "home")).extracting(Candidate::id)
                .containsExactly("cat1", "cat2");
        assertThat(recall(Map.of("type", "bm25", "fields", Map.of("text", 1.0)), "home")).extracting(Candidate::id)
                .containsExactly("sun1");
        // The candidates carry the store's boosted BM25 scores under the recall's name.
        List<Candidate> weighted = recall(Map.of("type", "bm25", "name", "lex", "fields",
                Map.of("title", 2.0, "text", 0.5)), "home");
        List<ScoredId> store = collection.search(TextQuery.of("home", 100, null, Map.of("title", 2f, "text", 0.5f)));
        assertThat(weighted).extracting(Candidate::id).containsExactlyElementsOf(store.stream().map(ScoredId::id).toList());
        assertThat(weighted).extracting(c -> c.score("lex"))
                .containsExactlyElementsOf(store.stream().map(ScoredId::score).toList());
    }

    @Test
    void validatesFields() {
        assertThat(((Bm25Recall) REGISTRY.create(StageKind.RECALL, "arm 'b'", Map.of("type", "bm25"))).params().fields())
                .isNull();
        for (Object bad : List.of(Map.of(), Map.of("title", 0), Map.of("title", -1.5), Map.of(" ", 1.0),
                Map.of("title", "heavy"), List.of("title"))) {
            assertThatThrownBy(() -> REGISTRY.create(StageKind.RECALL, "arm 'b'", Map.of("type", "bm25", "fields", bad)))
                    .as(bad.toString())
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining("arm 'b'").hasMessageContaining("fields");
        }
        // A field the collection does not have as text is refused when the request runs, naming the text fields.
        assertThatThrownBy(() -> recall(Map.of("type", "bm25", "fields", Map.of("category", 1.0)), "pets"))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("not a text field").hasMessageContaining("[title, text]");
    }
}
