package dev.mmsearch.bench;

import java.util.Arrays;

/** Nearest-rank percentiles over a sample of durations in milliseconds. */
final class Percentiles {
    private final double[] sorted;

    Percentiles(double[] samples) {
        this.sorted = samples.clone();
        Arrays.sort(sorted);
    }

    /** Nearest-rank percentile, {@code p} in (0, 100]. */
    double at(double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double mean() {
        return Arrays.stream(sorted).average().orElse(Double.NaN);
    }
}
