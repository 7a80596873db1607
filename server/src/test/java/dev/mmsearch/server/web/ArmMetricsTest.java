package dev.mmsearch.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ArmMetricsTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> row(ArmMetrics metrics, String layer, String arm) {
        for (Map<String, Object> r : (List<Map<String, Object>>) metrics.snapshot().get("arms")) {
            if (r.get("layer").equals(layer) && r.get("arm").equals(arm)) {
                return r;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> latency(Map<String, Object> row) {
        return (Map<String, Object>) row.get("latencyMs");
    }

    @Test
    void countsRequestsZeroResultsAndNearestRankPercentilesPerArm() {
        ArmMetrics metrics = new ArmMetrics();
        for (int ms = 1; ms <= 100; ms++) {
            metrics.recordSearch("default", Map.of("recall", "dense", "rank", "weighted"), ms * 1_000_000L, ms % 10 == 0);
        }
        metrics.recordSearch("default", Map.of("recall", "bm25"), 5_000_000L, false);
        Map<String, Object> dense = row(metrics, "recall", "dense");
        assertThat(dense.get("requests")).isEqualTo(100L);
        assertThat(dense.get("zeroResults")).isEqualTo(10L);
        assertThat(dense.get("zeroResultRate")).isEqualTo(0.1);
        assertThat(latency(dense)).containsEntry("samples", 100).containsEntry("p50", 50.0).containsEntry("p95", 95.0)
                .containsEntry("p99", 99.0);
        assertThat(row(metrics, "rank", "weighted").get("requests")).isEqualTo(100L);
        assertThat(row(metrics, "recall", "bm25").get("requests")).isEqualTo(1L);
        assertThat(latency(row(metrics, "recall", "bm25"))).containsEntry("p99", 5.0);
        assertThat(row(metrics, "recall", "hybrid")).isNull();
    }

    @Test
    void percentilesCoverOnlyTheLatestWindowOfRequests() {
        ArmMetrics metrics = new ArmMetrics();
        for (int i = 0; i < ArmMetrics.RESERVOIR; i++) {
            metrics.recordSearch("s", Map.of("l", "a"), 1_000_000_000L, false); // 1 s: old and slow
        }
        for (int i = 0; i < ArmMetrics.RESERVOIR; i++) {
            metrics.recordSearch("s", Map.of("l", "a"), 2_000_000L, false);     // 2 ms: the recent ones
        }
        Map<String, Object> a = row(metrics, "l", "a");
        assertThat(a.get("requests")).isEqualTo(2L * ArmMetrics.RESERVOIR);
        assertThat(latency(a)).containsEntry("samples", ArmMetrics.RESERVOIR).containsEntry("p99", 2.0);
    }

    @Test
    void clickThroughCountsEachClickedQueryOnce() {
        ArmMetrics metrics = new ArmMetrics();
        for (int i = 0; i < 4; i++) {
            metrics.recordSearch("s", Map.of("recall", "dense"), 1_000_000L, false);
        }
        metrics.recordClick("q1", "s", Map.of("recall", "dense"));
        metrics.recordClick("q1", "s", Map.of("recall", "dense"));
        metrics.recordClick("q2", "s", Map.of("recall", "dense"));
        Map<String, Object> dense = row(metrics, "recall", "dense");
        assertThat(dense.get("clicks")).isEqualTo(3L);
        assertThat(dense.get("clickedQueries")).isEqualTo(2L);
        assertThat(dense.get("clickThroughRate")).isEqualTo(0.5);
    }

    @Test
    void emptyArmHasNoPercentilesAndUnboundedKeysAreCapped() {
        ArmMetrics metrics = new ArmMetrics();
        metrics.recordClick("q", "s", Map.of("recall", "never-searched"));
        Map<String, Object> row = row(metrics, "recall", "never-searched");
        assertThat(row.get("clickThroughRate")).isEqualTo(0.0);
        assertThat(latency(row)).containsEntry("samples", 0).containsEntry("p50", null);
        for (int i = 0; i < ArmMetrics.MAX_ARMS * 2; i++) {
            metrics.recordSearch("s", Map.of("layer", "arm-" + i), 1L, false);
        }
        assertThat((List<?>) metrics.snapshot().get("arms")).hasSize(ArmMetrics.MAX_ARMS);
    }

    @Test
    void concurrentRecordingLosesNothing() throws Exception {
        ArmMetrics metrics = new ArmMetrics();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.submit(() -> {
                for (int i = 0; i < 10_000; i++) {
                    metrics.recordSearch("s", Map.of("recall", "dense"), 1_000L, i % 4 == 0);
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        Map<String, Object> dense = row(metrics, "recall", "dense");
        assertThat(dense.get("requests")).isEqualTo(40_000L);
        assertThat(dense.get("zeroResults")).isEqualTo(10_000L);
    }
}
