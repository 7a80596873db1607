package dev.mmsearch.core.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BucketingTest {
    private static final int USERS = 100_000;

    private static Layer layer(String name, StageKind stage, String salt, int... weights) {
        List<Arm> arms = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            arms.add(new Arm("arm" + i, weights[i], Map.of("type", "t")));
        }
        return new Layer(name, stage, salt, arms);
    }

    private static String user(int i) {
        return "user-" + i;
    }

    /** Counts how often each arm index serves over the synthetic users. */
    private static int[] counts(Layer layer) {
        int[] counts = new int[layer.arms().size()];
        for (int i = 0; i < USERS; i++) {
            counts[layer.arms().indexOf(Bucketing.assign(layer, user(i)))]++;
        }
        return counts;
    }

    private static void assertSharesWithinOnePercent(int... weights) {
        Layer layer = layer("l", StageKind.RECALL, "salt-" + weights.length + "-" + weights[0], weights);
        int[] counts = counts(layer);
        int total = java.util.Arrays.stream(weights).sum();
        for (int i = 0; i < weights.length; i++) {
            double share = counts[i] / (double) USERS;
            double ratio = weights[i] / (double) total;
            assertThat(share).as("arm %d of %s", i, java.util.Arrays.toString(weights)).isCloseTo(ratio,
                    org.assertj.core.data.Offset.offset(0.01));
        }
    }

    @Test
    void sharesMatchRatiosWithinOnePercentOver100kUsers() {
        assertSharesWithinOnePercent(50, 50);
        assertSharesWithinOnePercent(90, 10);
        assertSharesWithinOnePercent(50, 30, 20);
    }

    @Test
    void armOfWeightZeroIsNeverAssignedButCanBeForced() {
        Layer layer = layer("l", StageKind.RANK, "zero-salt", 1, 0, 1);
        int[] counts = counts(layer);
        assertThat(counts[1]).isZero();
        assertThat(counts[0] + counts[2]).isEqualTo(USERS);
        Scene scene = new Scene("s", List.of(layer));
        ArmSelection selection = Bucketing.assign(scene, "u", Map.of("l", "arm1"));
        assertThat(selection.arm(StageKind.RANK).name()).isEqualTo("arm1");
        assertThat(selection.choices().getFirst().forced()).isTrue();
    }

    @Test
    void bucketRangesFollowCumulativeWeights() {
        Layer ninetyTen = layer("l", StageKind.RANK, "x", 90, 10);
        assertThat(Bucketing.armForBucket(ninetyTen, 0).name()).isEqualTo("arm0");
        assertThat(Bucketing.armForBucket(ninetyTen, 8999).name()).isEqualTo("arm0");
        assertThat(Bucketing.armForBucket(ninetyTen, 9000).name()).isEqualTo("arm1");
        assertThat(Bucketing.armForBucket(ninetyTen, 9999).name()).isEqualTo("arm1");
        Layer thirds = layer("l", StageKind.RANK, "x", 1, 1, 1);
        assertThat(Bucketing.armForBucket(thirds, 3332).name()).isEqualTo("arm0");
        assertThat(Bucketing.armForBucket(thirds, 3333).name()).isEqualTo("arm1");
        assertThat(Bucketing.armForBucket(thirds, 6666).name()).isEqualTo("arm2");
        assertThatThrownBy(() -> Bucketing.armForBucket(thirds, 10_000)).isInstanceOf(MmsearchException.class);
        assertThatThrownBy(() -> Bucketing.armForBucket(thirds, -1)).isInstanceOf(MmsearchException.class);
    }

    /**
     * Pearson's chi-square statistic of independence for a contingency table:
     * sum over cells of (observed - expected)^2 / expected, expected = rowTotal * colTotal / n.
     * Under independence it follows a chi-square distribution with (rows-1)(cols-1) degrees of freedom.
     */
    private static double chiSquare(long[][] table) {
        int rows = table.length;
        int cols = table[0].length;
        long[] rowTotals = new long[rows];
        long[] colTotals = new long[cols];
        long n = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                rowTotals[r] += table[r][c];
                colTotals[c] += table[r][c];
                n += table[r][c];
            }
        }
        double chi = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double expected = rowTotals[r] * (double) colTotals[c] / n;
                chi += (table[r][c] - expected) * (table[r][c] - expected) / expected;
            }
        }
        return chi;
    }

    private static long[][] contingency(Layer a, Layer b) {
        long[][] table = new long[a.arms().size()][b.arms().size()];
        for (int i = 0; i < USERS; i++) {
            table[a.arms().indexOf(Bucketing.assign(a, user(i)))][b.arms().indexOf(Bucketing.assign(b, user(i)))]++;
        }
        return table;
    }

    @Test
    void layersWithDifferentSaltsAreIndependent() {
        // p > 0.01 <=> statistic below the 99th percentile of chi-square with the table's degrees of
        // freedom: 6.635 for df = (2-1)(2-1) = 1, 13.277 for df = (3-1)(3-1) = 4 (standard tables).
        double twoByTwo = chiSquare(contingency(layer("recall-exp", StageKind.RECALL, "recall-2026-11", 50, 50),
                layer("rank-exp", StageKind.RANK, "rank-2026-11", 50, 50)));
        assertThat(twoByTwo).as("chi-square 2x2, df=1").isLessThan(6.635);
        double threeByThree = chiSquare(contingency(layer("recall-exp", StageKind.RECALL, "recall-2026-11", 50, 30, 20),
                layer("rank-exp", StageKind.RANK, "rank-2026-11", 50, 30, 20)));
        assertThat(threeByThree).as("chi-square 3x3, df=4").isLessThan(13.277);
        // The same test has the power to see dependence: layers sharing a salt (which Scene refuses)
        // split users identically, and the statistic explodes (= n for a perfectly correlated 2x2 table).
        double sameSalt = chiSquare(contingency(layer("a", StageKind.RECALL, "shared", 50, 50),
                layer("b", StageKind.RANK, "shared", 50, 50)));
        assertThat(sameSalt).isGreaterThan(USERS * 0.99);
    }

    @Test
    void bucketIsAStablePureFunctionOfSaltAndUser() throws Exception {
        // Computed once independently (Python hashlib: sha256(salt + "\0" + user), first 8 bytes big-endian % 10000).
        Map<String[], Integer> known = Map.of(
                new String[] {"recall-2026-11", "user-1"}, 8241,
                new String[] {"recall-2026-11", "user-2"}, 2854,
                new String[] {"rank-2026-11", "user-1"}, 7868,
                new String[] {"s", "alice"}, 5114,
                new String[] {"layer-salt", "élève-42"}, 3331);
        known.forEach((key, bucket) -> assertThat(Bucketing.bucket(key[0], key[1])).as(String.join("/", key)).isEqualTo(bucket));
        // Same answer on a fresh thread (fresh digest), repeated calls, and interleaved other inputs.
        Map<Integer, Integer> here = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            here.put(i, Bucketing.bucket("salt", user(i)));
        }
        AtomicReference<Map<Integer, Integer>> there = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            Map<Integer, Integer> m = new HashMap<>();
            for (int i = 999; i >= 0; i--) {
                Bucketing.bucket("other", user(i));
                m.put(i, Bucketing.bucket("salt", user(i)));
            }
            there.set(m);
        });
        thread.start();
        thread.join();
        assertThat(there.get()).isEqualTo(here);
        // The separator matters: ("ab","c") and ("a","bc") are different inputs.
        assertThat(Bucketing.bucket("ab", "c")).isNotEqualTo(Bucketing.bucket("a", "bc"));
        assertThat(here.values()).allSatisfy(b -> assertThat(b).isBetween(0, Bucketing.BUCKETS - 1));
        assertThatThrownBy(() -> Bucketing.bucket(null, "u")).isInstanceOf(MmsearchException.class);
    }

    @Test
    void sceneRefusesTheSameSaltOnTwoLayersAndDuplicateLayerNames() {
        assertThatThrownBy(() -> new Scene("qa", List.of(layer("a", StageKind.RECALL, "same", 1, 1),
                layer("b", StageKind.RANK, "same", 1, 1))))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("reuses salt 'same'");
        assertThatThrownBy(() -> new Scene("qa", List.of(layer("a", StageKind.RECALL, "s1", 1, 1),
                layer("a", StageKind.RANK, "s2", 1, 1))))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("two layers named 'a'");
    }

    private static Scene twoLayerScene() {
        return new Scene("qa", List.of(layer("rank-exp", StageKind.RANK, "rank-2026-11", 50, 50),
                layer("recall-exp", StageKind.RECALL, "recall-2026-11", 50, 50)));
    }

    @Test
    void sceneSelectionHashesEachLayerAndHonoursForcedArms() {
        Scene scene = twoLayerScene();
        ArmSelection selection = Bucketing.assign(scene, "user-1", Map.of());
        assertThat(selection.userId()).isEqualTo("user-1");
        assertThat(selection.choices()).extracting(c -> c.layer().name()).containsExactly("recall-exp", "rank-exp");
        assertThat(selection.choices()).extracting(ArmSelection.Choice::bucket).containsExactly(8241, 7868);
        assertThat(selection.armNames()).containsExactly(Map.entry("recall-exp", "arm1"), Map.entry("rank-exp", "arm1"));
        assertThat(selection.choices()).noneMatch(ArmSelection.Choice::forced);

        ArmSelection forced = Bucketing.assign(scene, "user-1", Map.of("recall-exp", "arm0"));
        assertThat(forced.arm(StageKind.RECALL).name()).isEqualTo("arm0");
        assertThat(forced.arm(StageKind.RANK).name()).isEqualTo("arm1");
        assertThat(forced.arm(StageKind.QP)).isNull();
        assertThat(forced.choices().get(0).forced()).isTrue();
        assertThat(forced.choices().get(1).forced()).isFalse();
    }

    @Test
    void unknownForcedLayerOrArmIsAnInvalidArgumentListingWhatExists() {
        Scene scene = twoLayerScene();
        assertThatThrownBy(() -> Bucketing.assign(scene, "u", Map.of("nope", "arm0")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("'nope'").hasMessageContaining("[recall-exp, rank-exp]");
        assertThatThrownBy(() -> Bucketing.assign(scene, "u", Map.of("rank-exp", "arm9")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("'arm9'").hasMessageContaining("[arm0, arm1]");
    }

    @Test
    void anonymousRequestsGetRandomBucketsThatStillSplitByRatio() {
        Scene scene = new Scene("qa", List.of(layer("recall-exp", StageKind.RECALL, "r", 90, 10)));
        int n = 20_000;
        int arm1 = 0;
        java.util.Set<Integer> buckets = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            ArmSelection selection = Bucketing.assign(scene, i % 2 == 0 ? null : " ", null);
            assertThat(selection.userId()).isNull();
            buckets.add(selection.choices().getFirst().bucket());
            if (selection.arm(StageKind.RECALL).name().equals("arm1")) {
                arm1++;
            }
        }
        // Binomial(20000, 0.1): standard deviation of the share is 0.0021, so +-0.015 is about 7 sigma.
        assertThat(arm1 / (double) n).isCloseTo(0.10, org.assertj.core.data.Offset.offset(0.015));
        assertThat(buckets.size()).as("random buckets, not one fixed bucket").isGreaterThan(8000);
    }
}
