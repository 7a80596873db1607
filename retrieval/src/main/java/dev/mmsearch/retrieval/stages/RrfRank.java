package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * rank {@code rrf}: reciprocal rank fusion (Cormack, Clarke &amp; Büttcher, SIGIR 2009). Each
 * candidate scores {@code sum over recalls r that found it of 1 / (k + rank_r)}, where
 * {@code rank_r} is its 1-based position in recall r's own list (by that recall's score, ties by
 * id). Scores of different recalls are never compared, only ranks, so no normalisation is needed.
 * The fused score is recorded as {@code fusion}; the result is sorted by it, ties by id.
 */
public final class RrfRank implements RankStage {
    public static final String TYPE = "rrf";
    /** Score-map key of the fused score. */
    public static final String SCORE_NAME = "fusion";

    /** @param k rank constant, 0..10000 (default 60, the paper's value): larger flattens the head's advantage */
    public record Params(Integer k) {
        public Params {
            k = ParamChecks.intIn("k", k, 60, 0, ParamChecks.MAX_K);
        }
    }

    private final Params params;
    /** The recalls of the pipeline this copy serves (set by {@link #forRecalls}); null while unbound. */
    private final List<String> recallNames;

    /** An unbound stage, as the registry builds it; a {@link dev.mmsearch.retrieval.Pipeline} runs its bound copy. */
    public RrfRank(Params params) {
        this(params, null);
    }

    private RrfRank(Params params, List<String> recallNames) {
        this.params = params;
        this.recallNames = recallNames == null ? null : List.copyOf(recallNames);
    }

    /** The same stage fusing over {@code recallNames}. */
    @Override
    public RrfRank forRecalls(List<String> recallNames) {
        return new RrfRank(params, recallNames);
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        if (recallNames == null) {
            throw new IllegalStateException("rank 'rrf' is not bound to a pipeline's recalls; run it through a Pipeline"
                    + " (or call forRecalls)");
        }
        return fuse(candidates, recallNames, params.k());
    }

    /** RRF over the recalls named (candidates without a recall's score are not in its list). Pure. */
    public static List<Candidate> fuse(List<Candidate> candidates, List<String> recallNames, int k) {
        Map<String, Double> fused = new HashMap<>();
        for (String recall : recallNames) {
            List<Candidate> found = new ArrayList<>();
            for (Candidate c : candidates) {
                if (c.score(recall) != null) {
                    found.add(c);
                }
            }
            found.sort((a, b) -> {
                int byScore = Float.compare(b.score(recall), a.score(recall));
                return byScore != 0 ? byScore : a.id().compareTo(b.id());
            });
            for (int i = 0; i < found.size(); i++) {
                fused.merge(found.get(i).id(), 1.0 / (k + i + 1), Double::sum);
            }
        }
        List<Candidate> out = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            out.add(c.rescored(SCORE_NAME, (float) (double) fused.getOrDefault(c.id(), 0.0)));
        }
        out.sort(Candidate.BY_SCORE_THEN_ID);
        return out;
    }
}
