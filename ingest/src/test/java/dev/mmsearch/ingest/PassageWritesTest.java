package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.GroupCommit;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.Passage;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Passages on their way in and out, with the real all-MiniLM-L6-v2 (int8, 256 tokens) and real Lucene stores: the
 * splitter's counts, export and import of a passage collection (every passage, bit-identical), documents that bring
 * their own passages to the write path, and a keyword patch of a document split into passages.
 */
class PassageWritesTest {
    private static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", List.of("title", "text"),
            List.of("topic"), List.of()).withPassages(PassageOptions.of("text"));
    private static final String[] SUBJECTS = {"The glacier", "A honey bee", "The old castle", "Coffee roasting",
            "The jazz trio", "A neural network", "The volcano", "Ocean currents"};

    private static final BulkBody.Limits LIMITS = new BulkBody.Limits(1000, 1_000_000);

    static ModelRegistry registry;
    static TextEncoder encoder;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
        encoder = registry.textEncoder(IndexerTest.MODEL);
    }

    @AfterAll
    static void closeModel() {
        registry.close();
    }

    /** A document of {@code sentences} distinct short sentences: several windows of the 256-token model. */
    static Document longDocument(String id, int sentences, String topic) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            text.append(SUBJECTS[(i + id.hashCode()) & 7]).append(" was observed in season ").append(i)
                    .append(" of study ").append(id).append(" with measurement ").append(i * 37 % 101).append(". ");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "Field notes " + id);
        fields.put("text", text.toString().trim());
        fields.put("topic", topic);
        return new Document(id, fields);
    }

    private static List<EmbeddedDocument> embed(DocumentEmbedder embedder, List<Document> documents) {
        return embedder.embedDocuments(documents, documents.stream().map(embedder::input).toList());
    }

    @Test
    void longDocumentsAreSplitIntoWindowsUnderTheLimitAndNothingIsCountedTruncated() {
        DocumentEmbedder embedder = DocumentEmbedder.text(encoder, SCHEMA);
        List<Document> documents = List.of(longDocument("a", 120, "x"), longDocument("b", 3, "x"));
        List<EmbeddedDocument> embedded = embed(embedder, documents);

        EmbeddedDocument a = embedded.getFirst();
        String text = (String) documents.getFirst().fields().get("text");
        assertThat(encoder.countTokens(SCHEMA.embedText(documents.getFirst()))).as("the whole text is over the limit")
                .isGreaterThanOrEqualTo(encoder.maxSequenceLength());
        assertThat(a.passages()).hasSizeGreaterThan(4);
        for (Passage passage : a.passages()) {
            Document alone = new Document("a", Map.of("title", "Field notes a", "text",
                    text.substring(passage.start(), passage.end())));
            // A full window counts one token under the limit, so no passage reads as cut.
            assertThat(encoder.countTokens(SCHEMA.embedText(alone))).isLessThan(encoder.maxSequenceLength());
        }
        // Windows cover the text from its first to its last character, in order, each overlapping the next.
        assertThat(a.passages().getFirst().start()).isZero();
        assertThat(a.passages().getLast().end()).isEqualTo(text.length());
        for (int i = 1; i < a.passages().size(); i++) {
            assertThat(a.passages().get(i).start()).isGreaterThan(a.passages().get(i - 1).start())
                    .isLessThan(a.passages().get(i - 1).end());
        }
        // The short document keeps one passage: the vector of its unsplit text (up to the int8 model's per-batch
        // activation scales: it was encoded in a batch with the long document's passages).
        assertThat(embedded.get(1).passages()).hasSize(1);
        float[] alone = encoder.encodeDocuments(List.of(SCHEMA.embedText(documents.get(1))))[0];
        assertThat(org.apache.lucene.util.VectorUtil.dotProduct(embedded.get(1).vector(), alone)).isGreaterThan(0.99f);

        PassageStats stats = embedder.passageStats();
        assertThat(stats.documents()).isEqualTo(2);
        assertThat(stats.split()).isEqualTo(1);
        assertThat(stats.passages()).isEqualTo(a.passages().size() + 1);
        assertThat(stats.truncated()).as("documents that fit in their windows").isZero();

        // A cap of 2 passages leaves the tail of the long document out, and says so.
        DocumentEmbedder capped = DocumentEmbedder.text(encoder,
                SCHEMA.withPassages(new PassageOptions("text", null, null, 2)));
        assertThat(embed(capped, documents).getFirst().passages()).hasSize(2);
        assertThat(capped.passageStats().truncated()).isEqualTo(1);
    }

    @Test
    void anExportOfAPassageCollectionImportsWithEveryPassageBitIdentical() throws IOException {
        try (LuceneCollectionStore source = new LuceneCollectionStore(dir.resolve("source"));
             LuceneCollectionStore target = new LuceneCollectionStore(dir.resolve("target"))) {
            SearchCollection original = source.getOrCreate("docs", SCHEMA, encoder.stamp());
            List<Document> documents = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                documents.add(longDocument("d" + i, i % 3 == 0 ? 2 : 60 + i, i % 2 == 0 ? "even" : "odd"));
            }
            List<EmbeddedDocument> embedded = embed(DocumentEmbedder.text(encoder, SCHEMA), documents);
            original.upsert(embedded);
            original.commit();

            Path out = dir.resolve("export");
            ExportManifest manifest = CollectionExport.export(original, out, 5);
            assertThat(manifest.schema()).isEqualTo(SCHEMA);
            assertThat(ExportManifest.read(out)).isEqualTo(manifest);
            assertThat(Files.readString(out.resolve(ExportManifest.FILE_NAME)))
                    .contains("\"version\" : " + ExportManifest.PASSAGES_VERSION).contains("\"passages\"");

            CollectionImport.importInto(out, target, "copy");
            SearchCollection copy = target.get("copy");
            assertThat(copy.schema()).isEqualTo(SCHEMA);
            assertThat(copy.count()).isEqualTo(12);
            Map<String, EmbeddedDocument> copied = new LinkedHashMap<>();
            copy.forEachDocument(d -> copied.put(d.id(), d));
            for (EmbeddedDocument expected : embedded) {
                EmbeddedDocument actual = copied.get(expected.id());
                assertThat(actual.document()).isEqualTo(expected.document());
                assertThat(actual.passages()).hasSameSizeAs(expected.passages());
                for (int p = 0; p < expected.passages().size(); p++) {
                    assertThat(actual.passages().get(p).start()).isEqualTo(expected.passages().get(p).start());
                    assertThat(actual.passages().get(p).end()).isEqualTo(expected.passages().get(p).end());
                    assertThat(actual.passages().get(p).vector()).containsExactly(expected.passages().get(p).vector());
                }
            }
            // The copy answers a query with the same documents, scores and matched passages.
            Passage inner = embedded.get(4).passages().get(2);
            VectorQuery query = VectorQuery.of(inner.vector(), 5, 50);
            List<ScoredId> before = original.search(query);
            List<ScoredId> after = copy.search(query);
            assertThat(after).extracting(ScoredId::id).containsExactlyElementsOf(before.stream().map(ScoredId::id).toList());
            assertThat(after.getFirst().id()).isEqualTo("d4");
            assertThat(after.getFirst().passage().index()).isEqualTo(2);
            assertThat(after.getFirst().passage()).isEqualTo(before.getFirst().passage());
        }
    }

    @Test
    void aBrokenPassageRecordIsAClearErrorNamingItsLine() throws IOException {
        try (LuceneCollectionStore source = new LuceneCollectionStore(dir.resolve("source"));
             LuceneCollectionStore target = new LuceneCollectionStore(dir.resolve("target"))) {
            SearchCollection original = source.getOrCreate("docs", SCHEMA, encoder.stamp());
            original.upsert(embed(DocumentEmbedder.text(encoder, SCHEMA),
                    List.of(longDocument("d0", 50, "x"), longDocument("d1", 50, "x"))));
            original.commit();
            Path out = dir.resolve("export");
            CollectionExport.export(original, out, 10);

            // The second record loses its passages; the shard's checksum is rewritten to match, so only the record
            // itself is wrong.
            Path shard = out.resolve("part-00000.jsonl.gz");
            List<String> lines = new ArrayList<>(List.of(new String(new GZIPInputStream(Files.newInputStream(shard))
                    .readAllBytes(), StandardCharsets.UTF_8).split("\n")));
            var record = (tools.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(lines.get(1));
            record.remove(PassagesJson.KEY);
            lines.set(1, record.toString());
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(shard))) {
                o.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String manifest = Files.readString(out.resolve(ExportManifest.FILE_NAME));
            String oldSha = ExportManifest.read(out).shards().getFirst().sha256();
            String newSha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(shard)));
            Files.writeString(out.resolve(ExportManifest.FILE_NAME), manifest.replace(oldSha, newSha));

            assertThatThrownBy(() -> CollectionImport.importInto(out, target, "copy"))
                    .isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("line 2").hasMessageContaining("\"_passages\" must be a non-empty list")
                    .hasMessageContaining("splits field 'text' into passages");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void documentsBringTheirOwnPassagesAndABadOneFailsAlone() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            DocumentEmbedder embedder = DocumentEmbedder.text(encoder, SCHEMA);
            Document good = longDocument("g", 70, "x");
            EmbeddedDocument given = embed(embedder, List.of(good)).getFirst();
            String body = String.join("\n",
                    Json.MAPPER.writeValueAsString(line(good, PassagesJson.toJsonValue(given.passages()))),
                    // offsets past the end of the text
                    Json.MAPPER.writeValueAsString(line(longDocument("far", 2, "x"),
                            PassagesJson.toJsonValue(List.of(new Passage(0, 100_000, given.vector()))))),
                    // a vector of the wrong dimension
                    Json.MAPPER.writeValueAsString(line(longDocument("short", 2, "x"),
                            PassagesJson.toJsonValue(List.of(new Passage(0, 5, new float[] {1, 0, 0}))))),
                    // both kinds of vector
                    "{\"id\": \"both\", \"text\": \"t\", \"_vector\": [1], \"_passages\": [{\"start\": 0, \"end\": 1,"
                            + " \"vector\": [1]}]}");
            List<BulkBody.Item> items = BulkBody.parse(body.getBytes(StandardCharsets.UTF_8), true, LIMITS);

            SearchCollection collection = store.getOrCreate("docs", SCHEMA, encoder.stamp());
            OnlineWriter writer = new OnlineWriter(collection, embedder, new GroupCommit(collection), 32);
            PassageStats before = embedder.passageStats();
            List<OnlineWriter.Outcome> outcomes = writer.upsert(items);
            assertThat(outcomes).extracting(OnlineWriter.Outcome::result)
                    .containsExactly("created", "failed", "failed", "failed");
            assertThat(outcomes.get(1).message()).contains("ends at 100000, past the end of field 'text'");
            assertThat(outcomes.get(2).message()).contains("has 3 numbers").contains("384-dimensional");
            assertThat(outcomes.get(3).message()).contains("both \"_vector\" and \"_passages\"");
            assertThat(outcomes.subList(1, 4)).allSatisfy(o -> assertThat(o.code()).isEqualTo(BulkBody.INVALID_VECTOR));
            assertThat(embedder.passageStats()).as("the model ran for none of them").isEqualTo(before);

            EmbeddedDocument[] stored = new EmbeddedDocument[1];
            collection.forEachDocument(d -> stored[0] = d);
            assertThat(collection.count()).isEqualTo(1);
            assertThat(stored[0].passages()).hasSameSizeAs(given.passages());
            assertThat(stored[0].passages().getLast().vector()).containsExactly(given.passages().getLast().vector());

            // A collection without passages refuses them, and a passage collection a single "_vector".
            try (LuceneCollectionStore flat = new LuceneCollectionStore(dir.resolve("flat"))) {
                CollectionSchema plain = SCHEMA.withPassages(null);
                SearchCollection other = flat.getOrCreate("docs", plain, encoder.stamp());
                OnlineWriter flatWriter = new OnlineWriter(other, DocumentEmbedder.text(encoder, plain),
                        new GroupCommit(other), 32);
                assertThat(flatWriter.upsert(List.of(items.getFirst())).getFirst().message())
                        .contains("does not split documents into passages");
            }
            String own = "{\"id\": \"v\", \"text\": \"t\", \"_vector\": " + Json.MAPPER.writeValueAsString(given.vector())
                    + "}";
            assertThat(writer.upsert(BulkBody.parse(own.getBytes(StandardCharsets.UTF_8), true, LIMITS)).getFirst().message()).contains("send its passages as \"_passages\"");
        }
    }

    @Test
    void aKeywordPatchOfASplitDocumentKeepsAllItsPassages() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            DocumentEmbedder embedder = DocumentEmbedder.text(encoder, SCHEMA);
            SearchCollection collection = store.getOrCreate("docs", SCHEMA, encoder.stamp());
            OnlineWriter writer = new OnlineWriter(collection, embedder, new GroupCommit(collection), 32);
            Document document = longDocument("p", 80, "old");
            BulkBody.Item item = new BulkBody.Item(1, "p", document, null, null);
            assertThat(writer.upsert(List.of(item)).getFirst().result()).isEqualTo("created");
            List<EmbeddedDocument> before = new ArrayList<>();
            collection.forEachDocument(before::add);

            assertThat(writer.patch("p", Map.of("topic", "new")).result()).isEqualTo("updated");
            assertThat(writer.merge(List.of(new BulkBody.Item(1, "p", new Document("p", Map.of("topic", "newer")),
                    null, null))).getFirst().result()).isEqualTo("updated");

            List<EmbeddedDocument> after = new ArrayList<>();
            collection.forEachDocument(after::add);
            assertThat(collection.count()).isEqualTo(1);
            assertThat(after.getFirst().document().fields()).containsEntry("topic", "newer");
            assertThat(after.getFirst().passages()).hasSameSizeAs(before.getFirst().passages()).hasSizeGreaterThan(2);
            for (int i = 0; i < before.getFirst().passages().size(); i++) {
                assertThat(after.getFirst().passages().get(i).vector())
                        .containsExactly(before.getFirst().passages().get(i).vector());
            }
        }
    }

    private static Map<String, Object> line(Document document, Object passages) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", document.id());
        json.putAll(document.fields());
        json.put(PassagesJson.KEY, passages);
        return json;
    }
}
