package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BeirDatasetTest {
    @TempDir
    Path dir;

    @Test
    void sciFactHas300EvaluatedTestQueries() {
        BeirDataset scifact = BeirDataset.load(TestPaths.sharedData().resolve("scifact"), null);
        assertThat(scifact.name()).isEqualTo("scifact");
        assertThat(scifact.queries()).hasSize(1109);
        assertThat(scifact.qrels()).hasSize(300);
        assertThat(scifact.evaluatedQueryIds()).hasSize(300);
        assertThat(scifact.qrels().values().stream().mapToInt(Map::size).sum()).isEqualTo(339);
        assertThat(scifact.qrels().get("1")).isEqualTo(Map.of("31715818", 1));
        assertThat(scifact.queries().get("0")).isEqualTo("0-dimensional biomaterials lack inductive properties.");
    }

    @Test
    void qrelsOverrideReplacesTestTsvAndOnlyJudgedQueriesWithTextAreEvaluated() throws IOException {
        Path data = miniDataset();
        Path other = dir.resolve("dev.tsv");
        Files.writeString(other, "query-id\tcorpus-id\tscore\nq2\td1\t2\nq9\td1\t1\n");
        BeirDataset dataset = BeirDataset.load(data, other);
        assertThat(dataset.qrels()).containsOnlyKeys("q2", "q9");
        assertThat(dataset.evaluatedQueryIds()).containsExactly("q2"); // q9 has no text in queries.jsonl
        assertThat(dataset.qrels().get("q2")).isEqualTo(Map.of("d1", 2));
    }

    @Test
    void trecFormatQrelsWithFourColumnsAreRead() throws IOException {
        Path data = miniDataset();
        Path trec = dir.resolve("trec.qrels");
        Files.writeString(trec, "q1 0 d1 1\nq1 0 d2 0\n");
        assertThat(BeirDataset.load(data, trec).qrels().get("q1")).isEqualTo(Map.of("d1", 1, "d2", 0));
    }

    @Test
    void malformedQrelsNameTheLine() throws IOException {
        Path data = miniDataset();
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "query-id\tcorpus-id\tscore\nq1\td1\tx\n");
        assertThatThrownBy(() -> BeirDataset.load(data, bad)).isInstanceOf(MmsearchException.class)
                .hasMessage(bad + ":2: score 'x' is not an integer");
        Files.writeString(bad, "q1\td1\n");
        assertThatThrownBy(() -> BeirDataset.load(data, bad)).hasMessageContaining(bad + ":1: expected");
    }

    @Test
    void missingFolderOrFileIsNotFound() throws IOException {
        assertThatThrownBy(() -> BeirDataset.load(dir.resolve("nope"), null)).isInstanceOf(MmsearchException.class)
                .extracting(e -> ((MmsearchException) e).code()).isEqualTo(ErrorCode.NOT_FOUND);
        Path data = miniDataset();
        Files.delete(data.resolve("qrels/test.tsv"));
        assertThatThrownBy(() -> BeirDataset.load(data, null)).hasMessageContaining("test.tsv' does not exist");
    }

    private Path miniDataset() throws IOException {
        Path data = dir.resolve("mini");
        Files.createDirectories(data.resolve("qrels"));
        Files.writeString(data.resolve("corpus.jsonl"), "{\"_id\": \"d1\", \"title\": \"t\", \"text\": \"x\", \"metadata\": {}}\n");
        Files.write(data.resolve("queries.jsonl"), List.of(
                "{\"_id\": \"q1\", \"text\": \"first\", \"metadata\": {}}",
                "{\"_id\": \"q2\", \"text\": \"second\", \"metadata\": {\"d1\": [{\"label\": \"SUPPORT\"}]}}"));
        Files.writeString(data.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
        return data;
    }
}
