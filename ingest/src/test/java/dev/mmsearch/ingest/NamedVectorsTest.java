package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorField;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Named vector fields end to end with real models and a real Lucene store: a collection whose main vector (title and
 * text) comes from all-MiniLM-L6-v2 (int8), a {@code title_emb} from bge-small-en-v1.5 (int8) and a {@code body_emb}
 * from all-MiniLM-L6-v2 (int8). Indexing embeds each field with its own model; a re-index of one field changes that
 * field only, every other vector staying bit-identical; a re-index of the main vector keeps the named ones; export and
 * import carry them.
 */
class NamedVectorsTest {
    private static final String MAIN = IndexerTest.MODEL;
    private static final String TITLE = "bge-small-en-v1.5-q";
    private static final String TITLES_AGAIN = "all-MiniLM-L6-v2";
    private static final String[] TOPICS = {"protein folding", "ocean currents", "jazz harmony", "medieval castles",
            "volcanic soil", "neural networks", "coffee roasting", "glacier retreat", "chess openings", "bee colonies"};

    static ModelRegistry registry;

    @TempDir
    Path dir;
    LuceneCollectionStore store;
    CollectionSchema schema;

    @BeforeAll
    static void loadModels() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
    }

    @AfterAll
    static void closeModels() {
        registry.close();
    }

    @BeforeEach
    void openStore() {
        store = new LuceneCollectionStore(dir.resolve("collections"));
        schema = new CollectionSchema("{title} {text}", List.of("title", "text"), List.of("topic"))
                .withVectors(List.of(VectorField.text("title_emb", "{title}", registry.textEncoder(TITLE).stamp()),
                        VectorField.text("body_emb", "{text}", registry.textEncoder(MAIN).stamp())));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** 30 documents; every fourth has no title (so no title vector). */
    private SearchCollection indexed() throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            String topic = TOPICS[i % TOPICS.length];
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", "d" + i);
            if (i % 4 != 3) {
                fields.put("title", "A field guide to " + topic + ", volume " + i);
            }
            fields.put("text", "Notes on " + topic + " gathered over " + (i + 2) + " years of work in the field.");
            fields.put("topic", topic.split(" ")[0]);
            jsonl.append(dev.mmsearch.core.Json.MAPPER.writeValueAsString(fields)).append('\n');
        }
        Path input = dir.resolve("docs.jsonl");
        Files.writeString(input, jsonl);
        TextEncoder main = registry.textEncoder(MAIN);
        SearchCollection collection = store.getOrCreate("docs", schema, main.stamp());
        DocumentEmbedder embedder = DocumentEmbedder.withNamedVectors(DocumentEmbedder.text(main, schema), "docs",
                schema, registry, null, 0);
        IndexSummary summary = Indexer.index(input, collection, embedder, null, IndexOptions.defaults()
                .withBatchSize(8), IndexProgress.NONE, dir.resolve("reports"));
        assertThat(summary.indexed()).isEqualTo(30);
        return collection;
    }

    private static Map<String, EmbeddedDocument> walk(SearchCollection collection) {
        Map<String, EmbeddedDocument> all = new LinkedHashMap<>();
        collection.forEachDocument(d -> all.put(d.id(), d));
        return all;
    }

    @Test
    void eachFieldIsEmbeddedByItsOwnModelAndSearchedWithIt() throws IOException {
        SearchCollection collection = indexed();
        Map<String, EmbeddedDocument> all = walk(collection);
        assertThat(all.get("d0").named()).containsOnlyKeys("title_emb", "body_emb");
        assertThat(all.get("d3").named()).as("no title, no title vector").containsOnlyKeys("body_emb");
        // The title vector is bge-small's embedding of the title alone (up to int8 batch effects).
        float[] title = registry.textEncoder(TITLE).encodeDocuments(List.of("A field guide to jazz harmony, volume 2"))[0];
        assertThat(org.apache.lucene.util.VectorUtil.dotProduct(unit(all.get("d2").named().get("title_emb")), unit(title)))
                .isGreaterThan(0.99f);

        float[] query = registry.textEncoder(TITLE).encodeQuery("a field guide to glacier retreat");
        List<ScoredId> hits = collection.search(VectorQuery.of(query, 3, 50).onField("title_emb"));
        // d17 is the one glacier document with a title (d7 and d27 have none, so no title vector).
        assertThat(hits.getFirst().id()).isEqualTo("d17");
        assertThat(collection.search(VectorQuery.of(query, 30, 50).onField("title_emb"))).hasSize(23)
                .extracting(ScoredId::id).doesNotContain("d7", "d27");
        assertThatThrownBy(() -> collection.search(VectorQuery.of(new float[384], 3, 50).onField("nope")))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("no vector field 'nope'");
    }

    @Test
    void aReindexOfOneFieldLeavesEveryOtherVectorBitIdentical() throws IOException {
        SearchCollection collection = indexed();
        Map<String, EmbeddedDocument> before = walk(collection);

        TextEncoder again = registry.textEncoder(TITLES_AGAIN);
        Reindexer.ReindexSummary summary = Reindexer.reindexField(store, "docs", "title_emb", again, 7,
                IndexProgress.NONE);
        assertThat(summary.documents()).isEqualTo(30);
        assertThat(summary.to()).isEqualTo(again.stamp());
        SearchCollection after = store.get("docs");
        assertThat(after.schema().vectorField("title_emb").stamp()).isEqualTo(again.stamp());
        assertThat(after.schema().vectorField("body_emb")).isEqualTo(schema.vectorField("body_emb"));
        assertThat(after.stamp()).isEqualTo(collection.stamp());
        Map<String, EmbeddedDocument> walked = walk(after);
        assertThat(walked).hasSize(30);
        for (EmbeddedDocument old : before.values()) {
            EmbeddedDocument now = walked.get(old.id());
            assertThat(now.document()).isEqualTo(old.document());
            assertThat(now.vector()).as(old.id() + " main").containsExactly(old.vector());
            assertThat(now.named().get("body_emb")).as(old.id() + " body").containsExactly(old.named().get("body_emb"));
            assertThat(now.named().containsKey("title_emb")).isEqualTo(old.named().containsKey("title_emb"));
            if (old.named().containsKey("title_emb")) {
                assertThat(now.named().get("title_emb")).isNotEqualTo(old.named().get("title_emb"));
            }
        }
        // The field now answers queries of its new model.
        float[] query = again.encodeQuery("a field guide to glacier retreat");
        assertThat(after.search(VectorQuery.of(query, 3, 50).onField("title_emb")).getFirst().id()).isEqualTo("d17");

        assertThatThrownBy(() -> Reindexer.reindexField(store, "docs", "nope", again, 8, IndexProgress.NONE))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void aReindexOfTheMainVectorKeepsTheNamedOnesAndExportImportCarriesThem() throws IOException {
        SearchCollection collection = indexed();
        Map<String, EmbeddedDocument> before = walk(collection);
        Reindexer.reindex(store, "docs", registry.textEncoder(TITLE), null, IndexOptions.defaults().withBatchSize(8),
                IndexProgress.NONE, dir.resolve("reports"));
        SearchCollection reindexed = store.get("docs");
        assertThat(reindexed.stamp()).isEqualTo(registry.textEncoder(TITLE).stamp());
        Map<String, EmbeddedDocument> walked = walk(reindexed);
        for (EmbeddedDocument old : before.values()) {
            assertThat(walked.get(old.id()).named().keySet()).isEqualTo(old.named().keySet());
            old.named().forEach((field, vector) ->
                    assertThat(walked.get(old.id()).named().get(field)).as(old.id() + " " + field).containsExactly(vector));
        }

        Path out = dir.resolve("export");
        ExportManifest manifest = CollectionExport.export(reindexed, out, 10);
        assertThat(manifest.schema()).isEqualTo(reindexed.schema());
        try (LuceneCollectionStore target = new LuceneCollectionStore(dir.resolve("target"))) {
            CollectionImport.importInto(out, target, "copy");
            Map<String, EmbeddedDocument> copied = walk(target.get("copy"));
            assertThat(target.get("copy").schema()).isEqualTo(reindexed.schema());
            for (EmbeddedDocument original : walked.values()) {
                EmbeddedDocument copy = copied.get(original.id());
                assertThat(copy.vector()).containsExactly(original.vector());
                assertThat(copy.named().keySet()).isEqualTo(original.named().keySet());
                original.named().forEach((field, vector) -> assertThat(copy.named().get(field)).containsExactly(vector));
            }
        }
    }

    private static float[] unit(float[] v) {
        float norm = (float) Math.sqrt(org.apache.lucene.util.VectorUtil.dotProduct(v, v));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }
}
