package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The issue-18 corpus generator on the real SciFact files: deterministic, distinct, filters of the stated selectivity. */
class MillionCorpusTest {
    /** The parent pom sets {@code mmsearch.sharedData} for every module's tests. */
    static final Path SCIFACT = Path.of(System.getProperty("mmsearch.sharedData", "../../shared/data")).resolve("scifact");

    @TempDir
    Path tmp;

    @Test
    void sameSeedSameBytesAndEveryDocumentAloneIsTheSame() throws Exception {
        MillionCorpus corpus = MillionCorpus.fromBeir(SCIFACT, 18);
        StringWriter first = new StringWriter();
        StringWriter second = new StringWriter();
        corpus.write(300, first);
        MillionCorpus.fromBeir(SCIFACT, 18).write(300, second);
        assertThat(first.toString()).isEqualTo(second.toString()).hasLineCount(300);
        assertThat(Json.MAPPER.readTree(first.toString().lines().skip(123).findFirst().orElseThrow()).get("id")
                .asString()).isEqualTo("m0000123");
        assertThat(corpus.document(123)).isEqualTo(Json.MAPPER.convertValue(
                Json.MAPPER.readTree(first.toString().lines().skip(123).findFirst().orElseThrow()), Map.class));
        StringWriter other = new StringWriter();
        MillionCorpus.fromBeir(SCIFACT, 19).write(300, other);
        assertThat(other.toString()).isNotEqualTo(first.toString());
    }

    @Test
    void textsAreDistinctAndFiltersHaveTheirSelectivity() throws Exception {
        MillionCorpus corpus = MillionCorpus.fromBeir(SCIFACT, 18);
        int n = 20_000;
        Set<String> texts = new HashSet<>();
        int bucket7 = 0;
        int broad = 0;
        for (int i = 0; i < n; i++) {
            Map<String, Object> d = corpus.document(i);
            texts.add(d.get("title") + "\n" + d.get("text"));
            bucket7 += d.get("bucket").equals("b07") ? 1 : 0;
            broad += d.get("tier").equals("broad") ? 1 : 0;
            assertThat((Integer) d.get("year")).isBetween(1990, 2024);
            assertThat(d.get("title").toString()).startsWith("Is it true that ").endsWith("?");
        }
        assertThat(texts).hasSize(n);
        assertThat(bucket7 / (double) n).isCloseTo(0.01, within(0.003));
        assertThat(broad / (double) n).isCloseTo(0.30, within(0.02));
    }

    @Test
    void mainWritesAJsonlFileTheIndexerReads() throws Exception {
        Path out = tmp.resolve("c/million.jsonl");
        MillionCorpus.main(new String[] {"--out", out.toString(), "--n", "200", "--source", SCIFACT.toString()});
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(200);
        JsonNode last = Json.MAPPER.readTree(lines.getLast());
        assertThat(last.get("id").asString()).isEqualTo("m0000199");
        assertThat(last.get("text").asString()).hasSizeGreaterThan(80);
    }
}
