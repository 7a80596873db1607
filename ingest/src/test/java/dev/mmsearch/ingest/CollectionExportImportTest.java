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
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Export to sharded JSONL and import into a fresh store, with a real model (all-MiniLM-L6-v2, int8, only to build
 * the source collection and the query vectors) and real Lucene stores on disk. The source is a CSV file, so this
 * also runs {@link CsvSource} through the {@link Indexer} with a numeric column.
 */
class CollectionExportImportTest {
    private static final String[] TOPICS = {"protein folding", "ocean currents", "jazz harmony", "medieval castles",
            "volcanic soil", "neural networks", "coffee roasting", "glacier retreat", "chess openings", "bee colonies"};
    private static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", List.of("title", "text"),
            List.of("topic"), List.of("year"));
    private static final int DOCS = 40;

    static ModelRegistry registry;
    static TextEncoder encoder;

    @TempDir
    Path dir;
    LuceneCollectionStore source;
    LuceneCollectionStore target;
    SearchCollection original;

    @BeforeAll
    static void loadModel() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
        encoder = registry.textEncoder(IndexerTest.MODEL);
    }

    @AfterAll
    static void closeModel() {
        registry.close();
    }

    @BeforeEach
    void buildSource() throws IOException {
        source = new LuceneCollectionStore(dir.resolve("source"));
        target = new LuceneCollectionStore(dir.resolve("target"));
        StringBuilder csv = new StringBuilder("id,title,text,topic,year\n");
        for (int i = 0; i < DOCS; i++) {
            String topic = TOPICS[i % TOPICS.length];
            csv.append("doc-").append(i).append(",\"Notes on ").append(topic).append(", part ").append(i / TOPICS.length)
                    .append("\",\"A short \"\"study\"\" of ").append(topic).append(" and its ").append(i % 3 == 0 ? "history" : "methods")
                    .append(".\",").append(topic.split(" ")[0]).append(',').append(1990 + i).append('\n');
        }
        Path input = dir.resolve("docs.csv");
        Files.writeString(input, csv);
        original = source.getOrCreate("docs", SCHEMA, encoder.stamp());
        IndexSummary summary = Indexer.index(input, original, encoder, null, IndexOptions.defaults().withBatchSize(16),
                IndexProgress.NONE, dir.resolve("reports"));
        assertThat(summary.indexed()).isEqualTo(DOCS);
        assertThat(summary.failed()).isZero();
    }

    @AfterEach
    void closeStores() {
        source.close();
        target.close();
    }

    @Test
    void exportThenImportGivesIdenticalSearchResultsWithoutTheModel() throws IOException {
        Path out = dir.resolve("export");
        ExportManifest manifest = CollectionExport.export(original, out, 15);

        assertThat(manifest.count()).isEqualTo(DOCS);
        assertThat(manifest.shards()).extracting(ExportManifest.Shard::name)
                .containsExactly("part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz");
        assertThat(manifest.shards()).extracting(ExportManifest.Shard::records).containsExactly(15L, 15L, 10L);
        assertThat(ExportManifest.read(out)).isEqualTo(manifest);
        assertThat(manifest.stamp()).isEqualTo(encoder.stamp());
        // Records carry "<embedded fields>_emb" (issue 3's interchange layout): "{title} {text}" -> title_text_emb.
        assertThat(manifest.vectorField()).isEqualTo("title_text_emb");
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(
                java.nio.file.Files.newInputStream(out.resolve("part-00000.jsonl.gz"))), java.nio.charset.StandardCharsets.UTF_8))) {
            tools.jackson.databind.JsonNode first = dev.mmsearch.core.Json.MAPPER.readTree(in.readLine());
            assertThat(first.get("title_text_emb").size()).isEqualTo(encoder.dimension());
            assertThat(first.has("id")).isTrue();
        }

        CollectionImport.Result result = CollectionImport.importInto(out, target, "copy");
        assertThat(result.documents()).isEqualTo(DOCS);
        assertThat(result.shards()).isEqualTo(3);
        assertThat(result.toLine()).startsWith("imported 40 documents from 3 shards into copy");

        SearchCollection copy = target.get("copy");
        assertThat(copy.count()).isEqualTo(DOCS);
        assertThat(copy.stamp()).isEqualTo(original.stamp());
        assertThat(copy.schema()).isEqualTo(SCHEMA);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            ids.add("doc-" + i);
        }
        Map<String, float[]> before = original.vectors(ids);
        Map<String, float[]> after = copy.vectors(ids);
        for (String id : ids) {
            assertThat(after.get(id)).as("vector of %s", id).containsExactly(before.get(id));
        }
        Map<String, Document> fetched = copy.fetch(List.of("doc-7"));
        assertThat(fetched.get("doc-7").fields()).containsEntry("title", "Notes on glacier retreat, part 0")
                .containsEntry("text", "A short \"study\" of glacier retreat and its methods.")
                .containsEntry("topic", "glacier");
        assertThat(((Number) fetched.get("doc-7").fields().get("year")).longValue()).isEqualTo(1997L);

        for (String query : List.of("bee colonies", "jazz harmony methods", "history of medieval castles")) {
            float[] vector = encoder.encodeQueries(List.of(query))[0];
            List<ScoredId> expectedVector = original.search(VectorQuery.of(vector, 10, 100));
            assertThat(expectedVector).hasSize(10);
            assertThat(copy.search(VectorQuery.of(vector, 10, 100))).isEqualTo(expectedVector);
            List<ScoredId> expectedText = original.search(TextQuery.of(query, 10));
            assertThat(expectedText).isNotEmpty();
            assertThat(copy.search(TextQuery.of(query, 10))).isEqualTo(expectedText);
        }
        assertThat(copy.search(VectorQuery.of(encoder.encodeQueries(List.of("bee colonies"))[0], 3, 100)).get(0).id())
                .isIn("doc-9", "doc-19", "doc-29", "doc-39");
    }

    @Test
    void corruptedShardIsRefusedNamingItAndNothingIsWritten() throws IOException {
        Path out = dir.resolve("export");
        CollectionExport.export(original, out, 15);
        Path shard = out.resolve("part-00001.jsonl.gz");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(shard, bytes);

        assertThatThrownBy(() -> CollectionImport.importInto(out, target, "copy"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("part-00001.jsonl.gz").contains("corrupt");
                });
        assertThat(target.exists("copy")).isFalse();

        Files.delete(shard);
        assertThatThrownBy(() -> CollectionImport.importInto(out, target, "copy"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                    assertThat(e.getMessage()).contains("part-00001.jsonl.gz").contains("missing");
                });
    }

    @Test
    void truncatedOrMissingManifestIsAClearError() throws IOException {
        Path out = dir.resolve("export");
        CollectionExport.export(original, out, 100);
        Path manifest = out.resolve(ExportManifest.FILE_NAME);
        String json = Files.readString(manifest);
        Files.writeString(manifest, json.substring(0, json.length() / 2));
        assertThatThrownBy(() -> CollectionImport.importInto(out, target, "copy"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("manifest.json").contains("not valid JSON (truncated?)");
                });
        Files.writeString(manifest, json.replace("\"count\" : 40", "\"count\" : 41"));
        assertThatThrownBy(() -> CollectionImport.importInto(out, target, "copy"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage())
                        .contains("count 41 is not the sum of the shards' records (40)"));
        Files.delete(manifest);
        assertThatThrownBy(() -> CollectionImport.importInto(out, target, "copy"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThat(target.exists("copy")).isFalse();
    }

    @Test
    void existingCollectionWithAnotherModelIsRefusedAndSameModelIsUpserted() {
        Path out = dir.resolve("export");
        CollectionExport.export(original, out, 10);
        ModelStamp other = new ModelStamp("other-model", "0123456789abcdef", encoder.stamp().dimension(), VectorSimilarity.COSINE);
        target.getOrCreate("other", SCHEMA, other);
        assertThatThrownBy(() -> CollectionImport.importInto(out, target, "other"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_MISMATCH);
                    assertThat(e.getMessage()).contains("other-model").contains(IndexerTest.MODEL);
                });
        assertThat(target.get("other").count()).isZero();

        CollectionImport.importInto(out, target, "twice");
        CollectionImport.Result again = CollectionImport.importInto(out, target, "twice");
        assertThat(again.documents()).isEqualTo(DOCS);
        assertThat(target.get("twice").count()).as("upsert by id: no duplicates").isEqualTo(DOCS);
    }

    @Test
    void exportRefusesANonEmptyDirectoryAndABadShardSize() throws IOException {
        Path out = dir.resolve("busy");
        Files.createDirectories(out);
        Files.writeString(out.resolve("something.txt"), "x");
        assertThatThrownBy(() -> CollectionExport.export(original, out, 10))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("not empty");
                });
        assertThatThrownBy(() -> CollectionExport.export(original, dir.resolve("fresh"), 0))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void theAnalyzerTravelsWithTheExportAndAnOlderManifestWithoutOneIsEnglish() throws Exception {
        SearchCollection zh = source.getOrCreate("zh", SCHEMA.withAnalyzer(dev.mmsearch.core.TextAnalyzer.CJK),
                encoder.stamp());
        CollectionImport.importInto(exportOf(original, "plain-for-zh"), source, "zh");
        assertThat(zh.schema().analyzer()).as("an import into a collection keeps its analyzer")
                .isEqualTo(dev.mmsearch.core.TextAnalyzer.CJK);
        Path out = exportOf(zh, "zh-export");
        assertThat(ExportManifest.read(out).schema().analyzer()).isEqualTo(dev.mmsearch.core.TextAnalyzer.CJK);
        CollectionImport.importInto(out, target, "zh-copy");
        assertThat(target.get("zh-copy").schema().analyzer()).isEqualTo(dev.mmsearch.core.TextAnalyzer.CJK);
        assertThat(target.get("zh-copy").count()).isEqualTo(DOCS);
        // A manifest written before analyzers were selectable has no "analyzer": English, as its collection was.
        Path manifestFile = out.resolve(ExportManifest.FILE_NAME);
        tools.jackson.databind.node.ObjectNode manifest =
                (tools.jackson.databind.node.ObjectNode) dev.mmsearch.core.Json.MAPPER.readTree(manifestFile.toFile());
        ((tools.jackson.databind.node.ObjectNode) manifest.get("schema")).remove("analyzer");
        java.nio.file.Files.writeString(manifestFile, manifest.toString());
        assertThat(ExportManifest.read(out).schema().analyzer()).isEqualTo(dev.mmsearch.core.TextAnalyzer.ENGLISH);
    }

    @Test
    void hnswOptionsTravelWithTheExportAndAnImportCanChooseOthersForTheSameVectors() {
        dev.mmsearch.core.HnswOptions wide = new dev.mmsearch.core.HnswOptions(32, 64);
        SearchCollection tuned = source.getOrCreate("tuned", SCHEMA.withHnsw(wide), encoder.stamp());
        CollectionImport.importInto(exportOf(original, "plain"), source, "tuned");
        assertThat(tuned.count()).as("an import into a collection keeps its options").isEqualTo(DOCS);
        Path out = exportOf(tuned, "tuned-export");
        assertThat(ExportManifest.read(out).schema().hnsw()).isEqualTo(wide);

        CollectionImport.importInto(out, target, "same");
        assertThat(target.get("same").schema().hnsw()).isEqualTo(wide);

        dev.mmsearch.core.HnswOptions other = new dev.mmsearch.core.HnswOptions(8, 40);
        CollectionImport.importInto(out, target, "int8", manifest -> new CollectionImport.Target(
                manifest.schema().withHnsw(other), dev.mmsearch.core.VectorEncoding.INT8));
        assertThat(target.get("int8").schema().hnsw()).isEqualTo(other);
        assertThat(target.get("int8").vectorEncoding()).isEqualTo(dev.mmsearch.core.VectorEncoding.INT8);
        assertThat(target.get("int8").count()).isEqualTo(DOCS);
        // Into an existing collection the documents go as they are; it keeps its own graph options and encoding.
        CollectionImport.importInto(out, target, "int8");
        assertThat(target.get("int8").schema().hnsw()).isEqualTo(other);
        assertThat(target.get("int8").count()).isEqualTo(DOCS);
    }

    private Path exportOf(SearchCollection collection, String name) {
        Path out = dir.resolve(name);
        CollectionExport.export(collection, out, 50);
        return out;
    }
}
