package dev.mmsearch.ingest;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.TextSide;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The indexer with a real ONNX model (all-MiniLM-L6-v2, int8) and a real Lucene store on disk. */
class IndexerTest {
    static final String MODEL = "all-MiniLM-L6-v2-q";
    private static final String[] TOPICS = {"protein folding", "ocean currents", "jazz harmony", "medieval castles",
            "volcanic soil", "neural networks", "coffee roasting", "glacier retreat", "chess openings", "bee colonies"};

    static ModelRegistry registry;
    static TextEncoder encoder;

    @TempDir
    Path dir;
    LuceneCollectionStore store;
    Path reports;

    @BeforeAll
    static void loadModel() {
        registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
        encoder = registry.textEncoder(MODEL);
    }

    @AfterAll
    static void closeModel() {
        registry.close();
    }

    @BeforeEach
    void openStore() {
        store = new LuceneCollectionStore(dir.resolve("collections"));
        reports = dir.resolve("reports");
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void twoHundredLinesWithThreeBadOnesIndex197AndReportTheThreeLines() throws IOException {
        List<String> lines = documentLines(200);
        lines.set(16, "{\"id\": \"d17\", \"text\": \"cut off");               // line 17: malformed JSON
        lines.set(87, "{\"text\": \"a document without an id\"}");            // line 88: missing id
        lines.set(149, "{\"id\": \"d150\", \"title\": \"\", \"text\": \"   \"}"); // line 150: nothing to embed
        Path input = write("docs.jsonl", lines);
        SearchCollection collection = create("docs");

        IndexSummary summary = Indexer.index(input, collection, encoder, CollectionSchema.BEIR,
                IndexOptions.defaults().withBatchSize(16), IndexProgress.NONE, reports);

        assertThat(summary.read()).isEqualTo(200);
        assertThat(summary.indexed()).isEqualTo(197);
        assertThat(summary.failed()).isEqualTo(3);
        assertThat(summary.skipped()).isZero();
        assertThat(summary.duplicates()).isZero();
        assertThat(collection.count()).isEqualTo(197);
        assertThat(summary.errorReport()).isNotNull().startsWith(reports);
        assertThat(summary.errorReport().getFileName().toString()).startsWith("docs-").endsWith("-errors.jsonl");
        assertThat(summary.toLine()).startsWith("read 200, indexed 197, skipped 0, failed 3 in ")
                .endsWith("; errors: " + summary.errorReport());

        List<JsonNode> reported = new ArrayList<>();
        for (String line : Files.readAllLines(summary.errorReport())) {
            reported.add(Json.MAPPER.readTree(line));
        }
        assertThat(reported).extracting(n -> n.get("line").asLong()).containsExactly(17L, 88L, 150L);
        assertThat(reported).extracting(n -> n.get("file").asString()).containsOnly(input.toString());
        assertThat(reported.get(0).get("reason").asString()).startsWith("malformed JSON");
        assertThat(reported.get(1).get("reason").asString()).startsWith("missing id");
        assertThat(reported.get(2).get("reason").asString()).startsWith("empty text to embed");
        assertThat(reported.get(2).get("id").asString()).isEqualTo("d150");

        assertThat(collection.fetch(List.of("d16", "d17", "d150", "d151"))).containsOnlyKeys("d16", "d151");
        // The vectors are real: a document's own text finds it first.
        Document d42 = collection.fetch(List.of("d42")).get("d42");
        List<ScoredId> hits = collection.search(VectorQuery.of(encoder.encodeQuery(CollectionSchema.BEIR.embedText(d42)), 3, 100));
        assertThat(hits.get(0).id()).isEqualTo("d42");
    }

    @Test
    void failPolicyStopsAtTheFirstBadLineKeepingEarlierWindowsAndNotTheCurrentOne() throws IOException {
        List<String> lines = documentLines(80);
        lines.set(49, "{\"id\": \"d50\", \"text\": ");  // line 50
        lines.set(69, "not json either");             // line 70, never reached
        Path input = write("fail.jsonl", lines);
        SearchCollection collection = create("fail");
        // windows of 2 x 8 = 16 documents: lines 1-16, 17-32, 33-48 are written; the window of line 50 is not
        IndexOptions options = IndexOptions.defaults().withBatchSize(8).withWindowFactor(2).withCommitEvery(100)
                .withErrorPolicy(ErrorPolicy.FAIL);

        assertThatThrownBy(() -> Indexer.index(input, collection, encoder, CollectionSchema.BEIR, options, IndexProgress.NONE, reports))
                .isInstanceOf(MmsearchException.class)
                .hasMessageStartingWith(input + ":50: malformed JSON")
                .extracting(e -> ((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT);

        assertThat(collection.count()).isEqualTo(48); // committed although commitEvery was not reached
        assertThat(collection.fetch(List.of("d48", "d49"))).containsOnlyKeys("d48");
        try (var files = Files.list(reports)) {
            Path report = files.findFirst().orElseThrow();
            assertThat(Files.readAllLines(report)).hasSize(1).first().asString().contains("\"line\":50");
        }
    }

    @Test
    void reRunningTheSameFileUpsertsAndResumeModeSkipsUnchangedDocuments() throws IOException {
        List<String> lines = documentLines(60);
        Path input = write("again.jsonl", lines);
        SearchCollection collection = create("again");
        IndexOptions options = IndexOptions.defaults().withBatchSize(16);

        IndexSummary first = Indexer.index(input, collection, encoder, null, options, IndexProgress.NONE, reports);
        IndexSummary second = Indexer.index(input, collection, encoder, null, options, IndexProgress.NONE, reports);

        assertThat(first.indexed()).isEqualTo(60);
        assertThat(second.indexed()).isEqualTo(60);
        assertThat(collection.count()).isEqualTo(60);

        IndexSummary resumed = Indexer.index(input, collection, encoder, null, options.withSkipUnchanged(true),
                IndexProgress.NONE, reports);
        assertThat(resumed.indexed()).isZero();
        assertThat(resumed.skipped()).isEqualTo(60);
        assertThat(resumed.toLine()).startsWith("read 60, indexed 0, skipped 60, failed 0 in ");

        lines.set(9, line("d10", "Changed", "zeppelin airships over the arctic"));
        Files.write(input, lines);
        IndexSummary changed = Indexer.index(input, collection, encoder, null, options.withSkipUnchanged(true),
                IndexProgress.NONE, reports);
        assertThat(changed.indexed()).isEqualTo(1);
        assertThat(changed.skipped()).isEqualTo(59);
        assertThat(collection.count()).isEqualTo(60);
        assertThat(collection.fetch(List.of("d10")).get("d10").text("text")).isEqualTo("zeppelin airships over the arctic");
        assertThat(collection.search(TextQuery.of("zeppelin", 1))).extracting(ScoredId::id).containsExactly("d10");
    }

    @Test
    void aWindowIsSortedByTheTokensTheModelSeesNotByCharacters() throws IOException {
        // "the the the the" is 15 characters and 4 word tokens; "a b c d e f g h" is 15 characters and 8. Sorted by
        // characters the two kinds would mix; sorted by tokens the four "the" texts fill the first batch.
        List<String> lines = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            lines.add(line("letters" + n, "", String.join(" ", List.of("a b c d e f g h i j k".split(" ")).subList(0, 8 + n))));
            lines.add(line("the" + n, "", "the " .repeat(4 + n).strip()));
        }
        Path input = write("mixed.jsonl", lines);
        ResumeTest.CountingEncoder recording = new ResumeTest.CountingEncoder(encoder);
        SearchCollection collection = create("mixed");

        IndexSummary summary = Indexer.index(input, collection, recording, null,
                IndexOptions.defaults().withBatchSize(4).withWindowFactor(2), IndexProgress.NONE, reports);

        assertThat(summary.indexed()).isEqualTo(8);
        assertThat(recording.batches).hasSize(2);
        assertThat(recording.batches.get(0)).allSatisfy(text -> assertThat(text).startsWith("the"));
        assertThat(recording.batches.get(1)).allSatisfy(text -> assertThat(text).startsWith("a b"));
        int[] first = encoder.countTokens(recording.batches.get(0));
        int[] second = encoder.countTokens(recording.batches.get(1));
        assertThat(java.util.Arrays.stream(first).max().getAsInt()).isLessThan(java.util.Arrays.stream(second).min().getAsInt());
        assertThat(first).isSorted();
        assertThat(second).isSorted();
    }

    @Test
    void aBulkLoadEndsMergedIntoOneSegmentAndASmallAdditionDoesNotRewriteTheIndex() throws IOException {
        Path input = write("bulk.jsonl", documentLines(120));
        SearchCollection collection = create("bulk");
        IndexOptions everyBatch = IndexOptions.defaults().withBatchSize(8).withWindowFactor(1).withCommitEvery(1);

        Indexer.index(input, collection, encoder, null, everyBatch, IndexProgress.NONE, reports);
        assertThat(segments(collection)).as("15 commits merged into one segment").isEqualTo(1);
        assertThat(collection.count()).isEqualTo(120);

        List<String> more = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            more.add(line("extra" + i, "Extra " + i, "an added document about " + TOPICS[i]));
        }
        Indexer.index(write("more.jsonl", more), collection, encoder, null, everyBatch, IndexProgress.NONE, reports);
        assertThat(collection.count()).isEqualTo(130);
        assertThat(segments(collection)).as("10 of 130 is no bulk load: the merged segment stays").isEqualTo(3);
    }

    private static int segments(SearchCollection collection) throws IOException {
        Path path = ((dev.mmsearch.store.lucene.LuceneCollection) collection).path();
        try (org.apache.lucene.store.Directory d = org.apache.lucene.store.FSDirectory.open(path)) {
            return org.apache.lucene.index.SegmentInfos.readLatestCommit(d).size();
        }
    }

    @Test
    void theLastPartialBatchIsIndexed() throws IOException {
        Path input = write("seventy.jsonl", documentLines(70));
        SearchCollection sorted = create("seventy");
        SearchCollection inOrder = create("seventy-in-order");

        IndexSummary a = Indexer.index(input, sorted, encoder, null, IndexOptions.defaults(), IndexProgress.NONE, reports);
        IndexSummary b = Indexer.index(input, inOrder, encoder, null, IndexOptions.defaults().withWindowFactor(1),
                IndexProgress.NONE, reports);

        assertThat(a.indexed()).isEqualTo(70);
        assertThat(sorted.count()).isEqualTo(70);
        assertThat(b.indexed()).isEqualTo(70);
        assertThat(inOrder.count()).isEqualTo(70);
        assertThat(sorted.fetch(List.of("d1", "d64", "d65", "d70"))).hasSize(4);
    }

    @Test
    void aTenMegabyteTextFieldIsIndexedWithItsEmbeddingTruncatedToTheModelLimitAndStoredWhole() throws IOException {
        // About 10 MB of text in one field: the model sees its first maxSequenceLength tokens (DESIGN.md §6:
        // oversized text is truncated to the model's limit, not refused), BM25 and the stored copy keep all of it.
        StringBuilder huge = new StringBuilder("Glacier retreat in the Alps measured by satellite over three decades. ");
        while (huge.length() < 10 * 1024 * 1024) {
            huge.append("filler words about nothing in particular ");
        }
        huge.append("zanzibarian terminal marker");
        List<String> lines = documentLines(20);
        lines.add(line("huge", "", huge.toString()));
        Path input = write("huge.jsonl", lines);
        SearchCollection collection = create("huge");

        IndexSummary summary = Indexer.index(input, collection, encoder, null, IndexOptions.defaults(),
                IndexProgress.NONE, reports);

        assertThat(summary.indexed()).isEqualTo(21);
        assertThat(summary.failed()).isZero();
        assertThat(encoder.countTokens(huge.toString())).isEqualTo(encoder.maxSequenceLength());
        String head = huge.substring(0, 4000);
        assertThat(((OnnxTextEncoder) encoder).tokenize(huge.toString(), TextSide.DOCUMENT).ids())
                .as("the model sees exactly the head's tokens")
                .containsExactly(((OnnxTextEncoder) encoder).tokenize(head, TextSide.DOCUMENT).ids());
        float[] stored = collection.vectors(List.of("huge")).get("huge");
        float[] truncated = encoder.encodeDocuments(List.of(head))[0];
        double dot = 0;
        for (int i = 0; i < stored.length; i++) {
            dot += stored[i] * truncated[i];
        }
        // int8 MiniLM gives slightly different vectors for one text in different batches (DESIGN.md §5): ~0.995.
        assertThat(dot).as("the vector is the embedding of the text's head").isGreaterThan(0.99);
        assertThat(collection.search(TextQuery.of("zanzibarian", 5))).extracting(ScoredId::id).containsExactly("huge");
        assertThat(collection.fetch(List.of("huge")).get("huge").text("text")).hasSize(huge.length());
    }

    @Test
    void duplicateIdsAreCountedAndTheLaterRecordWins() throws IOException {
        List<String> lines = documentLines(40);
        lines.set(4, line("d1", "Newer", "the second version of d1 in the same window"));      // line 5
        lines.set(35, line("d2", "Latest", "the second version of d2 in a later window"));     // line 36
        Path input = write("dups.jsonl", lines);
        SearchCollection collection = create("dups");

        IndexSummary summary = Indexer.index(input, collection, encoder, null,
                IndexOptions.defaults().withBatchSize(4).withWindowFactor(2), IndexProgress.NONE, reports);

        // 40 lines, ids d5 and d36 are replaced by second versions of d1 and d2
        assertThat(summary.read()).isEqualTo(40);
        assertThat(summary.duplicates()).isEqualTo(2);
        assertThat(summary.indexed()).isEqualTo(38);
        assertThat(summary.read()).isEqualTo(summary.indexed() + summary.skipped() + summary.failed() + summary.duplicates());
        assertThat(collection.count()).isEqualTo(38);
        Map<String, Document> docs = collection.fetch(List.of("d1", "d2"));
        assertThat(docs.get("d1").text("title")).isEqualTo("Newer");
        assertThat(docs.get("d2").text("title")).isEqualTo("Latest");
        assertThat(summary.toLine()).contains(", duplicates 2 in ");
    }

    @Test
    void progressSeesTheLineCountFirstAndEveryRecordOnce() throws IOException {
        List<String> lines = documentLines(50);
        lines.set(10, "oops");
        lines.add(20, "");   // a blank line is neither counted nor read
        Path input = write("progress.jsonl", lines);
        RecordingProgress progress = new RecordingProgress();

        IndexSummary summary = Indexer.index(input, create("progress"), encoder, null,
                IndexOptions.defaults().withBatchSize(8), progress, reports);

        assertThat(progress.total).isEqualTo(50);
        assertThat(progress.advanced).isEqualTo(50).isEqualTo(summary.read());
        assertThat(progress.finished).isEqualTo(1);
        assertThat(progress.task).isEqualTo("index progress");
    }

    @Test
    void gzipInputIsIndexedAndItsTotalIsUnknown() throws IOException {
        Path input = dir.resolve("docs.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(input))) {
            out.write((String.join("\n", documentLines(33)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        RecordingProgress progress = new RecordingProgress();
        IndexSummary summary = Indexer.index(input, create("gz"), encoder, null, IndexOptions.defaults(), progress, reports);
        assertThat(summary.indexed()).isEqualTo(33);
        assertThat(summary.errorReport()).isNull();
        assertThat(reports).doesNotExist();
        assertThat(progress.total).isEqualTo(-1);
    }

    @Test
    void aCollectionOfAnotherModelIsRefused() throws IOException {
        Path input = write("other.jsonl", documentLines(3));
        SearchCollection collection = create("other");
        TextEncoder fp32 = registry.textEncoder("all-MiniLM-L6-v2");
        assertThatThrownBy(() -> Indexer.index(input, collection, fp32, null, IndexOptions.defaults(), IndexProgress.NONE, reports))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("all-MiniLM-L6-v2-q")
                .extracting(e -> ((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_MISMATCH);
        assertThat(collection.count()).isZero();
    }

    @Test
    void aSchemaOtherThanTheCollectionsIsRefused() throws IOException {
        Path input = write("schema.jsonl", documentLines(3));
        SearchCollection collection = create("schema");
        CollectionSchema other = new CollectionSchema("{text}", List.of("text"), List.of());
        assertThatThrownBy(() -> Indexer.index(input, collection, encoder, other, IndexOptions.defaults(), IndexProgress.NONE, reports))
                .isInstanceOf(MmsearchException.class)
                .extracting(e -> ((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void aMissingInputIsNotFound() {
        SearchCollection collection = create("missing");
        assertThatThrownBy(() -> Indexer.index(dir.resolve("absent.jsonl"), collection, encoder, null,
                IndexOptions.defaults(), IndexProgress.NONE, reports))
                .isInstanceOf(MmsearchException.class)
                .extracting(e -> ((MmsearchException) e).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    private SearchCollection create(String name) {
        return store.getOrCreate(name, CollectionSchema.BEIR, encoder.stamp());
    }

    private Path write(String name, List<String> lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    /** Lines d1..dn with titles and texts of varied length on distinct topics. */
    static List<String> documentLines(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String topic = TOPICS[i % TOPICS.length];
            String text = ("Note " + i + " on " + topic + ". ").repeat(1 + (i * 7) % 13);
            lines.add(line("d" + i, "About " + topic + " " + i, text.strip()));
        }
        return lines;
    }

    static String line(String id, String title, String text) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("title", title);
        json.put("text", text);
        return Json.MAPPER.writeValueAsString(json);
    }

    static final class RecordingProgress implements IndexProgress {
        String task;
        long total = Long.MIN_VALUE;
        long advanced;
        int finished;

        @Override
        public void start(String task, long total) {
            this.task = task;
            this.total = total;
        }

        @Override
        public void advance(long n) {
            advanced += n;
        }

        @Override
        public void finish() {
            finished++;
        }
    }
}
