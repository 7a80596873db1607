package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvSourceTest {
    @TempDir
    Path dir;

    @Test
    void quotedCellsWithDelimitersDoubledQuotesAndNewlinesReadAsOneRecordAtTheLineItStarts() throws IOException {
        Path file = write("docs.csv", "id,title,text\r\n"
                + "a,\"Hello, world\",plain\r\n"
                + "b,\"She said \"\"hi\"\"\",\"two\nlines\nhere\"\n"
                + "c,,last\n");
        List<SourceRecord> records = readAll(CsvSource.open(file));

        assertThat(records).hasSize(3).allMatch(r -> r instanceof SourceDocument);
        SourceDocument a = (SourceDocument) records.get(0);
        SourceDocument b = (SourceDocument) records.get(1);
        SourceDocument c = (SourceDocument) records.get(2);
        assertThat(a.line()).isEqualTo(2);
        assertThat(a.document().id()).isEqualTo("a");
        assertThat(a.document().fields()).containsExactly(Map.entry("title", "Hello, world"), Map.entry("text", "plain"));
        assertThat(b.line()).isEqualTo(3);
        assertThat(b.document().fields()).containsExactly(Map.entry("title", "She said \"hi\""),
                Map.entry("text", "two\nlines\nhere"));
        assertThat(c.line()).isEqualTo(6); // b spans lines 3-5
        assertThat(c.document().fields()).as("empty cell is an absent field").containsExactly(Map.entry("text", "last"));
    }

    @Test
    void tsvGzipWithUnderscoreIdAndBomReads() throws IOException {
        Path file = dir.resolve("docs.tsv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[]{(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
            out.write("_id\ttext\tyear\nx1\ta, b \"quoted\" c\t2021\n\nx2\tsecond\t7\n".getBytes(StandardCharsets.UTF_8));
        }
        try (CsvSource source = CsvSource.open(file)) {
            List<SourceRecord> records = readAll(source);
            assertThat(source.header()).containsExactly("_id", "text", "year");
            assertThat(source.estimatedRecords()).isEqualTo(-1);
            assertThat(records).hasSize(2);
            SourceDocument x1 = (SourceDocument) records.get(0);
            assertThat(x1.document().id()).isEqualTo("x1");
            assertThat(x1.document().fields()).containsExactly(Map.entry("text", "a, b \"quoted\" c"),
                    Map.entry("year", "2021")); // numbers stay text unless asked
            assertThat(records.get(1).line()).isEqualTo(4); // the blank line 3 is skipped but counted
        }
    }

    @Test
    void badRecordsAreErrorsWithTheirLinesAndTheRestStillReads() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(("id,text,price\n"
                + "1,ok,3\n"              // 2
                + "2,too,many,cells\n"    // 3
                + ",no id,1\n"            // 4
                + "  ,blank id,1\n"       // 5
                + "6,bad price,abc\n"     // 6
                + "7,\"x\"y,1\n"          // 7: text after closing quote
                + "8,").getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[]{(byte) 0xc3, (byte) 0x28}); // 8: invalid UTF-8
        bytes.writeBytes((",1\n"
                + "9,\"multi\nline\",2.5\n"  // 9-10
                + "11,few\n"                  // 11: too few
                + "12,fine,-4e2\n").getBytes(StandardCharsets.UTF_8)); // 12
        Path file = dir.resolve("bad.csv");
        Files.write(file, bytes.toByteArray());

        List<SourceRecord> records = readAll(CsvSource.open(file, Set.of("price")));

        assertThat(records).extracting(SourceRecord::line).containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 11L, 12L);
        assertThat(doc(records.get(0)).fields()).containsEntry("price", 3L);
        assertThat(error(records.get(1)).reason()).isEqualTo("record has 4 columns but the header has 3");
        assertThat(error(records.get(2)).reason()).contains("missing id");
        assertThat(error(records.get(3)).reason()).contains("missing id");
        assertThat(error(records.get(4)).reason()).contains("column 'price' is numeric but holds 'abc'");
        assertThat(error(records.get(4)).id()).isEqualTo("6");
        assertThat(error(records.get(5)).reason()).contains("text after the closing quote");
        assertThat(error(records.get(6)).reason()).isEqualTo("invalid UTF-8 in column 'text'");
        assertThat(doc(records.get(7)).fields()).containsEntry("text", "multi\nline").containsEntry("price", 2.5);
        assertThat(error(records.get(8)).reason()).isEqualTo("record has 2 columns but the header has 3");
        assertThat(doc(records.get(9)).fields()).containsEntry("price", -400.0);
        assertThat(error(records.get(1)).file()).isEqualTo(file);
        assertThat(error(records.get(1)).rawExcerpt()).isEqualTo("2,too,many,cells");
    }

    @Test
    void unterminatedQuoteAtTheEndIsOneErrorAtTheLineWhereTheRecordStarts() throws IOException {
        Path file = write("open.csv", "id,text\n1,fine\n2,\"never\nclosed, at all\n\n");
        List<SourceRecord> records = readAll(CsvSource.open(file));
        assertThat(records).hasSize(2);
        assertThat(records.get(0)).isInstanceOf(SourceDocument.class);
        SourceError error = error(records.get(1));
        assertThat(error.line()).isEqualTo(3);
        assertThat(error.reason()).contains("unterminated quoted field");
        assertThat(error.rawExcerpt()).startsWith("2,never\nclosed");
    }

    @Test
    void duplicateHeaderNamesOrNoIdColumnEndTheStreamWithOneError() throws IOException {
        List<SourceRecord> duplicate = readAll(CsvSource.open(write("dup.csv", "id,text,text\n1,a,b\n2,c,d\n")));
        assertThat(duplicate).hasSize(1);
        assertThat(error(duplicate.get(0)).line()).isEqualTo(1);
        assertThat(error(duplicate.get(0)).reason()).contains("duplicate column name 'text'");

        List<SourceRecord> noId = readAll(CsvSource.open(write("noid.tsv", "key\ttext\n1\ta\n")));
        assertThat(noId).hasSize(1);
        assertThat(error(noId.get(0)).reason()).contains("no id column");

        List<SourceRecord> blankName = readAll(CsvSource.open(write("blank.csv", "id,,text\n1,a,b\n")));
        assertThat(error(blankName.get(0)).reason()).contains("column 2 has no name");
    }

    @Test
    void emptyFileHasNoRecordsAndCrlfOnlyFileToo() throws IOException {
        assertThat(readAll(CsvSource.open(write("empty.csv", "")))).isEmpty();
        assertThat(readAll(CsvSource.open(write("header.csv", "id,text\r\n\r\n")))).isEmpty();
    }

    @Test
    void estimatedRecordsCountsLinesWithoutTheHeader() throws IOException {
        try (CsvSource source = CsvSource.open(write("n.csv", "id,text\n1,a\n2,b\n3,c\n"))) {
            assertThat(source.estimatedRecords()).isEqualTo(3);
        }
    }

    @Test
    void numbersParseStrictly() {
        assertThat(CsvSource.parseNumber("42")).isEqualTo(42L);
        assertThat(CsvSource.parseNumber(" -1.5e3 ")).isEqualTo(-1500.0);
        assertThat(CsvSource.parseNumber(".5")).isEqualTo(0.5);
        assertThat(CsvSource.parseNumber("NaN")).isNull();
        assertThat(CsvSource.parseNumber("Infinity")).isNull();
        assertThat(CsvSource.parseNumber("1d")).isNull();
        assertThat(CsvSource.parseNumber("1,5")).isNull();
    }

    @Test
    void unknownExtensionOrMissingFileIsRefused() throws IOException {
        Path txt = write("docs.txt", "id,text\n");
        assertThatThrownBy(() -> CsvSource.open(txt))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> Indexer.openSource(txt, Set.of()))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains(".jsonl", ".jsonl.gz", ".csv", ".csv.gz", ".tsv", ".tsv.gz");
                });
        assertThatThrownBy(() -> CsvSource.open(dir.resolve("absent.csv")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void indexerPicksTheSourceByExtension() throws IOException {
        try (DocumentSource csv = Indexer.openSource(write("a.CSV", "id,n\n1,2\n"), Set.of("n"));
             DocumentSource tsvGz = Indexer.openSource(write("b.tsv.gz", "id\tn\n1\t2\n"), Set.of());
             DocumentSource jsonl = Indexer.openSource(write("c.jsonl", "{\"id\":\"1\"}\n"), Set.of())) {
            assertThat(csv).isInstanceOf(CsvSource.class);
            assertThat(doc(csv.next()).fields()).containsEntry("n", 2L);
            assertThat(tsvGz).isInstanceOf(CsvSource.class);
            assertThat(doc(tsvGz.next()).fields()).containsEntry("n", "2");
            assertThat(jsonl).isInstanceOf(JsonlSource.class);
        }
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static List<SourceRecord> readAll(DocumentSource source) {
        List<SourceRecord> records = new ArrayList<>();
        try (source) {
            source.forEachRemaining(records::add);
        }
        return records;
    }

    private static dev.mmsearch.core.Document doc(SourceRecord record) {
        assertThat(record).isInstanceOf(SourceDocument.class);
        return ((SourceDocument) record).document();
    }

    private static SourceError error(SourceRecord record) {
        assertThat(record).isInstanceOf(SourceError.class);
        return (SourceError) record;
    }
}
