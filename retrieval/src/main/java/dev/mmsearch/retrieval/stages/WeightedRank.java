package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * rank {@code weighted}: a weighted sum of each recall's scores after per-query normalisation
 * (convex combination fusion; Bruch, Gai &amp; Ingber, "An Analysis of Fusion Functions for
 * Hybrid Retrieval", 2023). Normalisation runs per recall over the candidates that recall found
 * in this request:
 * <ul>
 *   <li>{@code minmax}: {@code (s - min) / (max - min)}, in [0, 1] (all found score 1 when max = min);
 *       a candidate the recall did not find contributes 0, the minimum;</li>
 *   <li>{@code zscore}: {@code (s - mean) / stddev} (0 when stddev = 0); a candidate the recall did not
 *       find contributes the lowest z that recall produced (0 would rank "not found" above the
 *       recall's below-average finds);</li>
 *   <li>{@code none}: raw scores (only sensible when recalls share a scale); not found contributes the
 *       recall's lowest raw score.</li>
 * </ul>
 * The fused score is recorded as {@code fusion}; the result is sorted by it, ties by id.
 */
public final class WeightedRank implements RankStage {
    public static final String TYPE = "weighted";
    public static final String SCORE_NAME = "fusion";
    public static final List<String> NORMALIZATIONS = List.of("minmax", "zscore", "none");

    /**
     * @param weights   recall name → weight, each 0..1000, at least one positive (default {@code {vector: 0.5, bm25: 0.5}});
     *                  a recall not listed is ignored
     * @param normalize {@code minmax} (default), {@code zscore} or {@code none}
     */
    public record Params(Map<String, Double> weights, String normalize) {
        public Params {
            if (weights == null) {
                weights = Map.of("vector", 0.5, "bm25", 0.5);
            }
            if (weights.isEmpty()) {
                throw new IllegalArgumentException("parameter 'weights' is empty; give a weight per recall name, e.g. {vector: 0.5, bm25: 0.5}");
            }
            boolean positive = false;
            for (Map.Entry<String, Double> e : weights.entrySet()) {
                if (e.getValue() == null) {
                    throw new IllegalArgumentException("parameter 'weights." + e.getKey() + "' has no value");
                }
                double w = ParamChecks.doubleIn("weights." + e.getKey(), e.getValue(), Double.NaN, 0, 1000);
                positive |= w > 0;
            }
            if (!positive) {
                throw new IllegalArgumentException("parameter 'weights' has no positive weight: " + weights);
            }
            weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
            normalize = ParamChecks.oneOf("normalize", normalize, "minmax", NORMALIZATIONS);
        }
    }

    private final Params params;

    public WeightedRank(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        return fuse(candidates, params.weights(), params.normalize());
    }

    /** Itself, when its weights name at least one of {@code recallNames}. */
    @Override
    public WeightedRank forRecalls(List<String> recallNames) {
        if (params.weights().keySet().stream().noneMatch(recallNames::contains)) {
            throw new IllegalArgumentException("parameter 'weights' names recalls " + params.weights().keySet()
                    + " but the recall arm produces " + recallNames + "; every candidate would score 0");
        }
        return this;
    }

    /** Weighted fusion of normalised recall scores (see the class comment). Pure. */
    public static List<Candidate> fuse(List<Candidate> candidates, Map<String, Double> weights, String normalize) {
        Map<String, Normalizer> normalizers = new HashMap<>();
        for (String recall : weights.keySet()) {
            normalizers.put(recall, Normalizer.of(candidates, recall, normalize));
        }
        List<Candidate> out = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            double fused = 0;
            for (Map.Entry<String, Double> w : weights.entrySet()) {
                fused += w.getValue() * normalizers.get(w.getKey()).apply(c.score(w.getKey()));
            }
            out.add(c.rescored(SCORE_NAME, (float) fused));
        }
        out.sort(Candidate.BY_SCORE_THEN_ID);
        return out;
    }

    /** Maps one recall's raw score (null = not found) to its normalised contribution. */
    private record Normalizer(String method, double a, double b, double missing) {
        static Normalizer of(List<Candidate> candidates, String recall, String method) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            double sumSq = 0;
            int n = 0;
            for (Candidate c : candidates) {
                Float s = c.score(recall);
                if (s != null) {
                    min = Math.min(min, s);
                    max = Math.max(max, s);
                    sum += s;
                    sumSq += (double) s * s;
                    n++;
                }
            }
            if (n == 0) {
                return new Normalizer("none", 0, 0, 0);
            }
            return switch (method) {
                case "minmax" -> new Normalizer(method, min, max - min, 0);
                case "zscore" -> {
                    double mean = sum / n;
                    double std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
                    yield new Normalizer(method, mean, std, std == 0 ? 0 : (min - mean) / std);
                }
                default -> new Normalizer("none", 0, 0, min);
            };
        }

        double apply(Float score) {
            if (score == null) {
                return missing;
            }
            return switch (method) {
                case "minmax" -> b == 0 ? 1 : (score - a) / b;
                case "zscore" -> b == 0 ? 0 : (score - a) / b;
                default -> score;
            };
        }
    }
}
