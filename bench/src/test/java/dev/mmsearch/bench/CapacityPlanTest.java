package dev.mmsearch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The formulas and the simulation behind docs/scaling.md. */
class CapacityPlanTest {

    @Test
    void hnswGraphBytesAreTwoMLinksOnLevelZeroPlusTheGeometricUpperLevels() {
        assertThat(CapacityPlan.graphBytes(16)).isCloseTo(128 + 64.0 / 15, within(1e-9));
        assertThat(CapacityPlan.graphBytes(32)).isCloseTo(256 + 128.0 / 31, within(1e-9));
    }

    @Test
    void oneShardGivesTheShardsOwnPercentilesPlusCoordination() {
        double median = 2.0;
        double sigma = Math.log(6.0 / 2.0) / 2.326; // p99 = 6 ms
        double[] p = CapacityPlan.simulate(1, median, sigma, 1.0, 200_000, new Random(1));
        assertThat(p[0]).isCloseTo(3.0, within(0.05));
        assertThat(p[1]).isCloseTo(7.0, within(0.2));
    }

    @Test
    void fanOutRaisesTheMedianAndTheTailAndIsDeterministicForASeed() {
        double sigma = 0.5;
        double[] one = CapacityPlan.simulate(1, 1.0, sigma, 0, 50_000, new Random(7));
        double[] eight = CapacityPlan.simulate(8, 1.0, sigma, 0, 50_000, new Random(7));
        assertThat(eight[0]).isGreaterThan(one[0] * 1.5);
        assertThat(eight[1]).isGreaterThan(one[1]);
        assertThat(CapacityPlan.simulate(8, 1.0, sigma, 0, 50_000, new Random(7))).containsExactly(eight);
    }

    @Test
    void averageDocumentReadsTitleAndTextBytes(@TempDir Path dir) throws Exception {
        Path corpus = dir.resolve("corpus.jsonl");
        Files.writeString(corpus, "{\"_id\": \"1\", \"title\": \"ab\", \"text\": \"cdef\"}\n\n"
                + "{\"_id\": \"2\", \"title\": \"\", \"text\": \"\u00e9\u00e9\"}\n");
        double[] stats = CapacityPlan.averageDocument(corpus);
        assertThat(stats[0]).isEqualTo(2);
        assertThat(stats[1]).isEqualTo((6 + 4) / 2.0); // é is 2 bytes in UTF-8
    }
}
