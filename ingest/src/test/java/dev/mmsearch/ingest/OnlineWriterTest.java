package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.DocumentVersion;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.GroupCommit;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Online writes on a real Lucene collection, with an embedder that counts what it is asked to embed. */
class OnlineWriterTest {
    static final ModelStamp STAMP = new ModelStamp("count-3d", "2".repeat(64), 3, VectorSimilarity.COSINE);
    static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", List.of("title", "text"),
            List.of("topic"), List.of("year"));

    @TempDir
    Path dir;

    final AtomicInteger embedded = new AtomicInteger();

    DocumentEmbedder countingEmbedder() {
        return new DocumentEmbedder() {
            @Override
            public ModelStamp stamp() {
                return STAMP;
            }

            @Override
            public String input(Document document) {
                return SCHEMA.embedText(document);
            }

            @Override
            public String emptyReason() {
                return "nothing to embed";
            }

            @Override
            public int[] lengths(List<String> inputs) {
                return inputs.stream().mapToInt(String::length).toArray();
            }

            @Override
            public float[][] embed(List<String> inputs) {
                embedded.addAndGet(inputs.size());
                return inputs.stream().map(t -> new float[] {1 + t.length() % 7, 1 + t.hashCode() % 5, 1})
                        .toArray(float[][]::new);
            }
        };
    }

    static BulkBody.Item item(int position, String id, String title, String topic, int year) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", title);
        fields.put("text", "text of " + id);
        fields.put("topic", topic);
        fields.put("year", year);
        return new BulkBody.Item(position, id, new Document(id, fields), null, null);
    }

    @Test
    void aPatchThatKeepsTheEmbeddedTextRunsNoModelAndKeepsTheVector() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection collection = store.getOrCreate("docs", SCHEMA, STAMP);
            OnlineWriter writer = new OnlineWriter(collection, countingEmbedder(), new GroupCommit(collection), 32);
            List<BulkBody.Item> items = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                items.add(item(i + 1, "d" + i, "Title " + i, "old", 2000 + i % 20));
            }
            List<OnlineWriter.Outcome> written = writer.upsert(items);
            assertThat(written).allSatisfy(o -> assertThat(o.result()).isEqualTo("created"));
            assertThat(embedded.get()).isEqualTo(1000);
            Map<String, float[]> before = collection.vectors(List.of("d0", "d999"));

            embedded.set(0);
            for (int i = 0; i < 1000; i++) {
                assertThat(writer.patch("d" + i, Map.of("topic", "new")).result()).isEqualTo("updated");
            }
            assertThat(embedded.get()).as("model calls for 1,000 keyword patches").isZero();
            assertThat(collection.count()).isEqualTo(1000);
            assertThat(collection.search(TextQuery.of("title", 1000, new Filter.Term("topic", "new")))).hasSize(1000);
            Map<String, float[]> after = collection.vectors(List.of("d0", "d999"));
            assertThat(after.get("d0")).containsExactly(before.get("d0"));
            assertThat(after.get("d999")).containsExactly(before.get("d999"));

            // A patch of an embedded field re-embeds that one document; a null removes a field.
            Map<String, Object> retitle = new HashMap<>();
            retitle.put("title", "A new title");
            retitle.put("year", null);
            assertThat(writer.patch("d5", retitle).result()).isEqualTo("updated");
            assertThat(embedded.get()).isEqualTo(1);
            Document d5 = collection.fetch(List.of("d5")).get("d5");
            assertThat(d5.fields()).containsEntry("title", "A new title").containsEntry("topic", "new")
                    .doesNotContainKey("year");
            // Bad patches fail with a code and change nothing; a missing document is null.
            OnlineWriter.Outcome bad = writer.patch("d6", Map.of("year", "soon"));
            assertThat(bad.code()).isEqualTo(OnlineWriter.INVALID_FIELD);
            assertThat(collection.fetch(List.of("d6")).get("d6").fields()).containsEntry("year", 2006);
            assertThat(writer.patch("missing", Map.of("topic", "x"))).isNull();
        }
    }

    @Test
    void badDocumentsFailAloneAndUpdatesAreTold() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection collection = store.getOrCreate("docs", SCHEMA, STAMP);
            OnlineWriter writer = new OnlineWriter(collection, countingEmbedder(), new GroupCommit(collection), 2);
            Map<String, Object> noText = new LinkedHashMap<>();
            noText.put("topic", "x");
            List<OnlineWriter.Outcome> outcomes = writer.upsert(List.of(item(1, "a", "A", "t", 1),
                    new BulkBody.Item(2, "b", new Document("b", noText), null, null),
                    new BulkBody.Item(3, null, null, BulkBody.MISSING_ID, "no id"),
                    item(4, "c", "C", "t", 3)));
            assertThat(outcomes).extracting(OnlineWriter.Outcome::result)
                    .containsExactly("created", "failed", "failed", "created");
            assertThat(outcomes.get(1).code()).isEqualTo(OnlineWriter.NOTHING_TO_EMBED);
            assertThat(outcomes.get(2).code()).isEqualTo(BulkBody.MISSING_ID);
            assertThat(writer.upsert(List.of(item(1, "a", "A2", "t", 1))).getFirst().result()).isEqualTo("updated");
            // The same id twice in one body: the later one wins, whatever the batching order (length-sorted).
            writer.upsert(List.of(item(1, "c", "a much longer title than the next one", "t", 10),
                    item(2, "c", "short", "t", 11)));
            assertThat(collection.fetch(List.of("c")).get("c").fields()).containsEntry("year", 11);
            assertThat(writer.delete(List.of("a", "zzz"))).containsExactly("a");
            assertThat(collection.fetch(List.of("a", "c")).keySet()).containsExactly("c");
        }
    }

    @Test
    void documentsWithTheirOwnVectorAreStoredAsGivenWithoutTheModelAndAWrongDimensionFailsAlone() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection collection = store.getOrCreate("docs", SCHEMA, STAMP);
            OnlineWriter writer = new OnlineWriter(collection, countingEmbedder(), new GroupCommit(collection), 2);
            String ndjson = String.join("\n",
                    "{\"id\": \"v1\", \"title\": \"Given\", \"text\": \"t\", \"_vector\": [0.5, -1, 2.25]}",
                    "{\"id\": \"v2\", \"title\": \"Short\", \"_vector\": [1, 2]}",
                    "{\"id\": \"v3\", \"title\": \"Words\", \"_vector\": [1, \"two\", 3]}",
                    "{\"id\": \"v4\", \"title\": \"Zero\", \"_vector\": [0, 0, 0]}",
                    "{\"id\": \"v5\", \"topic\": \"no text, but a vector\", \"_vector\": [3, 2, 1]}",
                    "{\"id\": \"e1\", \"title\": \"Embedded\", \"text\": \"by the model\"}");
            List<BulkBody.Item> items = BulkBody.parse(ndjson.getBytes(java.nio.charset.StandardCharsets.UTF_8), true,
                    new BulkBody.Limits(100, 1000));
            assertThat(items.getFirst().vector()).containsExactly(0.5f, -1f, 2.25f);
            assertThat(items.get(2).code()).isEqualTo(BulkBody.INVALID_VECTOR);
            assertThat(items.get(2).message()).contains("_vector").contains("list of finite numbers");

            List<OnlineWriter.Outcome> outcomes = writer.upsert(items);
            assertThat(outcomes).extracting(OnlineWriter.Outcome::result)
                    .containsExactly("created", "failed", "failed", "failed", "created", "created");
            assertThat(outcomes).extracting(OnlineWriter.Outcome::code)
                    .containsExactly(null, BulkBody.INVALID_VECTOR, BulkBody.INVALID_VECTOR, BulkBody.INVALID_VECTOR,
                            null, null);
            assertThat(outcomes.get(1).message()).contains("has 2 numbers").contains("3-dimensional");
            assertThat(outcomes.get(3).message()).contains("all zeros");
            assertThat(embedded.get()).as("documents the model embedded").isEqualTo(1);
            Map<String, float[]> vectors = collection.vectors(List.of("v1", "v5"));
            assertThat(vectors.get("v1")).containsExactly(0.5f, -1f, 2.25f);
            assertThat(vectors.get("v5")).containsExactly(3f, 2f, 1f);
            // "_vector" is not a field: it is neither stored nor returned.
            assertThat(collection.fetch(List.of("v1")).get("v1").fields()).containsOnlyKeys("title", "text");
            assertThat(collection.count()).isEqualTo(3);
            // A later write with a vector replaces the document and its vector (upsert by id).
            List<OnlineWriter.Outcome> again = writer.upsert(BulkBody.parse(
                    "[{\"id\": \"v1\", \"title\": \"Given again\", \"_vector\": [1, 1, 1]}]"
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8), false, new BulkBody.Limits(100, 1000)));
            assertThat(again.getFirst().result()).isEqualTo("updated");
            assertThat(collection.vectors(List.of("v1")).get("v1")).containsExactly(1f, 1f, 1f);
            assertThat(embedded.get()).isEqualTo(1);
        }
    }

    @Test
    void writesWithAVersionSucceedOnlyAtThatVersion() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection collection = store.getOrCreate("docs", SCHEMA, STAMP);
            OnlineWriter writer = new OnlineWriter(collection, countingEmbedder(), new GroupCommit(collection), 8);
            writer.upsert(List.of(item(1, "a", "A", "t", 1)));
            String v1 = DocumentVersion.of(collection.fetch(List.of("a")).get("a"));

            // Replace at the version read: written, and the version moves.
            assertThat(writer.upsert(List.of(item(1, "a", "A2", "t", 2)), v1).getFirst().result()).isEqualTo("updated");
            String v2 = DocumentVersion.of(collection.fetch(List.of("a")).get("a"));
            assertThat(v2).isNotEqualTo(v1).matches("[0-9a-f]{16}");
            // A stale version is a conflict for replace, patch and delete, and nothing is written.
            for (Runnable stale : List.<Runnable>of(
                    () -> writer.upsert(List.of(item(1, "a", "A3", "t", 3)), v1),
                    () -> writer.patch("a", Map.of("topic", "x"), v1),
                    () -> writer.delete(List.of("a"), v1))) {
                assertThatThrownBy(stale::run).isInstanceOf(MmsearchException.class)
                        .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.VERSION_CONFLICT))
                        .hasMessageContaining(v2).hasMessageContaining(v1);
            }
            assertThat(collection.fetch(List.of("a")).get("a").fields()).containsEntry("title", "A2")
                    .containsEntry("topic", "t");
            // A version for a document that is not there is a conflict too (it is not "at" any version).
            assertThatThrownBy(() -> writer.upsert(List.of(item(1, "new", "N", "t", 1)), v1))
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.VERSION_CONFLICT));
            assertThat(collection.fetch(List.of("new"))).isEmpty();
            // The current version works for patch and delete.
            assertThat(writer.patch("a", Map.of("topic", "x"), v2).result()).isEqualTo("updated");
            String v3 = DocumentVersion.of(collection.fetch(List.of("a")).get("a"));
            assertThat(writer.delete(List.of("a"), v3)).containsExactly("a");
            assertThat(collection.fetch(List.of("a"))).isEmpty();
        }
    }

    /**
     * Patches of different fields of one document from many threads at once: none is lost (each re-reads and merges
     * onto the latest write), while plain upserts of other documents go on.
     */
    @Test
    void concurrentPatchesOfOneDocumentAreAllKept() throws Exception {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection collection = store.getOrCreate("docs", SCHEMA, STAMP);
            GroupCommit commits = new GroupCommit(collection);
            OnlineWriter writer = new OnlineWriter(collection, countingEmbedder(), commits, 8);
            writer.upsert(List.of(item(1, "shared", "Shared", "t", 1)));
            int threads = 4;
            int patchesEach = 10;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int p = 0; p < patchesEach; p++) {
                        // Each thread owns one field; the last value of each must survive every other thread's writes.
                        writer.patch("shared", Map.of("f" + thread, p));
                    }
                }));
            }
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    writer.upsert(List.of(item(1, "other" + i, "Other", "t", i)));
                }
            }));
            for (java.util.concurrent.Future<?> future : futures) {
                future.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            pool.shutdown();
            Map<String, Object> fields = collection.fetch(List.of("shared")).get("shared").fields();
            for (int t = 0; t < threads; t++) {
                assertThat(((Number) fields.get("f" + t)).intValue()).as("field f" + t).isEqualTo(patchesEach - 1);
            }
            assertThat(collection.count()).isEqualTo(21);
        }
    }
}
