package dev.mmsearch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.MmsearchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ANN harness's ground truth and its checks on the data it is given. */
class AnnBenchTest {

    @TempDir
    Path tmp;

    @Test
    void blockedGroundTruthIsTheTopTenOfAFullSortForEveryQuery() {
        SplittableRandom r = new SplittableRandom(7);
        float[][] base = new float[2_000][];
        for (int i = 0; i < base.length; i++) {
            base[i] = AnnBench.normalised(randomVector(r, 16));
        }
        base[1_500] = base[3].clone(); // a tie: the lower id ranks first
        float[][] queries = new float[70][]; // more than two blocks of 32, the last one partial
        for (int q = 0; q < queries.length; q++) {
            queries[q] = AnnBench.normalised(randomVector(r, 16));
        }
        queries[5] = base[3].clone();

        int[][] gt = AnnBench.exactTopK(base, queries, 10);

        for (int q = 0; q < queries.length; q++) {
            float[] query = queries[q];
            int[] sorted = IntStream.range(0, base.length).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -VectorUtil.dotProduct(base[i], query))
                            .thenComparingInt(i -> i))
                    .limit(10).mapToInt(Integer::intValue).toArray();
            assertThat(gt[q]).as("query %d", q).containsExactly(sorted);
        }
        assertThat(gt[5][0]).isEqualTo(3);
        assertThat(gt[5][1]).isEqualTo(1_500);
    }

    @Test
    void fewerBaseVectorsThanKGiveThemAll() {
        float[][] base = {{1, 0}, {0, 1}, {0.6f, 0.8f}};
        int[][] gt = AnnBench.exactTopK(base, new float[][] {{1, 0}}, 10);
        assertThat(gt[0]).containsExactly(0, 2, 1);
    }

    @Test
    void theMillionSetNeedsAnExportDirectory() {
        assertThatThrownBy(() -> AnnBench.main(new String[] {"prepare", "--out", tmp.toString(), "--sets", "million"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--export DIR");
    }

    @Test
    void aDirectoryWithoutAManifestIsRefusedByName() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-an-export"));
        assertThatThrownBy(() -> AnnBench.main(new String[] {"prepare", "--out", tmp.toString(), "--sets", "million",
                "--export", empty.toString()}))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("no export manifest");
    }

    @Test
    void aNonPositiveLimitIsRefused() {
        assertThatThrownBy(() -> AnnBench.main(new String[] {"prepare", "--out", tmp.toString(), "--sets", "million",
                "--export", tmp.toString(), "--limit", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--limit");
    }

    @Test
    void rawLuceneNamesItsFormatsAndRefusesOthers() {
        assertThat(RawLuceneAnn.format("int4", HnswOptions.DEFAULT).toString()).contains("PACKED_NIBBLE");
        assertThatThrownBy(() -> RawLuceneAnn.format("int3", HnswOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32, int8, int7, int4, int2, int1");
    }

    private static float[] randomVector(SplittableRandom r, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) r.nextGaussian();
        }
        return v;
    }
}
