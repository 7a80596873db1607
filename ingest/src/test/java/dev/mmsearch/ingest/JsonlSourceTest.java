package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonlSourceTest {
    @TempDir
    Path dir;

    @Test
    void malformedLineBetweenTwoGoodOnesIsReportedAndBothGoodOnesAreRead() throws IOException {
        Path file = write("""
                {"id": "a", "text": "first"}
                {"id": "b", "text": "no closing brace"
                {"id": "c", "text": "third"}
                """);
        List<SourceRecord> records = readAll(file);

        assertThat(records).hasSize(3);
        assertDocument(records.get(0), "a", 1);
        SourceError error = assertError(records.get(1), 2);
        assertThat(error.reason()).startsWith("malformed JSON");
        assertThat(error.rawExcerpt()).contains("no closing brace");
        assertThat(error.message()).isEqualTo(file + ":2: " + error.reason());
        assertDocument(records.get(2), "c", 3);
    }

    @Test
    void trailingGarbageAfterTheObjectIsMalformed() throws IOException {
        List<SourceRecord> records = readAll(write("{\"id\": \"a\"} tail\n"));
        assertThat(assertError(records.get(0), 1).reason()).startsWith("malformed JSON");
    }

    @Test
    void missingIdIsAnErrorOnItsLine() throws IOException {
        List<SourceRecord> records = readAll(write("""
                {"id": "a", "text": "x"}
                {"text": "no id here"}
                """));
        assertDocument(records.get(0), "a", 1);
        SourceError error = assertError(records.get(1), 2);
        assertThat(error.reason()).isEqualTo("missing id (expected an \"id\" or \"_id\" field)");
        assertThat(error.id()).isNull();
    }

    @Test
    void nullIdCountsAsMissing() throws IOException {
        assertThat(assertError(readAll(write("{\"id\": null, \"text\": \"x\"}\n")).get(0), 1).reason())
                .startsWith("missing id");
    }

    @Test
    void blankIdIsAnErrorOnItsLine() throws IOException {
        List<SourceRecord> records = readAll(write("""
                {"id": "a", "text": "x"}
                {"id": "b", "text": "y"}
                {"id": "   ", "text": "blank"}
                """));
        assertThat(assertError(records.get(2), 3).reason()).isEqualTo("blank id in field 'id'");
    }

    @Test
    void idThatIsNeitherStringNorNumberIsAnError() throws IOException {
        List<SourceRecord> records = readAll(write("{\"id\": true}\n{\"id\": [\"a\"]}\n"));
        assertThat(assertError(records.get(0), 1).reason()).isEqualTo("field 'id' must be a string or a number, found boolean");
        assertThat(assertError(records.get(1), 2).reason()).isEqualTo("field 'id' must be a string or a number, found array");
    }

    @Test
    void nonObjectLinesAreErrors() throws IOException {
        List<SourceRecord> records = readAll(write("""
                [1, 2]
                "just a string"
                42
                {"id": "ok"}
                """));
        assertThat(assertError(records.get(0), 1).reason()).isEqualTo("not a JSON object (found array)");
        assertThat(assertError(records.get(1), 2).reason()).isEqualTo("not a JSON object (found string)");
        assertThat(assertError(records.get(2), 3).reason()).isEqualTo("not a JSON object (found number)");
        assertDocument(records.get(3), "ok", 4);
    }

    @Test
    void invalidUtf8IsReportedForItsLineAndTheNextLineStillReads() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("{\"id\": \"a\", \"text\": \"fine\"}\n".getBytes(StandardCharsets.UTF_8));
        // "caf" then 0xC3 0x28: a two-byte lead followed by (: malformed; 0xC3 is byte 25 of the line (24 bytes precede it).
        bytes.writeBytes("{\"id\": \"b\", \"text\": \"caf".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[]{(byte) 0xC3, 0x28});
        bytes.writeBytes("\"}\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes("{\"id\": \"c\", \"text\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("utf8.jsonl");
        Files.write(file, bytes.toByteArray());

        List<SourceRecord> records = readAll(file);

        assertThat(records).hasSize(3);
        assertDocument(records.get(0), "a", 1);
        SourceError error = assertError(records.get(1), 2);
        assertThat(error.reason()).isEqualTo("invalid UTF-8 at byte 25 of the line");
        assertThat(error.rawExcerpt()).contains("\uFFFD"); // the excerpt shows the bad byte replaced
        Document c = assertDocument(records.get(2), "c", 3);
        assertThat(c.text("text")).isEqualTo("caf\u00e9");
    }

    @Test
    void objectValuedFieldIsAnErrorThatNamesFieldAndId() throws IOException {
        List<SourceRecord> records = readAll(write("""
                {"id": "a", "text": "x"}
                {"id": "o", "text": "x", "meta": {"source": "web"}}
                {"id": "p", "tags": [{"k": 1}]}
                {"id": "q", "tags": [["nested"]]}
                """));
        SourceError error = assertError(records.get(1), 2);
        assertThat(error.reason()).isEqualTo("field 'meta' has an object value; only strings, numbers, booleans and lists of those are allowed");
        assertThat(error.id()).isEqualTo("o");
        assertThat(assertError(records.get(2), 3).reason()).startsWith("field 'tags' has a list holding an object");
        assertThat(assertError(records.get(3), 4).reason()).startsWith("field 'tags' has a list holding a list");
    }

    @Test
    void scalarAndListValuesAreKeptWithTheirTypes() throws IOException {
        Document doc = assertDocument(readAll(write(
                "{\"id\": \"a\", \"n\": 3, \"big\": 123456789012345678901, \"f\": 2.5, \"ok\": true, \"none\": null, "
                        + "\"tags\": [\"x\", 1, false, null], \"empty\": {}}\n")).get(0), "a", 1);
        assertThat(doc.fields()).containsOnlyKeys("n", "big", "f", "ok", "tags");
        assertThat(doc.fields().get("n")).isEqualTo(3);
        assertThat(doc.fields().get("big")).isEqualTo(new BigInteger("123456789012345678901"));
        assertThat(doc.fields().get("f")).isEqualTo(2.5);
        assertThat(doc.fields().get("ok")).isEqualTo(true);
        assertThat(doc.fields().get("tags")).isEqualTo(List.of("x", 1, false));
    }

    @Test
    void numericIdsUseTheirText() throws IOException {
        List<SourceRecord> records = readAll(write("{\"id\": 42, \"text\": \"x\"}\n{\"_id\": 7.5}\n"));
        assertDocument(records.get(0), "42", 1);
        assertDocument(records.get(1), "7.5", 2);
    }

    @Test
    void beirUnderscoreIdIsTheIdAndIsNotRepeatedInFields() throws IOException {
        Document doc = assertDocument(readAll(write(
                "{\"_id\": \"4983\", \"title\": \"Microstructural development\", \"text\": \"Alterations\", \"metadata\": {}}\n"))
                .get(0), "4983", 1);
        assertThat(doc.fields()).isEqualTo(Map.of("title", "Microstructural development", "text", "Alterations"));
    }

    @Test
    void idFieldWinsOverUnderscoreIdAndIsNotRepeatedInFields() throws IOException {
        Document doc = assertDocument(readAll(write("{\"_id\": \"x\", \"id\": \"y\", \"text\": \"t\"}\n")).get(0), "y", 1);
        assertThat(doc.fields()).containsOnlyKeys("_id", "text");
    }

    @Test
    void ignoredFieldsAreDroppedEvenWhenTheyHoldObjects() throws IOException {
        Path file = write("{\"_id\": \"2\", \"text\": \"q\", \"metadata\": {\"13734012\": [{\"label\": \"CONTRADICT\"}]}}\n");
        try (JsonlSource source = JsonlSource.open(file, BeirDataset.IGNORED_FIELDS)) {
            Document doc = assertDocument(source.next(), "2", 1);
            assertThat(doc.fields()).isEqualTo(Map.of("text", "q"));
        }
    }

    @Test
    void gzipInputIsReadWithLineNumbersAndBlankLinesIgnored() throws IOException {
        Path file = dir.resolve("docs.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("""
                    {"id": "a", "text": "one"}

                    {"id": "b", "text": "two"}
                    not json
                    """.getBytes(StandardCharsets.UTF_8));
        }
        try (JsonlSource source = JsonlSource.open(file)) {
            assertThat(source.compressed()).isTrue();
            assertThat(source.estimatedRecords()).isEqualTo(-1);
            assertThat(JsonlSource.countNonBlankLines(file)).as("counted through decompression").isEqualTo(3);
            List<SourceRecord> records = drain(source);
            assertThat(records).hasSize(3);
            assertDocument(records.get(0), "a", 1);
            assertDocument(records.get(1), "b", 3);
            assertError(records.get(2), 4);
        }
    }

    @Test
    void truncatedGzipEndsWithOneErrorAfterTheDocumentsBeforeIt() throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(compressed)) {
            for (int i = 1; i <= 2000; i++) {
                out.write(("{\"id\": \"d" + i + "\", \"text\": \"document number " + i + " " + "x".repeat(i % 50) + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] all = compressed.toByteArray();
        Path file = dir.resolve("cut.jsonl.gz");
        Files.write(file, Arrays.copyOf(all, all.length / 2));

        List<SourceRecord> records = readAll(file);

        SourceRecord last = records.get(records.size() - 1);
        assertThat(last).isInstanceOf(SourceError.class);
        assertThat(((SourceError) last).reason()).startsWith("cannot read the rest of the input");
        List<SourceRecord> docs = records.subList(0, records.size() - 1);
        assertThat(docs).isNotEmpty().allMatch(r -> r instanceof SourceDocument);
        assertThat(last.line()).isEqualTo(docs.size() + 1L);
    }

    @Test
    void crlfLineEndingsByteOrderMarkAndMissingFinalNewlineAreHandled() throws IOException {
        Path file = dir.resolve("crlf.jsonl");
        Files.write(file, "\uFEFF{\"id\": \"a\", \"text\": \"x\"}\r\n\r\n{\"id\": \"b\", \"text\": \"y\"}".getBytes(StandardCharsets.UTF_8));
        try (JsonlSource source = JsonlSource.open(file)) {
            assertThat(source.estimatedRecords()).isEqualTo(2);
            List<SourceRecord> records = drain(source);
            assertThat(records).hasSize(2);
            assertThat(assertDocument(records.get(0), "a", 1).text("text")).isEqualTo("x");
            assertDocument(records.get(1), "b", 3);
        }
    }

    @Test
    void estimatedRecordsCountsNonBlankLines() throws IOException {
        Path file = write("{\"id\": \"a\"}\n   \n\n{\"id\": \"b\"}\nbroken\n");
        try (JsonlSource source = JsonlSource.open(file)) {
            assertThat(source.estimatedRecords()).isEqualTo(3);
            assertThat(drain(source)).hasSize(3);
        }
    }

    @Test
    void missingFileIsNotFound() {
        assertThatThrownBy(() -> JsonlSource.open(dir.resolve("nope.jsonl")))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("nope.jsonl' does not exist")
                .extracting(e -> ((MmsearchException) e).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void longExcerptsAreCut() throws IOException {
        SourceError error = assertError(readAll(write("{\"text\": \"" + "y".repeat(1000) + "\"}\n")).get(0), 1);
        assertThat(error.rawExcerpt()).hasSize(SourceError.EXCERPT_CHARS + 3).endsWith("...");
    }

    @Test
    void readsTheWholeSciFactCorpusWithoutErrors() {
        Path corpus = TestPaths.sharedData().resolve("scifact/corpus.jsonl");
        try (JsonlSource source = JsonlSource.open(corpus, BeirDataset.IGNORED_FIELDS)) {
            assertThat(source.estimatedRecords()).isEqualTo(5183);
            List<SourceRecord> records = drain(source);
            assertThat(records).hasSize(5183).allMatch(r -> r instanceof SourceDocument);
            Document first = ((SourceDocument) records.get(0)).document();
            assertThat(first.id()).isEqualTo("4983");
            assertThat(first.fields()).containsOnlyKeys("title", "text");
        }
    }

    private Path write(String content) throws IOException {
        Path file = Files.createTempFile(dir, "input", ".jsonl");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static List<SourceRecord> readAll(Path file) {
        try (JsonlSource source = JsonlSource.open(file)) {
            return drain(source);
        }
    }

    private static List<SourceRecord> drain(DocumentSource source) {
        List<SourceRecord> records = new ArrayList<>();
        source.forEachRemaining(records::add);
        return records;
    }

    private static Document assertDocument(SourceRecord record, String id, long line) {
        assertThat(record).isInstanceOf(SourceDocument.class);
        assertThat(record.line()).isEqualTo(line);
        Document document = ((SourceDocument) record).document();
        assertThat(document.id()).isEqualTo(id);
        return document;
    }

    private static SourceError assertError(SourceRecord record, long line) {
        assertThat(record).isInstanceOf(SourceError.class);
        assertThat(record.line()).isEqualTo(line);
        return (SourceError) record;
    }
}
