package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.List;

/**
 * rank {@code threshold}: drops candidates whose score is below {@code min}, keeping the order.
 * {@code on} picks the score: {@code score} (the current score, e.g. the fused one) or a
 * score-map entry such as {@code vector} or {@code fusion}; a candidate without that entry (the
 * recall did not find it) is dropped.
 */
public final class ThresholdRank implements RankStage {
    public static final String TYPE = "threshold";

    /**
     * @param min lowest score kept (required)
     * @param on  {@code score} (default) or a score-map name
     */
    public record Params(Double min, String on) {
        public Params {
            if (min == null || min.isNaN() || min.isInfinite()) {
                throw new IllegalArgumentException("parameter 'min' is required and must be a finite number, got " + min);
            }
            on = ParamChecks.scoreName("on", on, "score");
        }
    }

    private final Params params;

    public ThresholdRank(Params params) {
        this.params = params;
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        return apply(candidates, params.min(), params.on());
    }

    /** The candidates scoring at least {@code min} on {@code on}, in order. Pure. */
    public static List<Candidate> apply(List<Candidate> candidates, double min, String on) {
        List<Candidate> out = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            Float value = "score".equals(on) ? Float.valueOf(c.score()) : c.score(on);
            if (value != null && value >= min) {
                out.add(c);
            }
        }
        return out;
    }
}
