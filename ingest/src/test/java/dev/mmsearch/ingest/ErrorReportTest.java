package dev.mmsearch.ingest;

import dev.mmsearch.core.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorReportTest {
    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(Instant.parse("2025-03-04T05:06:07.089Z"), ZoneOffset.UTC);

    @Test
    void noErrorMeansNoFile() {
        Path reports = dir.resolve("reports");
        try (ErrorReport report = new ErrorReport(reports, "docs", clock)) {
            assertThat(report.path()).isNull();
            assertThat(report.count()).isZero();
        }
        assertThat(reports).doesNotExist();
    }

    @Test
    void errorsAreAppendedAsJsonLinesNamedAfterCollectionAndTime() throws IOException {
        Path reports = dir.resolve("reports");
        Path input = Path.of("in/docs.jsonl");
        Path written;
        try (ErrorReport report = new ErrorReport(reports, "docs", clock)) {
            report.add(new SourceError(input, 7, "malformed JSON: x", "{\"id\": "));
            report.add(new SourceError(input, 9, "d9", "empty text to embed", ""));
            written = report.path();
            assertThat(report.count()).isEqualTo(2);
        }
        assertThat(written).isEqualTo(reports.resolve("docs-20250304T050607089Z-errors.jsonl"));
        List<String> lines = Files.readAllLines(written);
        assertThat(lines).hasSize(2);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertThat(first.get("file").asString()).isEqualTo(input.toString());
        assertThat(first.get("line").asLong()).isEqualTo(7);
        assertThat(first.has("id")).isFalse();
        assertThat(first.get("reason").asString()).isEqualTo("malformed JSON: x");
        assertThat(first.get("excerpt").asString()).isEqualTo("{\"id\": ");
        JsonNode second = Json.MAPPER.readTree(lines.get(1));
        assertThat(second.get("id").asString()).isEqualTo("d9");
        assertThat(second.get("line").asLong()).isEqualTo(9);
        assertThat(second.has("excerpt")).isFalse();
    }
}
